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
