package reconcile

import (
	"strconv"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

func sp(s string) *string { return &s }

func TestRowTextIsUnambiguous(t *testing.T) {
	cases := [][]*string{{sp("a"), sp("b")}, {sp("ab"), nil}, {sp("a"), sp("")}, {sp("a"), nil}, {sp(""), sp("ab")}, {sp("1:a")}}
	seen := map[string]int{}
	for i, c := range cases {
		s := RowText(c)
		if j, ok := seen[s]; ok {
			t.Fatalf("rows %d and %d render alike: %q", i, j, s)
		}
		seen[s] = i
	}
	if got := RowText([]*string{sp("é"), nil, sp("")}); got != "1:é-0:" {
		t.Fatalf("RowText = %q", got)
	}
}

func TestHashIsOrderIndependentAndSeesChanges(t *testing.T) {
	names := []string{"id", "amount", "at"}
	types := []contract.Type{contract.Integer, contract.Decimal, contract.Timestamp}
	rows := [][]*string{{sp("10"), sp("7.5"), sp("2025-01-01 00:00:00")}, {sp("9"), sp("0.25"), sp("2025-01-01 00:00:00.5")}, {sp("11"), nil, nil}}
	acc := func(order []int) *Table {
		a := NewTableAcc(names, types)
		for _, i := range order {
			if err := a.Add(rows[i]); err != nil {
				t.Fatal(err)
			}
		}
		return a.Result()
	}
	x, y := acc([]int{0, 1, 2}), acc([]int{2, 0, 1})
	if d := Compare(&Measures{map[string]*Table{"t": x}}, &Measures{map[string]*Table{"t": y}}); len(d) != 0 {
		t.Fatalf("reordered rows differ: %v", d)
	}
	if c := x.Columns["id"]; c.Min != "9" || c.Max != "11" || c.Sum != "30" {
		t.Fatalf("id measures %+v: numbers must compare as numbers", c)
	}
	if c := x.Columns["amount"]; c.Sum != "7.75" || c.Nulls != 1 || c.Min != "0.25" {
		t.Fatalf("amount measures %+v", c)
	}
	if c := x.Columns["at"]; c.Max != "2025-01-01 00:00:00.5" {
		t.Fatalf("at max %q", c.Max)
	}
	rows[1][0] = sp("8") // one value changed
	z := acc([]int{0, 1, 2})
	d := Compare(&Measures{map[string]*Table{"t": x}}, &Measures{map[string]*Table{"t": z}})
	var got []string
	for _, e := range d {
		got = append(got, e.Column+" "+e.Measure)
	}
	if s := strings.Join(got, ","); s != " row hash,id min,id sum" {
		t.Fatalf("differences %q", s)
	}
}

func TestCompareMissingIsADifference(t *testing.T) {
	w := &Measures{map[string]*Table{"t": {Rows: 1, Columns: map[string]*Column{"a": {}}}}}
	g := &Measures{map[string]*Table{}}
	if d := Compare(w, g); len(d) != 1 || d[0].Measure != "presence" {
		t.Fatalf("%v", d)
	}
}

func TestDecimal(t *testing.T) {
	a := NewTableAcc([]string{"x"}, []contract.Type{contract.Decimal})
	for _, v := range []string{"0.1", "0.2", "-0.3"} {
		a.Add([]*string{sp(v)})
	}
	if s := a.Result().Columns["x"].Sum; s != "0" {
		t.Fatalf("sum %q", s)
	}
}

// TestIntegerFastPathAgreesWithBig: an integer column summed in int64 gives the measures the
// exact big.Rat path gives, also when the sum overflows int64 or a value does not fit it.
func TestIntegerFastPathAgreesWithBig(t *testing.T) {
	cases := [][]string{
		{"5", "-3", "12", "0", "+7"},
		{"9223372036854775807", "1", "-4"},                     // the sum overflows
		{"3", "99999999999999999999999", "-2", "-99999999999"}, // a value beyond int64
		{"-9223372036854775808", "-1"},
	}
	for _, vals := range cases {
		fast := NewTableAcc([]string{"n"}, []contract.Type{contract.Integer})
		exact := bigOnly(NewTableAcc([]string{"n"}, []contract.Type{contract.Integer}))
		for _, v := range vals {
			if err := fast.Add([]*string{sp(v)}); err != nil {
				t.Fatal(err)
			}
			if err := exact.Add([]*string{sp(v)}); err != nil {
				t.Fatal(err)
			}
		}
		f, e := fast.Result().Columns["n"], exact.Result().Columns["n"]
		if *f != *e {
			t.Errorf("%v: int64 path %+v, big.Rat %+v", vals, *f, *e)
		}
	}
	bad := NewTableAcc([]string{"n"}, []contract.Type{contract.Integer})
	if err := bad.Add([]*string{sp("1x")}); err == nil {
		t.Fatal("an integer that is no number was accepted")
	}
}

// TestRowsHashIsTableAccs: RowsHash over bytes (nil for NULL, an empty slice for an empty value)
// counts and hashes the rows as TableAcc does over canonical text.
func TestRowsHashIsTableAccs(t *testing.T) {
	rows := [][]*string{{sp("1"), sp("Zürich 日本"), nil}, {sp("2"), sp(""), sp("x")}, {sp("3"), nil, sp(strings.Repeat("é", 70))}, {nil, nil, nil}}
	acc := NewTableAcc([]string{"a", "b", "c"}, []contract.Type{contract.Text, contract.Text, contract.Text})
	var h RowsHash
	for _, r := range rows {
		if err := acc.Add(r); err != nil {
			t.Fatal(err)
		}
		raw := make([][]byte, len(r))
		for i, v := range r {
			if v != nil {
				raw[i] = append([]byte{}, *v...) // "" gives an empty, non-nil slice
			}
		}
		h.Add(raw)
	}
	if want := acc.Result(); h.Rows != want.Rows || h.Hash() != want.Hash {
		t.Fatalf("RowsHash %d rows, hash %s; TableAcc %d rows, hash %s", h.Rows, h.Hash(), want.Rows, want.Hash)
	}
	var other RowsHash
	other.Add([][]byte{[]byte("1"), []byte("Zürich 日本"), []byte{}}) // "" for NULL is another row
	var first RowsHash
	first.Add([][]byte{[]byte("1"), []byte("Zürich 日本"), nil})
	if other.Hash() == first.Hash() {
		t.Fatal("an empty value hashes as NULL")
	}
}

// TestAppendCount: the row text's counts are strconv's, on and around the digits it writes
// itself.
func TestAppendCount(t *testing.T) {
	for n := -2; n < 100_002; n++ {
		if got, want := string(appendCount([]byte("x"), n)), "x"+strconv.Itoa(n)+":"; got != want {
			t.Fatalf("appendCount(%d) = %q, want %q", n, got, want)
		}
	}
}
