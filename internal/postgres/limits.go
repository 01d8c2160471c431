package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sdetl/sdetl/internal/contract"
)

// maxRowBytes is what PostgreSQL stores of one row in its 8 kB page: values too short to move
// out of line (under about 2 kB, and any fixed-width one) must fit together. The contract's
// column limit (contract.MaxTableColumns) cannot promise this, because it depends on the
// values: 1,597 one-character texts fit, 1,597 eight-byte integers never do.
const maxRowBytes = 8160

// explainRowTooBig turns PostgreSQL's "row is too big" into the limit and the fix.
func explainRowTooBig(t *contract.Table, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "54000" && pe.Message != "" {
		return fmt.Errorf("a row of its %d columns is wider than the %d bytes PostgreSQL stores per row (%s); split the export into narrower tables: %w",
			len(t.Columns)+len(t.Derived), maxRowBytes, pe.Message, err)
	}
	return err
}
