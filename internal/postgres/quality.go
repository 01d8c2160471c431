package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/quality"
)

// QualitySource reads the loaded tables of schema (e.g. servicedesk) through conn, rendering
// every typed value as its canonical text, so the score of a loaded schema equals the score of
// the clean store it was loaded from.
func QualitySource(conn *pgx.Conn, schema string) quality.Source {
	return quality.NewSQLSource(qualityStore(conn, schema, false))
}

// isoQualitySource is QualitySource on a connection whose session has dateStyle set: its dates
// and timestamps render by the cheaper ::text (quality.SQLStore.ISODates), the same text.
func isoQualitySource(conn *pgx.Conn, schema string) quality.Source {
	return quality.NewSQLSource(qualityStore(conn, schema, true))
}

// measuringQualitySource is QualitySource, whose reading of each table's rows also takes that
// table's measures for the reconciliation (streamedMeasures). It sets dateStyle on conn before each read, so
// its rows render dates and timestamps by ::text (quality.SQLStore.ISODates), as the hash's do.
// Given more connections (which must see the schema as conn does: committed), it reads a large
// table in parts on all of them (measuringSource.RowParts).
func measuringQualitySource(conn *pgx.Conn, schema string, measures *streamedMeasures, more ...*pgx.Conn) quality.Source {
	st := qualityStore(conn, schema, true)
	return &measuringSource{Source: quality.NewSQLSource(st), st: st, conn: conn, more: more, measures: measures}
}

func qualityStore(conn *pgx.Conn, schema string, iso bool) quality.SQLStore {
	return quality.SQLStore{Name: "postgres", Q: pgQ{conn}, Schema: schema, Typed: true, ISODates: iso,
		Table: func(t *contract.Table) string { return t.Name },
		Quote: func(name string) string { return pgx.Identifier{name}.Sanitize() }}
}

// pgQ runs SQL on PostgreSQL.
type pgQ struct{ conn *pgx.Conn }

func (q pgQ) Columns(ctx context.Context, schema, table string) ([]string, error) {
	rows, err := q.conn.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, schema, table)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (q pgQ) Row(ctx context.Context, sqlText string, dest ...any) error {
	return q.conn.QueryRow(ctx, sqlText).Scan(dest...)
}

func (q pgQ) Each(ctx context.Context, sqlText string, n int, fn func([]string) error) error {
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
