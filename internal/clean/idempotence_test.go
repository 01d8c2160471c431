package clean_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestCleaningCleanDataChangesNothing: the clean store, written back out as exports and taken
// through import and clean again, comes out identical, with nothing quarantined and no change
// logged but the declared derivation.
func TestCleaningCleanDataChangesNothing(t *testing.T) {
	ctx := context.Background()
	s := contract.ServiceDesk()
	dir, work := t.TempDir(), t.TempDir()
	if _, err := synth.Generate(ctx, dir, synth.Options{Scale: 0.02, Seed: 17, Format: "csv", Dialect: "legacy", Dirt: "realistic"}); err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(work, "clean1.db")
	cleanDir(t, s, dir, filepath.Join(work, "stage1.db"), first)

	again := t.TempDir()
	db1, err := store.OpenReadOnly(first)
	if err != nil {
		t.Fatal(err)
	}
	defer db1.Close()
	for _, tb := range s.Tables {
		writeTableCSV(t, db1, tb, filepath.Join(again, tb.File+".csv"))
	}
	second := filepath.Join(work, "clean2.db")
	rep := cleanDir(t, s, again, filepath.Join(work, "stage2.db"), second)
	if len(rep.Quarantine) != 0 {
		t.Errorf("clean data quarantined: %v", rep.Quarantine)
	}
	for _, ch := range rep.Changes {
		if ch.Rule != "derive" {
			t.Errorf("clean data changed: %+v", ch)
		}
	}
	db2, err := store.OpenReadOnly(second)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	for _, tb := range s.Tables {
		cols := contractColumns(tb)
		q := fmt.Sprintf("SELECT %s FROM %s ORDER BY rowid", strings.Join(cols, ", "), store.Quote(tb.Name))
		if d := cmp.Diff(query(t, db1, q), query(t, db2, q)); d != "" {
			t.Errorf("%s changed on the second clean:\n%s", tb.Name, d)
		}
	}
}

func cleanDir(t *testing.T, s *contract.Spec, dir, stagePath, cleanPath string) *clean.Report {
	t.Helper()
	if _, err := stage.Import(context.Background(), stage.Options{Spec: s, Dir: dir, Out: stagePath}); err != nil {
		t.Fatal(err)
	}
	rep, err := clean.Run(context.Background(), clean.Options{Spec: s, Stage: stagePath, Out: cleanPath})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func contractColumns(tb *contract.Table) []string {
	var cols []string
	for _, c := range tb.Columns {
		cols = append(cols, store.Quote(c.Name))
	}
	for _, d := range tb.Derived {
		cols = append(cols, store.Quote(d.Name))
	}
	return cols
}

// writeTableCSV writes a clean table as an export: the contract's headers, NULL as empty.
func writeTableCSV(t *testing.T, db *sql.DB, tb *contract.Table, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := csv.NewWriter(f)
	var header, cols []string
	for _, c := range tb.Columns {
		header, cols = append(header, c.Header(0)), append(cols, store.Quote(c.Name))
	}
	w.Write(header)
	for _, r := range query(t, db, fmt.Sprintf("SELECT %s FROM %s ORDER BY rowid", strings.Join(cols, ", "), store.Quote(tb.Name))) {
		for i, v := range r {
			if v == "NULL" {
				r[i] = ""
			}
		}
		w.Write(r)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
}
