package stage_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestProfileAgainstTruth compares the profile of generated exports with what the generator
// injected, column by column: every column that received type-breaking dirt reports exactly
// that many unparseable values; every other column reports none and no mismatch; the
// day-first columns are decided day-first from their own evidence.
func TestProfileAgainstTruth(t *testing.T) {
	for _, o := range []synth.Options{
		{Scale: 0.05, Seed: 31, Format: "xlsx", Dialect: "legacy", Dirt: "realistic"},
		{Scale: 0.05, Seed: 32, Format: "csv", Dialect: "2026", Dirt: "realistic"},
	} {
		t.Run(o.Format, func(t *testing.T) {
			ctx := context.Background()
			dir, work := t.TempDir(), t.TempDir()
			truth, err := synth.Generate(ctx, dir, o)
			if err != nil {
				t.Fatal(err)
			}
			s := contract.ServiceDesk()
			stagePath := filepath.Join(work, "stage.db")
			if _, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: stagePath}); err != nil {
				t.Fatal(err)
			}
			r, err := stage.Profile(ctx, s, stagePath, 0)
			if err != nil {
				t.Fatal(err)
			}
			breaking := map[string]int64{} // table.column -> values that do not convert
			for _, d := range truth.Defects {
				if strings.HasPrefix(d.Quarantine, "invalid_") {
					breaking[d.Table+"."+d.Column]++
				}
			}
			if len(breaking) == 0 {
				t.Fatal("the generator injected no type-breaking dirt")
			}
			for _, tr := range r.Tables {
				for _, c := range tr.Columns {
					key := tr.Table + "." + c.Name
					if got, want := c.Unparseable, breaking[key]; got != want {
						t.Errorf("%s: %d unparseable values, truth injected %d", key, got, want)
					}
					if want := breaking[key]; want > 0 && len(c.Examples) == 0 {
						t.Errorf("%s: flagged without examples", key)
					}
					if c.Mismatch && float64(breaking[key]) < 0.05*float64(c.NonNull) {
						t.Errorf("%s: mismatch (%s) though truth broke only %d of %d values", key, c.MismatchReason, breaking[key], c.NonNull)
					}
				}
			}
			for _, col := range [][2]string{{"comments", "created_time"}, {"timesheets", "TS-Date"}} {
				c := column(r, col[0], col[1])
				switch {
				case c == nil:
					t.Errorf("%s.%s: not in the profile", col[0], col[1])
				case c.DateOrder == nil || c.DateOrder.Order != contract.DMY || c.DateOrder.Basis != profile.BasisEvidence:
					t.Errorf("%s.%s: date order %+v, want dmy by evidence", col[0], col[1], c.DateOrder)
				}
			}
			if r.Breaker.Halt {
				t.Errorf("realistic dirt halted the breaker: %v", r.Breaker.Err())
			}
		})
	}
}

func column(r *profile.Report, table, name string) *profile.ColumnReport {
	for _, tr := range r.Tables {
		if tr.Table != table {
			continue
		}
		for _, c := range tr.Columns {
			if c.Name == name {
				return c
			}
		}
	}
	return nil
}
