package kpi

import (
	"regexp"
	"strings"
	"testing"
)

func TestDefsAreSPECsList(t *testing.T) {
	names := map[string]bool{}
	for i, d := range Defs() {
		if d.ID != i+1 {
			t.Errorf("KPI %d at position %d", d.ID, i+1)
		}
		if names[d.Name] || d.Name == "" || d.Title == "" || d.SQL == "" {
			t.Errorf("KPI %d: name %q duplicate or empty, or no title/SQL", d.ID, d.Name)
		}
		names[d.Name] = true
	}
	if len(names) != 23 {
		t.Errorf("%d KPIs, want SPEC 6.2's 23", len(names))
	}
}

func TestInline(t *testing.T) {
	p := DefaultParams()
	p.Seed = "it's"
	for _, q := range Queries(p, `"x_ext".comment_quality`) {
		if strings.Contains(q.SQL, "@") {
			t.Errorf("%s: a parameter is left: %s", q.Name, q.SQL)
		}
		if regexp.MustCompile(`[^.]\bcomment_quality\b`).MatchString(q.SQL) {
			t.Errorf("%s: comment_quality left unqualified", q.Name)
		}
	}
	d, _ := ByName("root_cause_sample")
	if got := d.Inline(p, ""); !strings.Contains(got, "md5('it''s'::text") || !strings.Contains(got, "ARRAY['Closed', 'Resolved', 'Incident Resolved']::text[]") {
		t.Errorf("inline parameters:\n%s", got)
	}
}

func TestJudge(t *testing.T) {
	sla := hi("value", 95, 90)
	lowBetter := lo("value", 3, 5)
	for _, c := range []struct {
		th   *Thresholds
		v    float64
		want Status
	}{
		{sla, 95, Green}, {sla, 94.99, Amber}, {sla, 90, Amber}, {sla, 89.99, Red},
		{lowBetter, 3, Green}, {lowBetter, 3.01, Amber}, {lowBetter, 5, Amber}, {lowBetter, 5.01, Red},
	} {
		if got := c.th.Judge(c.v); got != c.want {
			t.Errorf("%+v.Judge(%v) = %s, want %s", *c.th, c.v, got, c.want)
		}
	}
}

func TestFinishWorstRowAndNotAvailable(t *testing.T) {
	d, _ := ByName("team_workload")
	r := Result{Columns: []string{"team", "tickets", "share_pct"}, Rows: []Row{
		{Labels: []string{"a"}, Values: []*float64{Num(10), Num(20)}},
		{Labels: []string{"b"}, Values: []*float64{Num(40), Num(31)}},
	}}
	d.Finish(&r, 0)
	if r.Status != Red {
		t.Errorf("a team with 31%% of the work: %s, want red", r.Status)
	}
	q, _ := ByName("comment_quality")
	r = Result{Columns: []string{"overall"}, Rows: []Row{{Values: []*float64{nil}}}}
	q.Finish(&r, 0)
	if r.Available || r.Status != NotAvailable {
		t.Errorf("comment quality on an empty table: %+v", r)
	}
}
