package clean_test

import (
	"context"
	"database/sql"
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
	body := "a,b,note\n" +
		"a|b,c,\"two\nlines\"\n" + // row 1, lines 2-3
		"a,b|c,x\n" + // row 2, line 4: another key
		"a|b,c,newer\n" // row 3, line 5: the same key as row 1; the later row wins
	_, _, db := cleanCSV(t, `
name: dup
schema: dup
tables:
  - name: events
    key: [a, b]
    columns:
      - {name: a, type: text}
      - {name: b, type: text}
      - {name: note, type: text}
`, body, clean.Options{})
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
	body := "id,modified,note\n" +
		"1,2025-01-02 00:00:00,b\n" + // row 1
		"2,2025-01-01 00:00:00,x\n" + // row 2
		"1,2025-01-03 00:00:00,c\n" + // row 3: the newest of key 1
		"3,,solo\n" + // row 4
		"1,,a\n" + // row 5: NULL is the oldest
		"2,2025-01-01 00:00:00,y\n" // row 6: a tie with row 2, the later row wins
	_, _, db := cleanCSV(t, `
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
`, body, clean.Options{})
	if d := cmp.Diff([][]string{{"3", "c"}, {"4", "solo"}, {"6", "y"}}, query(t, db, `SELECT _row, note FROM events ORDER BY rowid`)); d != "" {
		t.Errorf("kept rows (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{{"1", "1"}, {"2", "2"}, {"5", "1"}}, query(t, db, `SELECT source_row, raw_value FROM quarantine WHERE rule = 'duplicate_key' ORDER BY source_row`)); d != "" {
		t.Errorf("losers (-want +got):\n%s", d)
	}
}

// cleanCSV stages and cleans body, the CSV export of the first table of the contract in yaml,
// with o's options besides the paths, and opens the clean store (closed when the test ends).
func cleanCSV(t *testing.T, yaml, body string, o clean.Options) (*contract.Spec, *clean.Report, *sql.DB) {
	t.Helper()
	s, err := contract.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	dir, work := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, s.Tables[0].Name+".csv"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	o.Spec, o.Stage, o.Out = s, filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: o.Stage}); err != nil {
		t.Fatal(err)
	}
	rep, err := clean.Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenReadOnly(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return s, rep, db
}

// TestSortedKeysStillDeduped: keys sorted up to a repeat, adjacent or not, are deduped as
// ever; sorted unique keys keep every row.
func TestSortedKeysStillDeduped(t *testing.T) {
	const spec = `
name: dup
schema: dup
tables:
  - name: events
    key: [id, n]
    columns:
      - {name: id, type: text}
      - {name: n, type: integer}
`
	for _, tc := range []struct {
		name, body string
		kept       [][]string
		lost       [][]string
	}{
		{"unique", "id,n\na,9\na,10\nb,1\n", [][]string{{"1", "a"}, {"2", "a"}, {"3", "b"}}, nil},
		{"adjacent repeat", "id,n\na,1\na,1\nb,1\n", [][]string{{"2", "a"}, {"3", "b"}}, [][]string{{"1"}}},
		{"later repeat", "id,n\na,1\nb,1\nc,1\na,1\n", [][]string{{"2", "b"}, {"3", "c"}, {"4", "a"}}, [][]string{{"1"}}},
	} {
		_, _, db := cleanCSV(t, spec, tc.body, clean.Options{})
		if d := cmp.Diff(tc.kept, query(t, db, `SELECT _row, id FROM events ORDER BY rowid`)); d != "" {
			t.Errorf("%s: kept rows (-want +got):\n%s", tc.name, d)
		}
		lost := query(t, db, `SELECT source_row FROM quarantine WHERE rule = 'duplicate_key' ORDER BY source_row`)
		if len(lost) == 0 {
			lost = nil
		}
		if d := cmp.Diff(tc.lost, lost); d != "" {
			t.Errorf("%s: losers (-want +got):\n%s", tc.name, d)
		}
	}
}
