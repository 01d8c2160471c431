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
	counts, err := rowCounts(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return counts, nil
}

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func rowCounts(ctx context.Context, db queryer) (map[string]int64, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("tables: %w", err)
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
			return nil, fmt.Errorf("count %s: %w", n, err)
		}
		counts[n] = c
	}
	return counts, nil
}

// CopyFile copies the store at src byte for byte to dst (which must not exist) and returns
// its row counts, both inside one read transaction: no writer can commit while it is held, so
// the copy is never a torn mix of two writes, and the counts describe exactly the copied file.
// The kernel copies the bytes (copy_file_range where it can), so the copy costs little CPU;
// dst is synced before it returns. A store in WAL mode, whose main file alone is not the
// database, is copied with VacuumInto instead.
func CopyFile(ctx context.Context, src, dst string) (map[string]int64, error) {
	if _, err := os.Stat(src); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+src+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := rowCounts(ctx, tx) // the first read takes the shared lock the copy runs under
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	var mode string
	if err := tx.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	if strings.EqualFold(mode, "wal") {
		tx.Rollback()
		if err := VacuumInto(ctx, src, dst); err != nil {
			return nil, err
		}
		return RowCounts(ctx, dst)
	}
	if err := copyBytes(ctx, src, dst); err != nil {
		os.Remove(dst)
		return nil, fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return rows, nil
}

func copyBytes(ctx context.Context, src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	if _, err := out.ReadFrom(in); err != nil { // copy_file_range: the kernel copies
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := out.Sync(); err != nil {
		return err
	}
	return out.Close()
}
