package store

import (
	"context"
	"database/sql"
	"fmt"
)

// FileNames maps each import file's id to its name, from the import_file table both stores
// keep (the lineage of every row). An id listed twice is an error: the clean store's copy of
// the table has no key to prevent it, and a row must name one file.
func FileNames(ctx context.Context, db *sql.DB) (map[int64]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, name FROM import_file`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		if _, dup := m[id]; dup {
			return nil, fmt.Errorf("import_file has id %d twice", id)
		}
		m[id] = name
	}
	return m, rows.Err()
}
