package clean_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestScoreWhileCleaningEqualsScore: the score the cleaner collects while writing equals
// quality.Score over the finished clean store, on generated dirty data with duplicates (whose
// losers the score must take back out).
func TestScoreWhileCleaningEqualsScore(t *testing.T) {
	ctx := context.Background()
	dir, work := t.TempDir(), t.TempDir()
	if _, err := synth.Generate(ctx, dir, synth.Options{Scale: 0.03, Seed: 5, Format: "csv", Dialect: "2026", Dirt: "realistic"}); err != nil {
		t.Fatal(err)
	}
	s := contract.ServiceDesk()
	stagePath, cleanPath := filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: stagePath}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	rep, err := clean.Run(ctx, clean.Options{Spec: s, Stage: stagePath, Out: cleanPath, ScoreAt: at})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Quarantine[contract.RuleDuplicateKey] == 0 {
		t.Fatal("the data has no duplicate keys: the test would not cover taking losers back")
	}
	db, err := store.OpenReadOnly(cleanPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want, err := quality.Score(ctx, s, clean.QualitySource(db), at)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Score == nil {
		t.Fatal("no score with ScoreAt set")
	}
	if d := cmp.Diff(want, rep.Score); d != "" {
		t.Errorf("score while cleaning differs from quality.Score over the clean store (-want +got):\n%s", d)
	}

	// Without ScoreAt the same store is written and nothing is scored.
	again := filepath.Join(work, "again.db")
	rep2, err := clean.Run(ctx, clean.Options{Spec: s, Stage: stagePath, Out: again})
	if err != nil {
		t.Fatal(err)
	}
	if rep2.Score != nil {
		t.Error("scored without ScoreAt")
	}
	if a, b := storeDigest(t, cleanPath), storeDigest(t, again); a != b {
		t.Error("scoring while cleaning changed the clean store")
	}
}

// TestCleanCancelled: a clean cancelled while its goroutines run stops both, returns the
// cancellation and leaves no clean store.
func TestCleanCancelled(t *testing.T) {
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
	stagePath, out := filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
	if _, err := stage.Import(context.Background(), stage.Options{Spec: s, Dir: dir, Out: stagePath}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = clean.Run(ctx, clean.Options{Spec: s, Stage: stagePath, Out: out, ScoreAt: time.Now(),
		Progress: func(string, int) { cancel() }}) // after the first table is read
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if left, _ := filepath.Glob(filepath.Join(work, "*clean.db*")); len(left) != 0 {
		t.Errorf("a cancelled clean left %v", left)
	}
}

// storeDigest hashes every table of a store, rows in rowid order.
func storeDigest(t *testing.T, path string) string {
	t.Helper()
	db, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := sha256.New()
	for _, name := range query(t, db, `SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name`) {
		fmt.Fprintln(h, name)
		for _, row := range query(t, db, "SELECT * FROM "+store.Quote(name[0])+" ORDER BY rowid") {
			fmt.Fprintf(h, "%q\n", row)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestScoreWhileCleaningKeys: the key uniqueness the cleaner reports without grouping the
// store (it counts the rows it keeps) equals quality.Score's over the finished store, where
// values spelled differently clean to the same key and rows missing a key part (quarantined:
// key columns are required) are not counted.
func TestScoreWhileCleaningKeys(t *testing.T) {
	body := "a,b,note\nx,1,one\nx,01,one again\n,1,null a\ny,5,five\n,,all null\nx, 1 ,once more\ny,,null b\nz,2,two\ny,5,five again\n"
	at := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	s, rep, db := cleanCSV(t, `
name: nk
schema: nk
tables:
  - name: events
    key: [a, b]
    columns:
      - {name: a, type: text}
      - {name: b, type: integer}
      - {name: note, type: text}
`, body, clean.Options{ScoreAt: at})
	if n, m := rep.Quarantine[contract.RuleDuplicateKey], rep.Quarantine[contract.RuleMissingRequired]; n != 3 || m != 3 {
		t.Fatalf("%d duplicate-key and %d missing-key rows, want 3 and 3: the test would not cover them", n, m)
	}
	want, err := quality.Score(context.Background(), s, clean.QualitySource(db), at)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, rep.Score); d != "" {
		t.Errorf("score while cleaning differs from quality.Score over the clean store (-want +got):\n%s", d)
	}
}
