package profile_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/synth"
)

// memoSizes are the memo sizes compared with no memo: a single slot (every other value evicts),
// a few (constant collisions), the default's order and a large one.
var memoSizes = []int{1, 2, 16, 256, 4096}

// reportWith profiles rows of table t with the memo at slots entries per column.
func reportWith(t *testing.T, s *contract.Spec, tb *contract.Table, rows [][]string, slots int) string {
	t.Helper()
	defer profile.SetMemoSlots(slots)()
	p := profile.NewTable(s, tb)
	for _, r := range rows {
		if err := p.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	state := profile.State(p) // before the report, which folds the number dates in
	tr := p.Report(0)
	b, err := json.Marshal(profile.NewReport(s, "x", 0, []*profile.TableReport{tr}))
	if err != nil {
		t.Fatal(err)
	}
	return state + string(b)
}

// sameWithMemo checks that every memo size gives the report no memo gives.
func sameWithMemo(t *testing.T, s *contract.Spec, tb *contract.Table, rows [][]string) {
	t.Helper()
	want := reportWith(t, s, tb, rows, 0)
	for _, n := range memoSizes {
		if got := reportWith(t, s, tb, rows, n); got != want {
			t.Fatalf("%s, memo of %d: the report differs from no memo (-none +memo):\n%s", tb.Name, n, cmp.Diff(want, got))
		}
	}
}

// adversarial are value pools per kind: the memo must not change what any of them counts,
// alone or mixed, in any order.
var adversarial = map[string][]string{
	"flags": {"y", "Y", "n", "N", "yes", "No", "true", "FALSE", "t", "f", "1", "0", " true ", "tRuE", "maybe"},
	"sentinels": {"?", "nan", "NaN", "NAN", " null ", "NULL", "Null", "n/a", "N/A", "-", "--", "none", "?x",
		"", " ", "\t"},
	"numbers": {"0", "7", "007", "+5", "+318855443322", "-3", "-0", "3652948.0", "7.50", "7.5", ".5", "0.354",
		"1e5", "1,5", "12345678901234567890123", "00", "+0", "9999999999", "1700000000", "1700000000000",
		"45000", "45000.5", "60", "1", "2958465", "2958466"},
	"dates": {"29/2/2016 01:16", "29/02/2016", "1/2/2016 00:00", "2/1/2016", "13/1/2016 10:00", "1/13/2016",
		"12/12/2016", "31/4/2016", "29/2/2015", "2016-02-29", "2016-02-29 24:00", "2016-02-29T23:59:59.999",
		"2016-02-29T10:00:00+02:00", "2016-02-29 10:00Z", "1/2/16", "01/02/99", "1/2/2016 8:30 AM",
		"1/2/2016 12:00 PM", "Mar 1 2025", "Wed, 12 Mar 2025", "12 March 2025 10:15", "2025-03",
		"2025-3", "10:15", "8:30 AM", "24:00", "25:61", "1/2/2016 10:00 +0100", "3/4/2016T05:00:00-05:00",
		"0000-01-01", "9999-12-31 23:59:59", "1900-02-29", "30/12/1899"},
	"text": {"Caller 2712", "Opened by 199", "Group 53", "1 - High", "2 - Medium", "Do Not Notify", "Ünïcødé",
		"İstanbul", "ǅungla", "straße", "STRASSE", "K", "k", "ⅷ", "a\x00b", "a\r\nb"},
	"long": {strings.Repeat("x", 39), strings.Repeat("x", 40), strings.Repeat("x", 41), strings.Repeat("é", 20),
		strings.Repeat("é", 21), strings.Repeat("1", 40), strings.Repeat("1", 41), "2016-02-29 10:00:00.123456789",
		"29/2/2016 01:16" + strings.Repeat(" ", 30), strings.Repeat("2", 64), strings.Repeat("2", 65)},
}

// TestMemoAdversarial: columns of every contracted type (and a format) fed each pool, the
// pools mixed, all-distinct values and a column of one repeated value, in order, reversed
// and shuffled: the report is the same with any memo size as without.
func TestMemoAdversarial(t *testing.T) {
	s := contract.ServiceDesk()
	s.Sentinels = append(s.Sentinels, "none", "--")
	layout, err := contract.ParseLayout("DD-MM-YYYY HH:mm")
	if err != nil {
		t.Fatal(err)
	}
	var cols []*contract.Column
	for _, typ := range []contract.Type{contract.Text, contract.Flag, contract.Boolean, contract.Integer,
		contract.Decimal, contract.Month, contract.Time, contract.Date, contract.Timestamp, contract.Timestamptz} {
		for _, o := range []contract.DateOrder{contract.DMY, contract.MDY, contract.Unresolved} {
			cols = append(cols, &contract.Column{Name: fmt.Sprintf("%s_%s", typ, o), Type: typ, DateOrder: o})
		}
	}
	cols = append(cols, &contract.Column{Name: "formatted", Type: contract.Timestamp, DateOrder: contract.DMY, Layout: layout})
	tb := &contract.Table{Name: "adv", Columns: cols}

	pools := map[string][]string{}
	var all []string
	for k, v := range adversarial {
		pools[k] = v
		all = append(all, v...)
	}
	slices.Sort(all)
	pools["mixed"] = all
	pools["formatted"] = []string{"29-02-2016 01:16", "29/02/2016 01:16", "31-04-2016 10:00", "01-02-2016 24:00"}
	r := rand.New(rand.NewPCG(1, 2))
	var distinct []string
	for i := range 500 {
		switch i % 4 {
		case 0:
			distinct = append(distinct, fmt.Sprintf("%d/%d/%d %02d:%02d", 1+i%28, 1+i%12, 2000+i%30, i%24, i%60))
		case 1:
			distinct = append(distinct, fmt.Sprint(40000+i))
		case 2:
			distinct = append(distinct, fmt.Sprintf("v%07d", r.IntN(1e7)))
		default:
			distinct = append(distinct, fmt.Sprintf("%d.%d", i, r.IntN(1000)))
		}
	}
	pools["distinct"] = distinct
	pools["one"] = []string{"29/2/2016 01:16"}

	for name, pool := range pools {
		t.Run(name, func(t *testing.T) {
			// Rows: each value repeated a random number of times, runs and scattered repeats.
			var seq []string
			for range 6 {
				for _, v := range pool {
					for range 1 + r.IntN(3) {
						seq = append(seq, v)
					}
				}
			}
			orders := map[string][]string{"in order": seq, "reversed": slices.Clone(seq), "shuffled": slices.Clone(seq)}
			slices.Reverse(orders["reversed"])
			r.Shuffle(len(seq), func(i, j int) {
				orders["shuffled"][i], orders["shuffled"][j] = orders["shuffled"][j], orders["shuffled"][i]
			})
			for oname, vals := range orders {
				rows := make([][]string, len(vals))
				for i := range vals {
					row := make([]string, len(cols))
					for j := range row {
						// each column sees the sequence at its own offset: different histories
						row[j] = vals[(i+j*7)%len(vals)]
					}
					rows[i] = row
				}
				t.Run(oname, func(t *testing.T) { sameWithMemo(t, s, tb, rows) })
			}
		})
	}
}

// TestMemoEventLogShape: an event log's shape (each incident's timestamps, caller and flags
// on every one of its events, '?' for nulls, day-first stamps without leading zeros).
func TestMemoEventLogShape(t *testing.T) {
	s := contract.ServiceDesk()
	var cols []*contract.Column
	for _, c := range []struct {
		n string
		t contract.Type
	}{{"number", contract.Text}, {"active", contract.Boolean}, {"count", contract.Integer},
		{"caller", contract.Text}, {"opened_at", contract.Timestamp}, {"updated_at", contract.Timestamp},
		{"priority", contract.Text}, {"resolved_at", contract.Timestamp}, {"closed_at", contract.Date}} {
		cols = append(cols, &contract.Column{Name: c.n, Type: c.t, DateOrder: contract.Unresolved})
	}
	tb := &contract.Table{Name: "events", Columns: cols}
	r := rand.New(rand.NewPCG(3, 4))
	stamp := func() string {
		return fmt.Sprintf("%d/%d/%d %02d:%02d", 1+r.IntN(28), 1+r.IntN(12), 2016+r.IntN(2), r.IntN(24), r.IntN(60))
	}
	var rows [][]string
	for inc := range 4000 {
		opened, caller := stamp(), fmt.Sprintf("Caller %d", r.IntN(3000))
		resolved := "?"
		if r.IntN(3) > 0 {
			resolved = stamp()
		}
		for ev := range 1 + r.IntN(8) {
			rows = append(rows, []string{fmt.Sprintf("INC%07d", inc), []string{"true", "false"}[r.IntN(2)],
				fmt.Sprint(ev), caller, opened, stamp(), []string{"1 - High", "2 - Medium", "3 - Low"}[r.IntN(3)],
				resolved, []string{"?", "3/7/2016", "3/7/2016 05:26", "45000"}[r.IntN(4)]})
		}
	}
	sameWithMemo(t, s, tb, rows)
}

// TestMemoGenerated: the generator's exports with realistic dirt, both formats, staged and
// profiled with and without the memo.
func TestMemoGenerated(t *testing.T) {
	for _, o := range []synth.Options{
		{Scale: 0.05, Seed: 11, Format: "xlsx", Dialect: "2026", Dirt: "realistic"},
		{Scale: 0.05, Seed: 12, Format: "csv", Dialect: "legacy", Dirt: "realistic", Raw: true},
	} {
		t.Run(o.Format, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := synth.Generate(context.Background(), dir, o); err != nil {
				t.Fatal(err)
			}
			sameStaged(t, contract.ServiceDesk(), dir)
		})
	}
}

// TestMemoFixture: a fixture too large to generate in a test, when SDETL_MEMO_DIR names its
// directory (the bench's event log with SDETL_MEMO_SPEC its contract; without, the service
// desk contract, for a generated scale-1 export).
func TestMemoFixture(t *testing.T) {
	dir, spec := os.Getenv("SDETL_MEMO_DIR"), os.Getenv("SDETL_MEMO_SPEC")
	if dir == "" {
		t.Skip("SDETL_MEMO_DIR not set")
	}
	s := contract.ServiceDesk()
	if spec != "" {
		var err error
		if s, err = contract.Load(spec); err != nil {
			t.Fatal(err)
		}
	}
	sameStaged(t, s, dir)
}

// sameStaged stages dir and compares its profile (the pass over the store) with and without
// the memo.
func sameStaged(t *testing.T, s *contract.Spec, dir string) {
	t.Helper()
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "stage.db")
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: out}); err != nil {
		t.Fatal(err)
	}
	prof := func(slots int) string {
		defer profile.SetMemoSlots(slots)()
		p, err := stage.Profile(ctx, s, out, 0)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(p)
		return string(b)
	}
	want := prof(0)
	for _, n := range memoSizes {
		if got := prof(n); got != want {
			t.Fatalf("memo of %d: the profile differs from no memo (-none +memo):\n%s", n, cmp.Diff(want, got))
		}
	}
}
