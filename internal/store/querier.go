package store

import (
	"context"
	"database/sql"
	"strings"
)

// Querier runs the score's SQL on a SQLite store (quality.Querier).
type Querier struct{ DB *sql.DB }

// Columns lists table's columns in order; none when it does not exist.
func (q Querier) Columns(ctx context.Context, _, table string) ([]string, error) {
	var cols []string
	err := q.Each(ctx, "SELECT name FROM pragma_table_info('"+strings.ReplaceAll(table, "'", "''")+"') ORDER BY cid", 1,
		func(r []string) error {
			cols = append(cols, r[0])
			return nil
		})
	return cols, err
}

// Row scans the one row sqlText returns into dest.
func (q Querier) Row(ctx context.Context, sqlText string, dest ...any) error {
	return q.DB.QueryRowContext(ctx, sqlText).Scan(dest...)
}

// Each calls fn with every row of sqlText's n text columns (NULL as "").
func (q Querier) Each(ctx context.Context, sqlText string, n int, fn func([]string) error) error {
	rows, err := q.DB.QueryContext(ctx, sqlText)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]sql.NullString, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	row := make([]string, n)
	for k := 1; rows.Next(); k++ {
		if k%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			row[i] = v.String // "" when NULL
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}
