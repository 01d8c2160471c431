package specdraft

import (
	"fmt"
	"testing"

	"github.com/sdetl/sdetl/internal/values"
)

func TestKeyTracker(t *testing.T) {
	seq := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	tests := []struct {
		name   string
		values []string
		want   string
	}{
		{"unique integers", seq(10000, func(i int) string { return fmt.Sprint(i) }), ""},
		{"7 and 7.0 are one integer", []string{"7", "8", "7.0"}, notKeyDuplicate},
		{"late duplicate past the early set", append(seq(keyEarlySet+10, func(i int) string { return fmt.Sprint(i) }), "5"), notKeyDuplicate},
		{"unique text", seq(100, func(i int) string { return fmt.Sprintf("INC-%04d", i) }), ""},
		{"text duplicate after trimming and line ends", []string{"a\r\nb", "a\nb"}, notKeyDuplicate},
		{"case differs: distinct", []string{"abc", "ABC"}, ""},
		{"a null", []string{"1", "?", "3"}, notKeyNull},
		{"dates are never keys", []string{"2025-01-01", "2025-01-02"}, notKeyShape},
		{"fractions are never keys", []string{"1.5", "2.5"}, notKeyShape},
	}
	norm := values.NewNormalizer(DefaultSentinels)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKeyTracker(norm, []string{"c"})
			for _, v := range tt.values {
				k.add(0, v, norm.IsNull(v))
			}
			if got := k.finish()[0]; got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestKeyTrackerBudget: past the budget, duplicates beyond the early set are found by sorting,
// and of the unique columns the least preferred stop being checked; a last one alone may use the
// whole budget, but no more.
func TestKeyTrackerBudget(t *testing.T) {
	tests := []struct {
		name    string
		budget  int
		rows    int
		columns []string
		value   func(col, row int) string
		want    []string
	}{
		{"sorting finds a late duplicate, then the text column goes", 36, 20, []string{"count", "Ticket ID", "note"},
			func(col, row int) string {
				return []string{fmt.Sprint(row % 12), fmt.Sprint(row), fmt.Sprintf("text %d", row)}[col]
			},
			[]string{notKeyDuplicate, "", notKeyBudget}},
		{"integers before names, names before the rest", 12, 8, []string{"note", "code", "Ref No", "count"},
			func(col, row int) string { return []string{"t", "c", "r", ""}[col] + fmt.Sprint(row) },
			[]string{notKeyBudget, notKeyBudget, notKeyBudget, ""}},
		{"one column over the whole budget", 10, 20, []string{"id"},
			func(col, row int) string { return fmt.Sprint(row) },
			[]string{notKeyBudget}},
		{"one column within it", 10, 10, []string{"id"},
			func(col, row int) string { return fmt.Sprint(row) },
			[]string{""}},
	}
	norm := values.NewNormalizer(DefaultSentinels)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKeyTracker(norm, tt.columns)
			k.budget, k.earlyCap = tt.budget, 4
			for r := range tt.rows {
				for c := range tt.columns {
					k.add(c, tt.value(c, r), false)
				}
			}
			got := k.finish()
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Errorf("%s: got %q, want %q", tt.columns[i], got[i], tt.want[i])
				}
			}
			if k.total > k.budget {
				t.Errorf("holding %d words, budget %d", k.total, k.budget)
			}
		})
	}
}
