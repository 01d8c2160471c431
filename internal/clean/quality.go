package clean

import (
	"database/sql"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/store"
)

// QualitySource reads the clean store (<table>, canonical text, NULL for missing) for the score.
func QualitySource(db *sql.DB) quality.Source {
	return quality.NewSQLSource(quality.SQLStore{Name: "clean", Q: store.Querier{DB: db},
		Table: func(t *contract.Table) string { return t.Name }, Quote: store.Quote})
}
