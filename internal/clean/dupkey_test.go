package clean_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
)

// Issue 12: a duplicate_key row names the line it came from (not 0), and a composite key is a
// JSON array, so ("a|b", "c") and ("a", "b|c") are told apart.
func TestDuplicateKeyLineAndCompositeKey(t *testing.T) {
	s, err := contract.Parse([]byte(`
name: dup
schema: dup
tables:
  - name: events
    key: [a, b]
    columns:
      - {name: a, type: text}
      - {name: b, type: text}
      - {name: note, type: text}
`))
	if err != nil {
		t.Fatal(err)
	}
	dir, work := t.TempDir(), t.TempDir()
	body := "a,b,note\n" +
		"a|b,c,\"two\nlines\"\n" + // row 1, lines 2-3
		"a,b|c,x\n" + // row 2, line 4: another key
		"a|b,c,newer\n" // row 3, line 5: the same key as row 1; the later row wins
	if err := os.WriteFile(filepath.Join(dir, "events.csv"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	stagePath, cleanPath := filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: stagePath}); err != nil {
		t.Fatal(err)
	}
	if _, err := clean.Run(ctx, clean.Options{Spec: s, Stage: stagePath, Out: cleanPath}); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenReadOnly(cleanPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := [][]string{{"1", "2", "duplicate_key", `["a|b","c"]`, `an older row of natural key ["a|b","c"]`}}
	got := query(t, db, `SELECT source_row, source_line, rule, raw_value, reason FROM quarantine`)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("quarantine (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{{"a", "b|c", "x"}, {"a|b", "c", "newer"}}, query(t, db, `SELECT a, b, note FROM events ORDER BY a`)); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

// TestDuplicateKeyNewestKept: of a key's rows the dedupe keeps the newest modified value, a
// NULL being the oldest and a tie going to the later row, however many rows hold the key; a
// key held once is kept as it is.
func TestDuplicateKeyNewestKept(t *testing.T) {
	s, err := contract.Parse([]byte(`
name: dup
schema: dup
tables:
  - name: events
    key: [id]
    modified: modified
    columns:
      - {name: id, type: integer}
      - {name: modified, type: timestamp}
      - {name: note, type: text}
`))
	if err != nil {
		t.Fatal(err)
	}
	dir, work := t.TempDir(), t.TempDir()
	body := "id,modified,note\n" +
		"1,2025-01-02 00:00:00,b\n" + // row 1
		"2,2025-01-01 00:00:00,x\n" + // row 2
		"1,2025-01-03 00:00:00,c\n" + // row 3: the newest of key 1
		"3,,solo\n" + // row 4
		"1,,a\n" + // row 5: NULL is the oldest
		"2,2025-01-01 00:00:00,y\n" // row 6: a tie with row 2, the later row wins
	if err := os.WriteFile(filepath.Join(dir, "events.csv"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	stagePath, cleanPath := filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: stagePath}); err != nil {
		t.Fatal(err)
	}
	if _, err := clean.Run(ctx, clean.Options{Spec: s, Stage: stagePath, Out: cleanPath}); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenReadOnly(cleanPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if d := cmp.Diff([][]string{{"3", "c"}, {"4", "solo"}, {"6", "y"}}, query(t, db, `SELECT _row, note FROM events ORDER BY rowid`)); d != "" {
		t.Errorf("kept rows (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{{"1", "1"}, {"2", "2"}, {"5", "1"}}, query(t, db, `SELECT source_row, raw_value FROM quarantine WHERE rule = 'duplicate_key' ORDER BY source_row`)); d != "" {
		t.Errorf("losers (-want +got):\n%s", d)
	}
}
