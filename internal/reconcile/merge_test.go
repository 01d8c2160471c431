package reconcile

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

var mergeNames = []string{"id", "amount", "at", "flag", "big", "note"}
var mergeTypes = []contract.Type{contract.Integer, contract.Decimal, contract.Timestamp, contract.Boolean, contract.Integer, contract.Text}

// mergeRows draws rows whose measures exercise every rule: ties spelled two ways ("1.5" and
// "1.50", "7" and "+7"), integers whose sum overflows int64 (in one part or only once parts
// add), one beyond int64, NULLs, and equal mins and maxes.
func mergeRows(r *rand.Rand, n int) [][]*string {
	pick := func(vs ...string) *string {
		if r.IntN(6) == 0 {
			return nil
		}
		v := vs[r.IntN(len(vs))]
		return &v
	}
	var rows [][]*string
	for range n {
		rows = append(rows, []*string{pick("1", "2", "-3", "40", "7", "+7"), pick("1.5", "1.50", "0.25", "-2", "40", "40.0"),
			pick("2025-01-01 00:00:00", "2025-01-02 00:00:00.5", "2024-12-31 23:59:59"), pick("true", "false"),
			pick("9223372036854775807", "-9223372036854775808", "1", "99999999999999999999"), pick("a", "b", "", "é")})
	}
	return rows
}

func addAll(t *testing.T, a *TableAcc, rows [][]*string) {
	t.Helper()
	for _, row := range rows {
		if err := a.Add(row); err != nil {
			t.Fatal(err)
		}
	}
}

// A table measured in contiguous parts and merged in order has the measures of one pass over
// every row, whatever the cut points (empty parts too), and so does a removable accumulator
// after the same rows are removed from both.
func TestMergeEqualsOnePass(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 2000 {
		rows := mergeRows(r, r.IntN(14))
		removable := trial%2 == 1
		fresh := func() *TableAcc {
			if removable {
				return NewRemovableTableAcc(mergeNames, mergeTypes)
			}
			return NewTableAcc(mergeNames, mergeTypes)
		}
		whole := fresh()
		addAll(t, whole, rows)
		var cuts []int
		for range r.IntN(4) + 1 {
			cuts = append(cuts, r.IntN(len(rows)+1))
		}
		cuts = append(cuts, len(rows))
		merged, from := fresh(), 0
		var parts []*TableAcc
		var before []*Table
		for _, to := range cuts {
			to = max(to, from)
			part := fresh()
			addAll(t, part, rows[from:to])
			if err := merged.Merge(part); err != nil {
				t.Fatal(err)
			}
			parts, before = append(parts, part), append(before, part.Result())
			from = to
		}
		for i, p := range parts { // merging shares nothing the merged one changes later
			if !reflect.DeepEqual(p.Result(), before[i]) {
				t.Fatalf("trial %d: part %d changed by the merges", trial, i)
			}
		}
		if !reflect.DeepEqual(merged.Result(), whole.Result()) {
			t.Fatalf("trial %d: cut at %v, merged %+v, one pass %+v", trial, cuts, cols(merged.Result()), cols(whole.Result()))
		}
		if !removable {
			continue
		}
		for _, row := range rows {
			if r.IntN(3) != 0 {
				continue
			}
			if err := whole.Remove(row); err != nil {
				t.Fatal(err)
			}
			if err := merged.Remove(row); err != nil {
				t.Fatal(err)
			}
		}
		if merged.Exact() != whole.Exact() {
			t.Fatalf("trial %d: merged exact %v, one pass %v: the ties did not merge", trial, merged.Exact(), whole.Exact())
		}
		if whole.Exact() && !reflect.DeepEqual(merged.Result(), whole.Result()) {
			t.Fatalf("trial %d: after removes, merged %+v, one pass %+v", trial, cols(merged.Result()), cols(whole.Result()))
		}
	}
}

func cols(t *Table) map[string]Column {
	out := map[string]Column{"": {Nulls: t.Rows, Min: t.Hash}}
	for n, c := range t.Columns {
		out[n] = *c
	}
	return out
}

// The rules one by one: an equal min or max keeps the earlier part's spelling, a lower min and
// a higher max come from the later part, and every part's rows count.
func TestMergeKeepsTheFirstSpelling(t *testing.T) {
	names, types := []string{"x", "n"}, []contract.Type{contract.Decimal, contract.Integer}
	a, b := NewTableAcc(names, types), NewTableAcc(names, types)
	addAll(t, a, [][]*string{{sp("1.50"), sp("+7")}, {sp("3"), sp("5")}})
	addAll(t, b, [][]*string{{sp("1.5"), sp("7")}, {sp("3.0"), nil}, {sp("0.5"), sp("4")}})
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	got := a.Result()
	if got.Rows != 5 {
		t.Fatalf("rows %d, want 5", got.Rows)
	}
	if x := got.Columns["x"]; x.Min != "0.5" || x.Max != "3" || x.Sum != "9.5" || x.Nulls != 0 {
		t.Fatalf("x %+v, want min 0.5 (the later part's), max 3 (the earlier spelling), sum 9.5", *x)
	}
	if n := got.Columns["n"]; n.Min != "4" || n.Max != "+7" || n.Sum != "23" || n.Nulls != 1 {
		t.Fatalf("n %+v, want min 4, max +7 (the earlier spelling), sum 23, 1 null", *n)
	}
	if err := a.Merge(NewTableAcc([]string{"x"}, types[:1])); err == nil {
		t.Fatal("merged an accumulator of other columns")
	}
}
