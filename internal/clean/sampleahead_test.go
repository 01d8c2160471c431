package clean_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

// aheadSpec has every shape of sample: strata by month and by value (NULLs, non-ASCII), a
// keyed table with duplicates whose losers the dedupe deletes, a table following it, one
// following that one without a key of its own, and a table without a key (whole rows
// repeated, so ranks tie and the rowid decides).
const aheadSpec = `
name: ahead
schema: ahead
tables:
  - name: tickets
    key: [id]
    modified: modified
    sample: {strata: [{column: created, by: month}, {column: status}]}
    columns:
      - {name: id, type: integer}
      - {name: created, type: timestamp}
      - {name: modified, type: timestamp}
      - {name: status, type: text}
  - name: comments
    key: [id]
    modified: modified
    sample: {follow: {column: ticket, table: tickets}}
    columns:
      - {name: id, type: integer}
      - {name: ticket, type: integer}
      - {name: modified, type: timestamp}
      - {name: body, type: text}
  - name: replies
    sample: {follow: {column: comment, table: comments}}
    columns:
      - {name: comment, type: integer}
      - {name: body, type: text}
  - name: notes
    sample: {strata: [{column: kind}]}
    columns:
      - {name: author, type: text}
      - {name: kind, type: text}
      - {name: n, type: integer}
`

// aheadFiles writes aheadSpec's exports: duplicates, unparsable integers (quarantined), empty
// cells (NULL), and a ticket whose only row in its stratum is an older duplicate, so the
// stratum is not in the clean store.
func aheadFiles(t *testing.T, dir string) {
	r := rand.New(rand.NewPCG(3, 4))
	pick := func(vs ...string) string { return vs[r.IntN(len(vs))] }
	ts := func() string {
		if r.IntN(20) == 0 {
			return ""
		}
		return fmt.Sprintf("2025-%02d-%02d %02d:%02d:00", 1+r.IntN(9), 1+r.IntN(28), r.IntN(24), r.IntN(60))
	}
	id := func(n int) string {
		if r.IntN(60) == 0 {
			return "x" + fmt.Sprint(r.IntN(n)) // not an integer: quarantined
		}
		return fmt.Sprint(1 + r.IntN(n))
	}
	var tk, cm, rp, nt strings.Builder
	tk.WriteString("id,created,modified,status\n")
	for range 900 {
		fmt.Fprintf(&tk, "%s,%s,%s,%s\n", id(700), ts(), ts(), pick("open", "closed", "", "en attente é", "✓ done"))
	}
	tk.WriteString("9999,1999-01-01 00:00:00,2000-01-01 00:00:00,lonely\n9999,2025-03-01 00:00:00,2025-04-01 00:00:00,open\n")
	cm.WriteString("id,ticket,modified,body\n")
	for range 2500 {
		fmt.Fprintf(&cm, "%s,%s,%s,%s\n", id(2000), pick(id(750), ""), ts(), strings.Repeat(pick("text ", "mot ", "€ "), 1+r.IntN(200)))
	}
	rp.WriteString("comment,body\n")
	for range 2000 {
		fmt.Fprintf(&rp, "%s,%s\n", pick(id(2100), ""), pick("ok", "thanks", ""))
	}
	nt.WriteString("author,kind,n\n")
	for range 1200 {
		fmt.Fprintf(&nt, "%s,%s,%s\n", pick("ann", "bob", ""), pick("a", "b", "c", ""), pick("1", "2", "", "x"))
	}
	for name, b := range map[string]*strings.Builder{"tickets": &tk, "comments": &cm, "replies": &rp, "notes": &nt} {
		if err := os.WriteFile(filepath.Join(dir, name+".csv"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSampleAheadEqualsDrawSample: the sample the cleaner draws as it writes the store is
// DrawSample's on the finished store (rowids, rows, strata, seed and share), for several seeds
// and shares, with and without the score and measures (the measurer runs for the sample
// alone), on generated ServiceDesk exports and on aheadSpec's.
func TestSampleAheadEqualsDrawSample(t *testing.T) {
	ctx := context.Background()
	generated := t.TempDir()
	if _, err := synth.Generate(ctx, generated, synth.Options{Scale: 0.05, Seed: 5, Format: "csv", Dialect: "legacy", Dirt: "realistic"}); err != nil {
		t.Fatal(err)
	}
	handmade := t.TempDir()
	aheadFiles(t, handmade)
	spec, err := contract.Parse([]byte(aheadSpec))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		dir    string
		spec   *contract.Spec
		shares []float64
	}{
		{"generated", generated, contract.ServiceDesk(), []float64{0.1}},
		{"handmade", handmade, spec, []float64{0.1, 0.37, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			stagePath, cleanPath := filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
			if _, err := stage.Import(ctx, stage.Options{Spec: tc.spec, Dir: tc.dir, Out: stagePath}); err != nil {
				t.Fatal(err)
			}
			for _, share := range tc.shares {
				tc.spec.Canary.Share = share
				for i, seed := range []uint64{0, 1, 42, math.MaxUint64} {
					o := clean.Options{Spec: tc.spec, Stage: stagePath, Out: cleanPath, Sample: true, SampleSeed: seed}
					if i%2 == 0 {
						o.ScoreAt, o.Measure = time.Now(), true
					}
					rep, err := clean.Run(ctx, o)
					if err != nil {
						t.Fatal(err)
					}
					if rep.Quarantine[contract.RuleDuplicateKey] == 0 {
						t.Fatal("no duplicate lost: the fixture does not exercise the dedupe")
					}
					want := drawFrom(t, cleanPath, tc.spec, seed)
					got := rep.Sample
					if got == nil {
						t.Fatalf("share %g seed %d: no sample drawn as written", share, seed)
					}
					for _, tb := range tc.spec.Tables {
						if g, w := got.Tables[tb.Name], want.Tables[tb.Name]; !reflect.DeepEqual(g, w) {
							t.Errorf("share %g seed %d: %s: %d rows %v..., DrawSample %d rows %v...", share, seed, tb.Name, len(g), g[:min(5, len(g))], len(w), w[:min(5, len(w))])
						}
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("share %g seed %d: rows %v strata %v, DrawSample rows %v strata %v", share, seed, got.Rows, got.Strata, want.Rows, want.Strata)
					}
					for _, tb := range tc.spec.Tables {
						if want.Rows[tb.Name] == 0 {
							t.Errorf("share %g seed %d: %s: nothing sampled: the fixture does not exercise it", share, seed, tb.Name)
						}
					}
				}
			}
		})
	}
}

func drawFrom(t *testing.T, path string, s *contract.Spec, seed uint64) *clean.Sample {
	t.Helper()
	db, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sm, err := clean.DrawSample(context.Background(), db, s, seed)
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

// TestSampleAheadOnlyWhenAsked: without Options.Sample the cleaner draws nothing.
func TestSampleAheadOnlyWhenAsked(t *testing.T) {
	dir, work := t.TempDir(), t.TempDir()
	aheadFiles(t, dir)
	s, err := contract.Parse([]byte(aheadSpec))
	if err != nil {
		t.Fatal(err)
	}
	rep := cleanDir(t, s, dir, filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db"))
	if rep.Sample != nil {
		t.Fatal("a sample drawn unasked")
	}
}
