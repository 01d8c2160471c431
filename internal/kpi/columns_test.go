package kpi_test

// An external test: internal/contract imports kpi (for the kpis: section's validation), so a
// test that reads the contract cannot live inside package kpi.

import (
	"regexp"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/kpi"
)

// TestSQLNamesExistingColumns: every quoted identifier of the shipped SQL is a column of the
// contract's tables (or one of the queries' own aliases), and the columns dashboards in the wild
// wrongly used (SPEC 2.2) appear nowhere.
func TestSQLNamesExistingColumns(t *testing.T) {
	s := contract.ServiceDesk()
	cols := map[string]bool{"C": true} // COLLATE "C"
	for _, tb := range s.Tables {
		for _, c := range tb.Columns {
			cols[c.Name] = true
		}
		for _, c := range tb.Derived {
			cols[c.Name] = true
		}
	}
	needed := map[string]bool{"C": true}
	for tbl, cs := range kpi.Needs() {
		for _, c := range cs {
			needed[c] = true
			if tb := s.Table(tbl); tb == nil || (tb.ColumnIndex(c) < 0 && !derived(tb, c)) {
				t.Errorf("Needs: %s.%s is not in the built-in contract", tbl, c)
			}
		}
	}
	quoted := regexp.MustCompile(`"([^"]+)"`)
	for _, d := range kpi.Defs() {
		for _, wrong := range []string{"TKT-Priority", "TKT-Assigned To\"", "TKT-Resolved Time", "TKT-Closed Time", "TKT-Due Date"} {
			if strings.Contains(d.SQL, wrong) {
				t.Errorf("%s uses %s, which does not exist (SPEC 2.2)", d.File, wrong)
			}
		}
		code := regexp.MustCompile(`--.*`).ReplaceAllString(d.SQL, "") // comments may quote prose
		for _, m := range quoted.FindAllStringSubmatch(code, -1) {
			if !cols[m[1]] {
				t.Errorf("%s: %q is no contract column", d.File, m[1])
			}
			if !needed[m[1]] {
				t.Errorf("%s reads %q, which Needs does not list", d.File, m[1])
			}
		}
	}
}

func derived(tb *contract.Table, name string) bool {
	for _, d := range tb.Derived {
		if d.Name == name {
			return true
		}
	}
	return false
}
