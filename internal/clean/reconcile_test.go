package clean

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/sdetl/sdetl/internal/outcome"
)

func sqliteDB(t *testing.T, name string, stmts ...string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return db
}

// The reconciliation counts each table's rejects and quarantined rows from one grouped scan of
// each store: a table's rows must come out as the per-table counts did, and a row missing from
// the quarantine must still fail it.
func TestReconcileCountsByTable(t *testing.T) {
	ctx := context.Background()
	src := sqliteDB(t, "stage.db",
		`CREATE TABLE stg_a (x); CREATE TABLE stg_b (x); CREATE TABLE stg_rejects (table_name TEXT NOT NULL)`,
		`INSERT INTO stg_a VALUES (1), (2), (3); INSERT INTO stg_b VALUES (1)`,
		`INSERT INTO stg_rejects VALUES ('a'), ('b'), ('b')`)
	dst := sqliteDB(t, "clean.db",
		`CREATE TABLE a (x); CREATE TABLE b (x); CREATE TABLE quarantine (table_name TEXT NOT NULL)`,
		`INSERT INTO a VALUES (1), (2); INSERT INTO b VALUES (1)`,
		`INSERT INTO quarantine VALUES ('a'), ('a'), ('b'), ('b')`)
	grouped := countByTable(ctx, src, dst)
	for _, c := range []struct {
		table                    string
		staged, clean, quarantin int
		fails                    bool
	}{{"a", 4, 2, 2, false}, {"b", 3, 1, 2, false}} {
		tr := &TableResult{Table: c.table}
		if err := reconcileTable(tr, countTable(ctx, src, dst, c.table), grouped); err != nil {
			t.Fatalf("%s: %v", c.table, err)
		}
		if tr.Staged != c.staged || tr.Clean != c.clean || tr.Quarantined != c.quarantin {
			t.Errorf("%s: staged %d clean %d quarantined %d, want %d %d %d", c.table, tr.Staged, tr.Clean, tr.Quarantined, c.staged, c.clean, c.quarantin)
		}
	}
	if _, err := dst.Exec(`DELETE FROM quarantine WHERE rowid = (SELECT min(rowid) FROM quarantine WHERE table_name = 'b')`); err != nil {
		t.Fatal(err)
	}
	tr := &TableResult{Table: "b"}
	if err := reconcileTable(tr, countTable(ctx, src, dst, "b"), countByTable(ctx, src, dst)); !errors.Is(err, outcome.ErrReconcile) {
		t.Errorf("a quarantined row lost: %v, want %v", err, outcome.ErrReconcile)
	}
	if _, err := dst.Exec(`DROP TABLE quarantine`); err != nil {
		t.Fatal(err)
	}
	if err := reconcileTable(tr, countTable(ctx, src, dst, "b"), countByTable(ctx, src, dst)); err == nil {
		t.Error("no quarantine table: reconciled")
	}
}
