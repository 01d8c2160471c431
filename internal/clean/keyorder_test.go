package clean

import (
	"strconv"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

// keyOrder calls a table's keys unique only while every row's key is greater than the last
// one's, compared as the store holds them, and gives up on anything it cannot compare so.
func TestKeyOrder(t *testing.T) {
	tbl := &contract.Table{Name: "t", Key: []string{"n", "m"}, Columns: []*contract.Column{
		{Name: "n", Type: contract.Text}, {Name: "x", Type: contract.Text}, {Name: "m", Type: contract.Integer}}}
	row := func(n, m any) []any { return []any{int64(1), int64(1), int64(1), n, "x", m} }
	for _, tc := range []struct {
		name string
		rows [][]any
		want bool
	}{
		{"none", nil, true},
		{"increasing", [][]any{row("a", "1"), row("a", "2"), row("a", "10"), row("b", "0")}, true},
		{"integers by value, not text", [][]any{row("a", "9"), row("a", "10")}, true},
		{"text by bytes", [][]any{row("b", "1"), row("a", "2")}, false},
		{"equal neighbours", [][]any{row("a", "1"), row("a", "1")}, false},
		{"a later repeat", [][]any{row("a", "1"), row("a", "2"), row("a", "1")}, false},
		{"NULL", [][]any{row("a", "1"), row(nil, "2")}, false},
		{"not a canonical integer", [][]any{row("a", "1"), row("a", "02")}, false},
	} {
		k := newKeyOrder(tbl)
		for _, r := range tc.rows {
			k.add(r)
		}
		if got := k.unique(); got != tc.want {
			t.Errorf("%s: unique %v, want %v", tc.name, got, tc.want)
		}
	}
	if newKeyOrder(&contract.Table{Name: "u", Columns: tbl.Columns}).unique() {
		t.Error("a table without a key: unique")
	}
}

// The check runs once per clean row on the writer's goroutine: it must not allocate.
func TestKeyOrderAllocates(t *testing.T) {
	tbl := &contract.Table{Name: "t", Key: []string{"n", "m"}, Columns: []*contract.Column{
		{Name: "n", Type: contract.Text}, {Name: "m", Type: contract.Integer}}}
	k := newKeyOrder(tbl)
	rows := make([][]any, 1000)
	for i := range rows {
		rows[i] = []any{int64(1), int64(i), int64(i), "INC0001", strconv.Itoa(1000 + i)}
	}
	i := 0
	if n := testing.AllocsPerRun(len(rows)-1, func() { k.add(rows[i]); i++ }); n != 0 {
		t.Errorf("%v allocations per row", n)
	}
	if !k.unique() {
		t.Error("increasing keys: not unique")
	}
}
