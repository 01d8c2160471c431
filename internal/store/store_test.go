package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestSyncAhead: a builder flushed ahead commits a complete store; a flush that failed fails
// Commit (its error would not reach Commit's own fsync) and leaves no file.
func TestSyncAhead(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	b, err := Create(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.DB.ExecContext(ctx, `CREATE TABLE t (v); INSERT INTO t VALUES (1), (2)`); err != nil {
		t.Fatal(err)
	}
	b.SyncAhead()
	if _, err := b.DB.ExecContext(ctx, `INSERT INTO t VALUES (3)`); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	db, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d rows (%v), want 3", n, err)
	}

	path = filepath.Join(t.TempDir(), "f.db")
	if b, err = Create(ctx, path); err != nil {
		t.Fatal(err)
	}
	tmp := b.tmp
	b.tmp = filepath.Join(filepath.Dir(tmp), "gone") // the flush cannot open the file
	b.SyncAhead()
	b.ahead.Wait()
	b.tmp = tmp
	if err := b.Commit(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Commit after a failed flush: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a store was committed: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*")); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
}
