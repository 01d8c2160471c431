package clean

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
)

// The clean store is built with 32 KiB pages and a 4 MiB cache, and the finished file keeps
// the page size for every later reader (the canary, the load).
func TestCleanStoreLayout(t *testing.T) {
	s, err := contract.Parse([]byte("name: l\nschema: l\ntables:\n  - name: t\n    columns:\n      - {name: a, type: text}\n"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "clean.db")
	b, err := store.Create(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	if err := createSchema(ctx, b.DB, s); err != nil {
		t.Fatal(err)
	}
	var page, cache int
	if err := b.DB.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&page); err != nil {
		t.Fatal(err)
	}
	if err := b.DB.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		t.Fatal(err)
	}
	if page != cleanPageSize || cache != -cleanCacheKiB {
		t.Errorf("builder: page_size %d, cache_size %d; want %d, %d", page, cache, cleanPageSize, -cleanCacheKiB)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&page); err != nil {
		t.Fatal(err)
	}
	if page != cleanPageSize {
		t.Errorf("finished store: page_size %d, want %d", page, cleanPageSize)
	}
}
