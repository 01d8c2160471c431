package quality

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
)

// PostgresSource reads the loaded tables of schema (e.g. servicedesk) through conn, rendering
// every typed value as its canonical text, so the score of a loaded schema equals the score of
// the clean store it was loaded from.
func PostgresSource(conn *pgx.Conn, schema string) Source {
	return &sqlSource{name: "postgres", q: pgQ{conn}, schema: schema, typed: true,
		table: func(t *contract.Table) string { return t.Name }}
}

// pgQ runs SQL on PostgreSQL.
type pgQ struct{ conn *pgx.Conn }

func (q pgQ) columns(ctx context.Context, schema, table string) ([]string, error) {
	rows, err := q.conn.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, schema, table)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (q pgQ) row(ctx context.Context, sqlText string, dest ...any) error {
	return q.conn.QueryRow(ctx, sqlText).Scan(dest...)
}

func (q pgQ) each(ctx context.Context, sqlText string, n int, fn func([]string) error) error {
	rows, err := q.conn.Query(ctx, sqlText)
	if err != nil {
		return err
	}
	defer rows.Close()
	row := make([]string, n)
	for k := 1; rows.Next(); k++ {
		if k%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		// Every selected column is text, whose wire forms (text and binary) are its UTF-8 bytes.
		for i, b := range rows.RawValues() {
			row[i] = string(b) // nil (NULL) -> ""
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}
