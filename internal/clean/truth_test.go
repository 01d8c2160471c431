package clean_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

// truthScale is the generator scale of the truth tests: small by default to keep the suite
// fast; SDETL_TRUTH_SCALE=1 runs them at the reference size.
func truthScale(t *testing.T) float64 {
	if v := os.Getenv("SDETL_TRUTH_SCALE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("SDETL_TRUTH_SCALE=%q: %v", v, err)
		}
		return f
	}
	return 0.05
}

// TestCleanAgainstTruth proves the cleaner against the generator's independent model: every
// loaded cell equals the model's canonical value (so every fixable defect got exactly its
// expected value and no other cell changed), every unfixable defect is quarantined with its
// rule, and nothing else is quarantined. Precision and recall are logged.
func TestCleanAgainstTruth(t *testing.T) {
	scale := truthScale(t)
	for _, o := range []synth.Options{
		{Scale: scale, Seed: 21, Format: "xlsx", Dialect: "legacy", Dirt: "realistic"},
		{Scale: scale, Seed: 22, Format: "csv", Dialect: "2026", Dirt: "realistic"},
	} {
		t.Run(o.Format+"_"+o.Dialect, func(t *testing.T) {
			t.Parallel()
			checkCleanTruth(t, o)
		})
	}
}

func checkCleanTruth(t *testing.T, o synth.Options) {
	ctx := context.Background()
	dir, work := t.TempDir(), t.TempDir()
	truth, err := synth.Generate(ctx, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	s := contract.ServiceDesk()
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

	// Quarantine: precision and recall against the truth's unfixable defects.
	type qkey struct {
		table string
		row   int
	}
	wantQ := map[qkey]synth.Defect{}
	for _, d := range truth.Defects {
		if d.Quarantine != "" {
			wantQ[qkey{d.Table, d.Row}] = d
		}
	}
	rows, err := db.Query(`SELECT table_name, source_row, coalesce(column_name, ''), rule FROM quarantine`)
	if err != nil {
		t.Fatal(err)
	}
	var qTotal, qRight int
	seen := map[qkey]bool{}
	for rows.Next() {
		var k qkey
		var col, rule string
		if err := rows.Scan(&k.table, &k.row, &col, &rule); err != nil {
			t.Fatal(err)
		}
		qTotal++
		seen[k] = true
		d, ok := wantQ[k]
		switch {
		case !ok:
			t.Errorf("quarantined %s row %d (%s %s) but truth has no unfixable defect there", k.table, k.row, col, rule)
		case d.Quarantine != rule || d.Column != col:
			t.Errorf("%s row %d: quarantined as %s/%s, truth says %s/%s (%s)", k.table, k.row, col, rule, d.Column, d.Quarantine, d.Kind)
		default:
			qRight++
		}
	}
	rows.Close()
	for k, d := range wantQ {
		if !seen[k] {
			t.Errorf("%s row %d: truth says quarantine (%s, %s %q) but it was not", k.table, k.row, d.Quarantine, d.Column, d.Raw)
		}
	}

	// Loaded cells: every one equals the model's canonical value.
	var cells, cellsRight, fixable, fixedRight int
	var wrong []string
	fixes := map[string]synth.Defect{}
	for _, d := range truth.Defects {
		if d.Quarantine == "" {
			fixes[fmt.Sprintf("%s/%d/%s", d.Table, d.Row, d.Column)] = d
			fixable++
		}
	}
	for _, tb := range s.Tables {
		got := cleanRows(t, db, tb)
		n := 0
		err := synth.ExpectedRows(o, tb.Name, func(row int, want []*string) error {
			n++
			have, ok := got[row]
			if !ok {
				t.Errorf("%s row %d: loaded by truth, missing from the clean store", tb.Name, row)
				return nil
			}
			for i, c := range tb.Columns {
				cells++
				d, isDefect := fixes[fmt.Sprintf("%s/%d/%s", tb.Name, row, c.Name)]
				if str(want[i]) != str(have[i]) {
					if len(wrong) < 20 {
						wrong = append(wrong, fmt.Sprintf("%s row %d %s: got %s, want %s (defect %v)", tb.Name, row, c.Name, str(have[i]), str(want[i]), d.Kind))
					}
					continue
				}
				cellsRight++
				if isDefect {
					fixedRight++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != len(got) {
			t.Errorf("%s: truth loads %d rows, clean store has %d", tb.Name, n, len(got))
		}
	}
	for _, w := range wrong {
		t.Error(w)
	}
	if cells != cellsRight || qTotal != qRight || qRight != len(wantQ) || fixedRight != fixable {
		t.Errorf("cells %d/%d right, quarantine %d/%d right of %d expected, fixable defects %d/%d", cellsRight, cells, qRight, qTotal, len(wantQ), fixedRight, fixable)
	}
	t.Logf("%s/%s scale %g: quarantine precision %d/%d recall %d/%d; fixable defects %d/%d exact; %d loaded cells all equal to the model: %v",
		o.Format, o.Dialect, o.Scale, qRight, qTotal, qRight, len(wantQ), fixedRight, fixable, cells, cells == cellsRight)
}

func str(p *string) string {
	if p == nil {
		return "NULL"
	}
	return strconv.Quote(*p)
}

// cleanRows reads a clean table keyed by source row (the generator writes one file per table).
func cleanRows(t *testing.T, db *sql.DB, tb *contract.Table) map[int][]*string {
	t.Helper()
	cols := make([]string, len(tb.Columns))
	for i, c := range tb.Columns {
		cols[i] = store.Quote(c.Name)
	}
	rows, err := db.Query(fmt.Sprintf("SELECT _row, %s FROM %s", strings.Join(cols, ", "), store.Quote(tb.Name)))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int][]*string{}
	for rows.Next() {
		var row int
		vals := make([]sql.NullString, len(cols))
		ptrs := []any{&row}
		for i := range vals {
			ptrs = append(ptrs, &vals[i])
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := make([]*string, len(cols))
		for i, v := range vals {
			if v.Valid {
				s := v.String
				r[i] = &s
			}
		}
		out[row] = r
	}
	return out
}
