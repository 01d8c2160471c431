package stage

import (
	"database/sql"

	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/store"
)

// QualitySource reads the staging store (stg_<table>, raw text as read) for the score. Values
// are judged by what values.Normalize makes of them, but keys are compared as the raw text
// they are: a raw "3652948.0" is a valid id, yet it does not join "3652948".
func QualitySource(db *sql.DB) quality.Source { return quality.NewSQLSource(qualityStore(db)) }

func qualityStore(db *sql.DB) quality.SQLStore {
	return quality.SQLStore{Name: "stage", Q: store.Querier{DB: db}, Table: TableName, Quote: store.Quote, RawNulls: true}
}
