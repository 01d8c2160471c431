package reconcile

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

// bigOnly puts every numeric column of a on the big.Rat path from the start: the arithmetic
// every measure had before the fixed path, to check that path against.
func bigOnly(a *TableAcc) *TableAcc {
	for i := range a.cols {
		a.cols[i].fixedDone = true
	}
	return a
}

var fixedNames = []string{"n", "d", "e"}
var fixedTypes = []contract.Type{contract.Integer, contract.Decimal, contract.Decimal}

// fixedValue draws a numeric value from the edges of the fixed path and beyond it: huge and
// 18- and 19-digit whole parts (sums that overflow, at once or only after carries), up to 30
// fraction digits, negatives and negative zeros, leading zeros, one spelling per value and
// others of equal ones, the forms big.Rat reads that fixed does not (sign, exponent, fraction,
// bare point), and text that is no number.
func fixedValue(r *rand.Rand) *string {
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	var v string
	switch r.IntN(14) {
	case 0:
		return nil
	case 1:
		v = []string{"0", "-0", "0.0", "-0.000", "007", "007.50", "1", "1.0", "1.000000000000000000", "-1", "0.999999999999999999", "-0.999999999999999999"}[r.IntN(12)]
	case 2:
		v = []string{"999999999999999999", "-999999999999999999", "999999999999999999.999999999999999999", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1000000000000000000"}[r.IntN(7)]
	case 3:
		v = digits(1+r.IntN(30)) + "." + digits(1+r.IntN(30))
	case 4:
		v = []string{"+1.5", ".5", "1.", "1e3", "-2.5E-2", "3/4", "0x10", "1_000"}[r.IntN(8)]
	case 5:
		if r.IntN(40) == 0 {
			v = []string{"abc", "", "1.2.3", "--1", "1-", " 1"}[r.IntN(6)]
		} else {
			v = "2.25"
		}
	default:
		v = digits(1+r.IntN(4)) + "." + digits(1+r.IntN(3))
	}
	if r.IntN(3) == 0 && !strings.HasPrefix(v, "-") {
		v = "-" + v
	}
	return &v
}

// TestFixedAgreesWithBig: on random rows of edge values, the fixed path gives the measures,
// errors, Exact, removals and merges of the big.Rat arithmetic exactly.
func TestFixedAgreesWithBig(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 4000 {
		var rows [][]*string
		for range r.IntN(16) {
			row := make([]*string, len(fixedNames))
			for i := range row {
				row[i] = fixedValue(r)
			}
			rows = append(rows, row)
		}
		removable := trial%2 == 1
		fresh := func() *TableAcc {
			if removable {
				return NewRemovableTableAcc(fixedNames, fixedTypes)
			}
			return NewTableAcc(fixedNames, fixedTypes)
		}
		fast, slow := fresh(), bigOnly(fresh())
		cut := r.IntN(len(rows) + 1)
		head, tail := fresh(), fresh()
		for k, row := range rows {
			ef, es := fast.Add(row), slow.Add(row)
			if fmt.Sprint(ef) != fmt.Sprint(es) {
				t.Fatalf("trial %d: Add(%v): fixed %v, big.Rat %v", trial, show3(row), ef, es)
			}
			part := head
			if k >= cut {
				part = tail
			}
			part.Add(row)
		}
		if got, want := fast.Result(), slow.Result(); !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: rows %v:\nfixed   %+v\nbig.Rat %+v", trial, showRows(rows), cols(got), cols(want))
		}
		if err := head.Merge(tail); err != nil {
			t.Fatal(err)
		}
		if got, want := head.Result(), slow.Result(); !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: rows %v cut at %d:\nmerged  %+v\nbig.Rat %+v", trial, showRows(rows), cut, cols(got), cols(want))
		}
		if !removable {
			continue
		}
		for _, row := range rows {
			if r.IntN(2) == 0 {
				continue
			}
			ef, es := fast.Remove(row), slow.Remove(row)
			if fmt.Sprint(ef) != fmt.Sprint(es) {
				t.Fatalf("trial %d: Remove(%v): fixed %v, big.Rat %v", trial, show3(row), ef, es)
			}
		}
		if fast.Exact() != slow.Exact() {
			t.Fatalf("trial %d: after removes, fixed exact %v, big.Rat %v", trial, fast.Exact(), slow.Exact())
		}
		if got, want := fast.Result(), slow.Result(); !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: after removes, rows %v:\nfixed   %+v\nbig.Rat %+v", trial, showRows(rows), cols(got), cols(want))
		}
	}
}

// TestFixedEdgeSums: sums at the fixed path's limits, compared with big.Rat: a carry out of the
// fraction onto a whole part at the int64 limit, fractions that carry on every row, a sum back
// down to zero, and a removal that would underflow.
func TestFixedEdgeSums(t *testing.T) {
	rep := func(v string, n int) []string {
		var out []string
		for range n {
			out = append(out, v)
		}
		return out
	}
	cases := [][]string{
		append(rep("999999999999999999", 9), "223372036854775816.5", "0.5"),
		append(rep("-999999999999999999", 9), "-223372036854775817.5", "-0.5"),
		append(rep("999999999999999999", 9), "223372036854775817"),
		rep("0.999999999999999999", 40),
		append(rep("-0.999999999999999999", 30), rep("0.5", 61)...),
		{"123.45", "-123.45", "0.001", "-0.001"},
	}
	for _, vals := range cases {
		fast := NewRemovableTableAcc([]string{"d"}, []contract.Type{contract.Decimal})
		slow := bigOnly(NewRemovableTableAcc([]string{"d"}, []contract.Type{contract.Decimal}))
		for _, v := range vals {
			if err := fast.Add([]*string{sp(v)}); err != nil {
				t.Fatal(err)
			}
			if err := slow.Add([]*string{sp(v)}); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := fast.Result(), slow.Result(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%v: fixed %+v, big.Rat %+v", vals, cols(got), cols(want))
		}
		for _, v := range []string{vals[len(vals)-1], vals[0]} {
			fast.Remove([]*string{sp(v)})
			slow.Remove([]*string{sp(v)})
		}
		if got, want := fast.Result(), slow.Result(); fast.Exact() != slow.Exact() || !reflect.DeepEqual(got, want) {
			t.Fatalf("%v after removes: fixed %+v, big.Rat %+v", vals, cols(got), cols(want))
		}
	}
	// Alternating signs keep every sum of the adds small; removing the positives takes it
	// beyond int64, so fixed hands it to big.Rat.
	fast := NewRemovableTableAcc([]string{"d"}, []contract.Type{contract.Decimal})
	slow := bigOnly(NewRemovableTableAcc([]string{"d"}, []contract.Type{contract.Decimal}))
	for range 10 {
		for _, v := range []string{"999999999999999999.5", "-999999999999999999.5"} {
			fast.Add([]*string{sp(v)})
			slow.Add([]*string{sp(v)})
		}
	}
	for range 10 {
		if err := fast.Remove([]*string{sp("999999999999999999.5")}); err != nil {
			t.Fatal(err)
		}
		slow.Remove([]*string{sp("999999999999999999.5")})
	}
	if got, want := fast.Result(), slow.Result(); got.Columns["d"].Sum != "-9999999999999999995" || !reflect.DeepEqual(got, want) {
		t.Fatalf("removals beyond int64: fixed %+v, big.Rat %+v", cols(got), cols(want))
	}
}

// TestParseFixed: what fixed takes is exactly big.Rat's value, and what it leaves is left.
func TestParseFixed(t *testing.T) {
	for _, c := range []struct {
		s  string
		ok bool
	}{
		{"0", true}, {"-0", true}, {"-0.0", true}, {"12.50", true}, {"-3.000000000000000001", true},
		{"999999999999999999.999999999999999999", true}, {"-999999999999999999.999999999999999999", true},
		{"1000000000000000000", false}, {"1.0000000000000000000", false}, {"+1", false}, {".5", false},
		{"1.", false}, {"1e3", false}, {"1/2", false}, {"", false}, {"-", false}, {"1.-2", false}, {"١", false},
	} {
		x, scale, ok := parseFixed(contract.Decimal, c.s)
		if ok != c.ok {
			t.Fatalf("parseFixed(%q) ok %v, want %v", c.s, ok, c.ok)
		}
		if !ok {
			continue
		}
		want, _ := new(big.Rat).SetString(c.s)
		if x.rat().Cmp(want) != 0 {
			t.Fatalf("parseFixed(%q) = %v, big.Rat %v", c.s, x.rat(), want)
		}
		if dot := strings.IndexByte(c.s, '.'); dot >= 0 && scale != len(c.s)-dot-1 || dot < 0 && scale != 0 {
			t.Fatalf("parseFixed(%q) scale %d", c.s, scale)
		}
	}
}

func show3(row []*string) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = "NULL"
		if v != nil {
			out[i] = *v
		}
	}
	return out
}

func showRows(rows [][]*string) [][]string {
	var out [][]string
	for _, r := range rows {
		out = append(out, show3(r))
	}
	return out
}
