package reconcile

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
)

// TestComparePrefixed: comparePrefixed is strings.Compare, for strings around the eight bytes
// of the prefix, with shared prefixes, zero bytes (the padding's value) and high bytes.
func TestComparePrefixed(t *testing.T) {
	pieces := []string{"", "\x00", "a", "b", "ab", "abcdefg", "abcdefgh", "\xff", "é", "9", " "}
	r := rand.New(rand.NewPCG(3, 4))
	gen := func() string {
		var b strings.Builder
		for range r.IntN(6) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	for range 200_000 {
		a, b := gen(), gen()
		if got, want := comparePrefixed(prefix8(a), prefix8(b), a, b), strings.Compare(a, b); got != want {
			t.Fatalf("comparePrefixed(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
}

// TestOrderedMinMax: a text column's min, max and tie counts are those of a plain pass over
// its values, when the rows are added in one accumulator and when they are added in parts
// merged along the way, with more rows added after the merge.
func TestOrderedMinMax(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	vals := []string{"", "a", "a\x00", "Caller 1", "Caller 12", "Caller 2", "Caller 2712", "Subcategory 127",
		"Subcategory 13", "2016-06-25 17:26:00", "2016-06-25 17:26:01", "2016-02-29 01:30:00", "zz", "é"}
	names, types := []string{"t"}, []contract.Type{contract.Text}
	for _, ties := range []bool{false, true} {
		for round := range 300 {
			var rows []*string
			for range 1 + r.IntN(40) {
				if r.IntN(8) == 0 {
					rows = append(rows, nil)
					continue
				}
				v := vals[r.IntN(len(vals))]
				rows = append(rows, &v)
			}
			newAcc := func() *TableAcc {
				if ties {
					return NewRemovableTableAcc(names, types)
				}
				return NewTableAcc(names, types)
			}
			one := newAcc()
			for _, v := range rows {
				if err := one.Add([]*string{v}); err != nil {
					t.Fatal(err)
				}
			}
			// The plain pass.
			var lo, hi string
			var loN, hiN int64
			any := false
			for _, v := range rows {
				switch {
				case v == nil:
				case !any:
					lo, hi, loN, hiN, any = *v, *v, 1, 1, true
				default:
					if *v < lo {
						lo, loN = *v, 1
					} else if *v == lo {
						loN++
					}
					if *v > hi {
						hi, hiN = *v, 1
					} else if *v == hi {
						hiN++
					}
				}
			}
			c := one.cols[0]
			if c.min != lo || c.max != hi || ties && (c.minTies != loN || c.maxTies != hiN) {
				t.Fatalf("round %d: min %q (%d) max %q (%d), want %q (%d) %q (%d)", round, c.min, c.minTies, c.max, c.maxTies, lo, loN, hi, hiN)
			}
			// In parts: a, b merged, then the rest added.
			i, j := r.IntN(len(rows)+1), 0
			j = i + r.IntN(len(rows)-i+1)
			a, b := newAcc(), newAcc()
			for _, v := range rows[:i] {
				a.Add([]*string{v})
			}
			for _, v := range rows[i:j] {
				b.Add([]*string{v})
			}
			if err := a.Merge(b); err != nil {
				t.Fatal(err)
			}
			for _, v := range rows[j:] {
				a.Add([]*string{v})
			}
			if d := cmp.Diff(one.Result(), a.Result()); d != "" {
				t.Fatalf("round %d: merged: %s", round, d)
			}
			if ties && (a.cols[0].minTies != loN || a.cols[0].maxTies != hiN) {
				t.Fatalf("round %d: merged ties %d %d, want %d %d", round, a.cols[0].minTies, a.cols[0].maxTies, loN, hiN)
			}
		}
	}
}
