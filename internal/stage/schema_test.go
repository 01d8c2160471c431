package stage_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestNewStoreKeyIndexes: a new store has 32 KiB pages, and its _key indexes, built once its
// rows are written, exist for every table (also one without an export this time, which a later
// import upserts into), in contract order (so a dump of the store lists them as when each
// followed its table), and hold exactly the table's rows, also after a later import into the
// store (TestImportIncremental covers the upserts that look keys up in them).
func TestNewStoreKeyIndexes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := synth.Generate(ctx, dir, synth.Options{Scale: 0.02, Seed: 3, Format: "csv", Dialect: "2026", Dirt: "realistic"}); err != nil {
		t.Fatal(err)
	}
	s := contract.ServiceDesk()
	out := filepath.Join(t.TempDir(), "stage.db")
	first := []string{filepath.Join(dir, "roster.csv"), filepath.Join(dir, "comments.csv"), filepath.Join(dir, "tickets.csv")}
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Files: first, Out: out}); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		db, err := store.OpenReadOnly(out)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var want, got []string
		for _, tb := range s.Tables {
			want = append(want, stage.TableName(tb)+"_key")
		}
		rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
		}
		rows.Close()
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: indexes (-want +got):\n%s", when, d)
		}
		var page int
		if err := db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&page); err != nil || page != 32<<10 {
			t.Errorf("%s: page_size %d, %v; want 32 KiB (stagePageSize)", when, page, err)
		}
		var ok string
		if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
			t.Errorf("%s: integrity_check %q, %v", when, ok, err)
		}
		for _, tb := range s.Tables {
			q := "SELECT count(*) FROM " + store.Quote(stage.TableName(tb))
			var all, indexed int
			if err := db.QueryRowContext(ctx, q+" NOT INDEXED WHERE _key IS NOT NULL").Scan(&all); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRowContext(ctx, q+" INDEXED BY "+store.Quote(stage.TableName(tb)+"_key")+" WHERE _key IS NOT NULL").Scan(&indexed); err != nil {
				t.Fatal(err)
			}
			if all != indexed {
				t.Errorf("%s: %s: %d keyed rows, %d in its index", when, tb.Name, all, indexed)
			}
		}
	}
	check("new store")
	// The timesheets later, into the table whose index was built empty.
	res, err := stage.Import(ctx, stage.Options{Spec: s, Files: []string{filepath.Join(dir, "timesheets.csv")}, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Files[0]; a.Inserted == 0 {
		t.Errorf("later timesheets: %+v", a)
	}
	check("after a later import")
}
