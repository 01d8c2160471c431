package quality_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/quality"
)

// TestScoreFedEqualsScore: accumulators fed every row of a table, in the store's order, give
// exactly the report of the pass over the store, for raw and canonical stores alike; tables
// left out of fed are read as before.
func TestScoreFedEqualsScore(t *testing.T) {
	s := quality.Mini(t)
	stagePath, cleanPath := buildStores(t, s)
	ctx := context.Background()
	for name, c := range map[string]struct {
		path string
		open func(*testing.T, string) quality.Source
	}{"stage": {stagePath, openStage}, "clean": {cleanPath, openClean}} {
		t.Run(name, func(t *testing.T) {
			src := c.open(t, c.path)
			want, err := quality.Score(ctx, s, src, quality.Now)
			if err != nil {
				t.Fatal(err)
			}
			fed := map[string]*quality.Accumulator{}
			for i, tb := range s.Tables {
				if i == len(s.Tables)-1 {
					break // the last table is read by ScoreFed itself
				}
				a := quality.NewAccumulator(s, tb, quality.Now)
				if err := src.Rows(ctx, tb, a.Add); err != nil {
					t.Fatal(err)
				}
				fed[tb.Name] = a
			}
			got, err := quality.ScoreFed(ctx, s, src, quality.Now, fed)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("fed score differs from the pass (-pass +fed):\n%s", d)
			}
			if _, err := quality.ScoreFed(ctx, s, src, quality.Now.Add(time.Second), fed); err == nil {
				t.Error("accumulators started with another now were accepted")
			}
		})
	}
}
