package clean_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
)

// A small contract with the ServiceDesk shape: scope filter, duplicates, a derived column.
const miniSpec = `
name: mini
schema: mini
sentinels: ["nan", "N/A", "-"]
scope:
  cutoff: "2025-07-01"
  roster: {table: roster, user: username}
  activity: {table: comments, ticket: ticket, user: author, time: created}
  tickets: {table: tickets, key: id}
  dated: [{table: timesheets, column: day}]
tables:
  - name: tickets
    key: [id]
    modified: modified
    columns:
      - {name: id, type: integer}
      - {name: created, type: timestamp, required: true}
      - {name: modified, type: timestamp}
      - {name: met, type: flag}
  - name: comments
    key: [id]
    columns:
      - {name: id, headers: [ID], type: integer}
      - {name: ticket, headers: [Ticket], type: integer, required: true}
      - {name: author, headers: [Author], type: text}
      - {name: created, headers: [Created], type: timestamp, required: true}
      - {name: kind, headers: [Kind], type: text}
    derived:
      - {name: public, type: boolean, from: kind, map: {comments: "true", system: "false"}}
  - name: timesheets
    key: [user, day]
    columns:
      - {name: user, type: text}
      - {name: day, type: date}
      - {name: hours, type: decimal, reject_outside: {min: 0, min_exclusive: true, max: 24}}
  - name: roster
    optional: true
    key: [username]
    columns:
      - {name: username, type: text}
`

var miniFiles = map[string]string{
	"roster.csv": "username\nalice\n BOB\n",
	// ticket 1: touched by alice after the cutoff; 2: only the bot; 3: bob before the cutoff only.
	"comments.csv": "ID,Ticket,Author,Created,Kind\n" +
		"10,1,alice,2/07/2025 9:00,comments\n" +
		"11,1,bot,3/07/2025 9:00,system\n" +
		"12,2,bot,3/07/2025 9:00,system\n" +
		"13,3,bob,30/06/2025 23:59,comments\n" +
		"14,1,bot,,system\n" + // no date: scope undecidable -> kept -> quarantined
		"x15,1,nan,4/07/2025 9:00,comments\n" + // bad id, touched ticket -> kept -> quarantined
		"16,1,Bob,5/07/2025 10:30,worknotes\n" +
		"16,1,bot,6/07/2025 10:30,comments\n", // duplicate id: the newer one wins
	"tickets.csv": "id,created,modified,met\n" +
		"1,2025-06-01 08:00:00,2025-07-01 08:00:00,Yes\n" +
		"2,2025-07-01 08:00:00,,no\n" +
		"1,2025-06-01 08:00:00,2025-06-02 08:00:00,no\n" + // older duplicate of ticket 1
		"3,2025-07-02 08:00:00,,-\n",
	"timesheets.csv": "user,day,hours\n" +
		"alice,1/07/2025,1.50\n" +
		"alice,30/06/2025,2\n" + // before the cutoff: dropped
		"bob,2/07/2025,\n" +
		"bob,31/02/2025,1\n" + // impossible date: kept, quarantined
		"carol,3/07/2025,25\n", // 25 hours in a day: out of its domain, quarantined
}

func TestImportScopeAndClean(t *testing.T) {
	s, err := contract.Parse([]byte(miniSpec))
	if err != nil {
		t.Fatal(err)
	}
	dir, work := t.TempDir(), t.TempDir()
	for name, body := range miniFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	stagePath, cleanPath := filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
	res, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: stagePath})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][3]int{}
	for _, a := range res.Files {
		got[a.Table] = [3]int{a.RowsRead, a.InScope, a.DroppedScope}
	}
	want := map[string][3]int{
		"roster":     {2, 2, 0},
		"comments":   {8, 6, 2}, // 12 (ticket 2 untouched) and 13 (before cutoff) dropped
		"tickets":    {4, 2, 2}, // both rows of ticket 1 kept; 2 and 3 untouched
		"timesheets": {5, 4, 1},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("import counts (-want +got):\n%s", d)
	}

	before := fileHash(t, stagePath)
	rep, err := clean.Run(ctx, clean.Options{Spec: s, Stage: stagePath, Out: cleanPath, CellChanges: true})
	if err != nil {
		t.Fatal(err)
	}
	if fileHash(t, stagePath) != before {
		t.Error("clean modified the staging store")
	}
	recon := map[string][3]int{}
	for _, tr := range rep.Tables {
		recon[tr.Table] = [3]int{tr.Staged, tr.Clean, tr.Quarantined}
	}
	wantRecon := map[string][3]int{
		"tickets":    {2, 1, 1},
		"comments":   {6, 3, 3},
		"timesheets": {4, 2, 2},
		"roster":     {2, 2, 0},
	}
	if d := cmp.Diff(wantRecon, recon); d != "" {
		t.Errorf("reconciliation (-want +got):\n%s", d)
	}

	db, err := store.OpenReadOnly(cleanPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wantQ := [][]string{
		{"comments", "5", "created", "missing_required"},
		{"comments", "6", "id", "invalid_integer"},
		{"comments", "7", "id", "duplicate_key"},
		{"tickets", "3", "id", "duplicate_key"},
		{"timesheets", "4", "day", "invalid_date"},
		{"timesheets", "5", "hours", "out_of_domain"},
	}
	if d := cmp.Diff(wantQ, query(t, db, `SELECT table_name, source_row, column_name, rule FROM quarantine ORDER BY 1, 2`)); d != "" {
		t.Errorf("quarantine (-want +got):\n%s", d)
	}
	wantComments := [][]string{
		{"10", "1", "alice", "2025-07-02 09:00:00", "comments", "true"},
		{"11", "1", "bot", "2025-07-03 09:00:00", "system", "false"},
		{"16", "1", "bot", "2025-07-06 10:30:00", "comments", "true"},
	}
	if d := cmp.Diff(wantComments, query(t, db, `SELECT id, ticket, author, created, kind, public FROM comments ORDER BY id`)); d != "" {
		t.Errorf("clean comments (-want +got):\n%s", d)
	}
	wantTickets := [][]string{{"1", "2025-07-01 08:00:00", "yes"}}
	if d := cmp.Diff(wantTickets, query(t, db, `SELECT id, modified, met FROM tickets`)); d != "" {
		t.Errorf("clean tickets (-want +got):\n%s", d)
	}
	wantCells := [][]string{{"tickets", "1", "met", "Yes", "yes", "flag_spelling"}}
	if d := cmp.Diff(wantCells, query(t, db, `SELECT table_name, source_row, column_name, before, after, rules
		FROM cell_change WHERE table_name = 'tickets' AND column_name = 'met'`)); d != "" {
		t.Errorf("cell changes (-want +got):\n%s", d)
	}
	wantTS := [][]string{{"alice", "2025-07-01", "1.5"}, {"bob", "2025-07-02", "NULL"}}
	if d := cmp.Diff(wantTS, query(t, db, `SELECT user, day, coalesce(hours, 'NULL') FROM timesheets ORDER BY 1`)); d != "" {
		t.Errorf("clean timesheets (-want +got):\n%s", d)
	}

	// Cleaning is deterministic: the same staging store gives the same clean rows.
	again := filepath.Join(work, "clean2.db")
	if _, err := clean.Run(ctx, clean.Options{Spec: s, Stage: stagePath, Out: again}); err != nil {
		t.Fatal(err)
	}
	db2, err := store.OpenReadOnly(again)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	for _, tb := range []string{"tickets", "comments", "timesheets", "quarantine"} {
		q := "SELECT * FROM " + tb + " ORDER BY rowid"
		if d := cmp.Diff(query(t, db, q), query(t, db2, q)); d != "" {
			t.Errorf("%s differs between two cleans:\n%s", tb, d)
		}
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func query(t *testing.T, db *sql.DB, q string) [][]string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
			if !v.Valid {
				row[i] = "NULL"
			}
		}
		out = append(out, row)
	}
	return out
}

// TestCleanStopsWhenUnhealthy: a failing health check stops the clean stage with its reason
// and leaves no clean store behind.
func TestCleanStopsWhenUnhealthy(t *testing.T) {
	s, err := contract.Parse([]byte(miniSpec))
	if err != nil {
		t.Fatal(err)
	}
	dir, work := t.TempDir(), t.TempDir()
	for name, body := range miniFiles {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	stagePath, cleanPath := filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
	if _, err := stage.Import(context.Background(), stage.Options{Spec: s, Dir: dir, Out: stagePath}); err != nil {
		t.Fatal(err)
	}
	_, err = clean.Run(context.Background(), clean.Options{Spec: s, Stage: stagePath, Out: cleanPath,
		Health: health.Limits{Dir: work, MinFreeDisk: 1 << 62, Every: 1}})
	if err == nil || !strings.Contains(err.Error(), "stopping before the disk fills") {
		t.Fatalf("err = %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(work, "*clean.db*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
