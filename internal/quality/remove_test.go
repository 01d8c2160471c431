package quality

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRemoveEqualsCollect feeds rows as a writer would, some of which it then deletes, and
// checks the metrics equal Collect's over the rows the store keeps: exactly subtracted where
// the removed rows gave no kept example, read again from the store where they did.
func TestRemoveEqualsCollect(t *testing.T) {
	s := mini(t)
	ticket := func(id, created, closed, title string) []string {
		return []string{id, created, closed, "2021-03", "yes", title}
	}
	// Kept rows: seven distinct non-positive ids, dates out of the window and backwards fill
	// those measures' examples (5) early; titles longer than the truncation length.
	var kept [][]string
	for i := 1; i <= 7; i++ {
		kept = append(kept, ticket(fmt.Sprint(-i), fmt.Sprintf("2019-0%d-01 00:00:00", i), fmt.Sprintf("2018-0%d-01 00:00:00", i), "a longer title"))
	}
	kept = append(kept, ticket("3", "2021-01-03 00:00:00", "", "ok"),
		ticket("4", "soon", "", "a title that is much longer than fifty characters, really"))
	tests := []struct {
		name    string
		removed [][]string // added after the kept rows, then removed
		first   [][]string // added before the kept rows, then removed
		rescan  bool
	}{
		{name: "clean duplicates", first: [][]string{ticket("1", "2021-01-01 00:00:00", "", "ok")},
			removed: [][]string{ticket("2", "2021-01-01 00:00:00", "2021-01-02 00:00:00", "")}},
		{name: "counted after the examples filled", removed: [][]string{
			ticket("-9", "2019-09-01 00:00:00", "2018-09-01 00:00:00", "another longer title"),
			ticket("-8", "2019-08-01 00:00:00", "", "a long title again")}},
		{name: "an example of a removed row", rescan: true, first: [][]string{ticket("-1", "2021-01-01 00:00:00", "", "ok")}},
		{name: "an order example of a removed row", rescan: true,
			first: [][]string{ticket("5", "2021-01-03 00:00:00", "2021-01-01 00:00:00", "")}},
		{name: "an at-length example of a removed row", rescan: true,
			first: [][]string{ticket("5", "2021-01-03 00:00:00", "", "ten chars!")}},
		{name: "an invalid value of a removed row", rescan: true, removed: [][]string{ticket("x", "2021-01-03 00:00:00", "", "")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{rows: map[string][][]string{"tickets": kept,
				"comments": {{"10", "1", "hello"}, {"11", "2", "ten chars!"}}}}
			tk := NewAccumulator(s, s.Table("tickets"), now)
			var all [][]string
			all = append(append(append(all, tt.first...), kept...), tt.removed...)
			for _, r := range all {
				if err := tk.Add(r); err != nil {
					t.Fatal(err)
				}
			}
			for _, r := range append(append([][]string{}, tt.first...), tt.removed...) {
				if err := tk.Remove(r); err != nil {
					t.Fatal(err)
				}
			}
			if tk.inexact != tt.rescan {
				t.Errorf("inexact %v, want %v", tk.inexact, tt.rescan)
			}
			cm := NewAccumulator(s, s.Table("comments"), now) // fed, nothing removed
			for _, r := range src.rows["comments"] {
				if err := cm.Add(r); err != nil {
					t.Fatal(err)
				}
			}
			fed := map[string]*Accumulator{"tickets": tk, "comments": cm}
			got, err := CollectFed(context.Background(), s, src, now, fed) // hours and roster: read from src
			if err != nil {
				t.Fatal(err)
			}
			want, err := Collect(context.Background(), s, src, now)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("fed metrics differ from Collect's (-want +got):\n%s", d)
			}
		})
	}
}

// TestIssuesListsEveryIssue keeps ColumnMetrics.issues, which Remove subtracts, complete.
func TestIssuesListsEveryIssue(t *testing.T) {
	var m ColumnMetrics
	listed := map[*Issue]bool{}
	for _, is := range m.issues() {
		listed[is] = true
	}
	v := reflect.ValueOf(&m).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Type() == reflect.TypeOf(Issue{}) && !listed[f.Addr().Interface().(*Issue)] {
			t.Errorf("ColumnMetrics.%s is not in issues()", v.Type().Field(i).Name)
		}
	}
}
