package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
)

// Issue 12: an event log has no natural key (two events may be identical), so it is a
// snapshot: re-importing a refreshed export leaves one copy of its rows, not two. With
// mode: append the exports accumulate, and every loaded row names its import.
func TestKeylessSnapshotAndAppend(t *testing.T) {
	v1 := "Number,Event,Logged At\n" +
		"INC1,opened,2016-02-29 01:16:00\n" +
		"INC1,opened,2016-02-29 01:16:00\n" + // the same event twice: no key
		"INC2,opened,2016-03-01 09:00:00\n" +
		"INC2,closed,2016-03-01 10:00:00\n" +
		"INC3,opened\n" // a misfit: rejected at import, quarantined
	v2 := v1 + "INC3,opened,2016-03-02 10:00:00\nINC3,closed,2016-03-03 11:00:00\n"
	dir := t.TempDir()
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "events.csv"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(v1)
	specPath := filepath.Join(t.TempDir(), "events.yaml")
	mustSdetl(t, "spec", "init", "--from", filepath.Join(dir, "events.csv"), "--out", specPath, "--name", "events", "--names", "snake")
	s, err := contract.Load(specPath)
	if err != nil {
		t.Fatal(err)
	}
	if tb := s.Tables[0]; len(tb.Key) != 0 || tb.Mode != contract.ModeSnapshot {
		t.Fatalf("drafted key %q mode %q, want none and snapshot", tb.Key, tb.Mode)
	}
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// check runs and compares the live table: rows per import id, and the quarantine.
	check := func(spec, work string, wantPerImport [][]string, wantQuar int64) {
		t.Helper()
		mustSdetl(t, "run", "--spec", spec, "--exports", dir, "--pg", dsn, "--workdir", work)
		got := pgRows(t, conn, `SELECT _import_id::text, count(*)::text FROM events.events GROUP BY 1 ORDER BY 1`)
		if d := cmp.Diff(wantPerImport, got); d != "" {
			t.Errorf("rows per import (-want +got):\n%s", d)
		}
		live, err := postgres.Counts(ctx, dsn, s)
		if err != nil {
			t.Fatal(err)
		}
		if live.Quarantined["events"] != wantQuar {
			t.Errorf("quarantined %d, want %d", live.Quarantined["events"], wantQuar)
		}
	}
	work := t.TempDir()
	check(specPath, work, [][]string{{"1", "4"}}, 1)
	write(v2) // the refreshed export: the old rows and two new ones
	check(specPath, work, [][]string{{"2", "6"}}, 1)
	check(specPath, work, [][]string{{"2", "6"}}, 1) // the same file again: skipped, still one copy
	code, out, _ := sdetl(t, "import", "--spec", specPath, "--exports", dir, "--workdir", t.TempDir())
	if code != 0 || strings.Contains(out, "replaced") {
		t.Errorf("a first import says it replaced rows: %s", out)
	}

	// mode: append: the two exports are both loaded, told apart by their import.
	b, _ := os.ReadFile(specPath)
	appendSpec := filepath.Join(t.TempDir(), "append.yaml")
	if !strings.Contains(string(b), "    mode: snapshot") {
		t.Fatalf("the draft does not say mode: snapshot:\n%s", b)
	}
	if err := os.WriteFile(appendSpec, []byte(strings.Replace(string(b), "    mode: snapshot", "    mode: append", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	work = t.TempDir()
	write(v1)
	check(appendSpec, work, [][]string{{"1", "4"}}, 1)
	write(v2)
	check(appendSpec, work, [][]string{{"1", "4"}, {"2", "6"}}, 2)
	// Lineage names both imports: the same file name and row, two imports.
	got := pgRows(t, conn, `SELECT _source_file, _source_row::text, _import_id::text FROM events.events WHERE _source_row = 1 ORDER BY 3`)
	if d := cmp.Diff([][]string{{"events.csv", "1", "1"}, {"events.csv", "1", "2"}}, got); d != "" {
		t.Errorf("lineage of row 1 (-want +got):\n%s", d)
	}
}
