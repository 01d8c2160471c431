package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
)

// VacuumInto writes a consistent copy of the store at src to dst (which must not exist) with
// SQLite's VACUUM INTO: one read transaction, so a copy is never a torn mix of two writes,
// and compacted. dst is synced before it returns.
func VacuumInto(ctx context.Context, src, dst string) error {
	// Read-only by the open mode, not query_only: query_only forbids VACUUM INTO, which
	// writes only to dst.
	if _, err := os.Stat(src); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+src+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO '"+strings.ReplaceAll(dst, "'", "''")+"'"); err != nil {
		os.Remove(dst)
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return syncFile(dst)
}

// RowCounts counts the rows of every table of a store, opened read-only.
func RowCounts(ctx context.Context, path string) (map[string]int64, error) {
	db, err := OpenReadOnly(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("%s: tables: %w", path, err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	for _, n := range names {
		var c int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+Quote(n)).Scan(&c); err != nil {
			return nil, fmt.Errorf("%s: count %s: %w", path, n, err)
		}
		counts[n] = c
	}
	return counts, nil
}
