package specdraft

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

// The draft's quality rules come from its dates: the range from the earliest one seen (with a
// year's margin), and created <= later order rules where the names and every row agree; a pair
// the rows contradict gets a CHECK note instead of a rule.
func TestDateRules(t *testing.T) {
	p := writeCSV(t, filepath.Join(t.TempDir(), "log.csv"), [][]string{
		{"Id", "Created At", "Resolved At", "Closed", "Updated"},
		{"1", "29-02-2016 01:16", "01-03-2016 09:00", "2016-03-02", "2016-01-01 00:00"},
		{"2", "13-05-2017 10:00", "", "2017-05-14", "2016-01-01 00:00"},
		{"3", "14-06-2017 10:00", "15-06-2017 11:00", "", "2016-01-01 00:00"},
	})
	d, err := New(context.Background(), Options{Files: []string{p}, Schema: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Dates.Min != "2015-01-01" || d.Spec.Quality.Dates.Min != "2015-01-01" {
		t.Errorf("dates %+v, contract %+v; want min 2015-01-01", d.Dates, d.Spec.Quality.Dates)
	}
	var got []string
	for _, o := range d.Spec.Quality.Order {
		got = append(got, o.Table+": "+strings.Join(o.Columns, " <= "))
	}
	if want := "log: Created At <= Resolved At, log: Created At <= Closed"; strings.Join(got, ", ") != want {
		t.Errorf("order rules %q, want %q", got, want)
	}
	if !strings.Contains(strings.Join(d.Tables[0].Notes, "\n"), `CHECK: "Created At" is after "Updated" on 3 of 3 rows with both`) {
		t.Errorf("notes %q lack the contradicted pair", d.Tables[0].Notes)
	}
	if !strings.Contains(string(d.YAML), "- {table: log, columns: [\"Created At\", \"Resolved At\"]}   # holds on 2 of 2 rows with both") {
		t.Errorf("YAML:\n%s", d.YAML)
	}
	// No dates: the defaults.
	q := writeCSV(t, filepath.Join(t.TempDir(), "n.csv"), [][]string{{"Id"}, {"1"}})
	n, err := New(context.Background(), Options{Files: []string{q}, Schema: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if n.Spec.Quality.Dates != contract.DefaultQuality().Dates {
		t.Errorf("no dates: %+v", n.Spec.Quality.Dates)
	}
}
