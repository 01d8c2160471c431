package stage_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

// checkMeasured compares what an import measured with the separate passes over the store it
// left: the profile and the stage score must be identical, byte for byte as JSON.
func checkMeasured(t *testing.T, s *contract.Spec, path string, res *stage.Result) {
	t.Helper()
	ctx := context.Background()
	m := res.Measured
	if m == nil {
		t.Fatal("Measure set, no Measured in the result")
	}
	gotP, err := m.Profile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gotS, err := m.Score(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantP, err := stage.Profile(ctx, s, path, 0)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wantS, err := quality.Score(ctx, s, stage.QualitySource(db), m.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		want, got any
	}{{"profile", wantP, gotP}, {"score", wantS, gotS}} {
		w, _ := json.Marshal(c.want)
		g, _ := json.Marshal(c.got)
		if string(w) != string(g) {
			t.Errorf("%s measured while importing differs from the pass (-pass +measured):\n%s", c.what, cmp.Diff(c.want, c.got))
		}
	}
}

// TestMeasuredEqualsPasses: the profile and stage score fed while importing generated exports
// with realistic dirt equal the passes over the store, in both formats; without out-of-scope
// rows nothing is read back, with them (the scope filter deletes untouched activity at the end
// of the file) exactly the activity table is.
func TestMeasuredEqualsPasses(t *testing.T) {
	for _, o := range []synth.Options{
		{Scale: 0.02, Seed: 3, Format: "xlsx", Dialect: "2026", Dirt: "realistic"},
		{Scale: 0.02, Seed: 4, Format: "csv", Dialect: "legacy", Dirt: "realistic", Raw: true},
	} {
		t.Run(o.Format, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			if _, err := synth.Generate(ctx, dir, o); err != nil {
				t.Fatal(err)
			}
			s := contract.ServiceDesk()
			out := filepath.Join(t.TempDir(), "stage.db")
			res, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: out, Measure: true})
			if err != nil {
				t.Fatal(err)
			}
			checkMeasured(t, s, out, res)
			var want []string
			for _, a := range res.Files {
				if a.Table == s.Scope.Activity.Table && o.Raw {
					want = append(want, a.Table)
				}
			}
			if got := res.Measured.Passes(); !slices.Equal(got, want) {
				t.Errorf("tables read back: %v, want %v", got, want)
			}
		})
	}
}

// TestMeasuredIncremental: the staging store accumulates exports, and the measures cover the
// whole store: tables that held rows of an earlier import (skipped as unchanged, or upserted
// into) are read back, tables this import filled from empty are not.
func TestMeasuredIncremental(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := synth.Generate(ctx, dir, synth.Options{Scale: 0.02, Seed: 6, Format: "csv", Dialect: "legacy", Dirt: "realistic"}); err != nil {
		t.Fatal(err)
	}
	s := contract.ServiceDesk()
	out := filepath.Join(t.TempDir(), "stage.db")
	imp := func(files ...string) *stage.Result {
		t.Helper()
		o := stage.Options{Spec: s, Dir: dir, Out: out, Measure: true}
		if len(files) > 0 {
			o.Dir = ""
			for _, f := range files {
				o.Files = append(o.Files, filepath.Join(dir, f))
			}
		}
		res, err := stage.Import(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		checkMeasured(t, s, out, res)
		return res
	}
	passes := func(res *stage.Result, want ...string) {
		t.Helper()
		if got := res.Measured.Passes(); !slices.Equal(got, want) {
			t.Errorf("tables read back: %v, want %v", got, want)
		}
	}
	// First the tickets alone (no roster: no scope filter), then everything: the tickets file is
	// skipped as imported before, so only the tickets table is read back.
	passes(imp("tickets.csv"))
	passes(imp(), "tickets")
	// A later timesheets export amending every 50th row: upserted into the earlier rows.
	header, rows := readCSV(t, filepath.Join(dir, "timesheets.csv"))
	desc := index(header, "TS-Description")
	for i := 0; i < len(rows); i += 50 {
		rows[i][desc] += " (amended)"
	}
	writeCSV(t, filepath.Join(dir, "timesheets.csv"), header, rows)
	passes(imp(), "tickets", "comments", "timesheets", "roster")
}
