package quality

import (
	"errors"
	"math"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

func TestPerfectMetricsScore100(t *testing.T) {
	s := mini(t)
	r, err := Evaluate(s, perfect(s, 100), now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Composite != 100 || r.Grade != "excellent" {
		t.Errorf("composite %.2f %s, want 100 excellent", r.Composite, r.Grade)
	}
	for _, rr := range r.Rules {
		if rr.Score != 1 || !rr.Pass {
			t.Errorf("%s: score %.4f pass %v, want 1 true", rr.ID, rr.Score, rr.Pass)
		}
	}
	wantRules := map[string]int{Schema: 12, Completeness: 9, Validity: 14, Consistency: 7, Referential: 2, Text: 12}
	for _, c := range r.Categories {
		if c.Rules != wantRules[c.Name] {
			t.Errorf("category %s: %d scored rules, want %d", c.Name, c.Rules, wantRules[c.Name])
		}
	}
}

func TestRules(t *testing.T) {
	tests := []struct {
		name   string
		rows   int64
		mutate func(m *Metrics)
		id     string
		score  float64
		pass   bool
	}{
		// schema
		{"column missing", 100, func(m *Metrics) { m.Tables["tickets"].Columns = m.Tables["tickets"].Columns[1:] }, "required_columns(tickets)", 5.0 / 6, false},
		{"unknown column", 100, func(m *Metrics) { tm := m.Tables["tickets"]; tm.Columns = append(tm.Columns, "x") }, "column_count(tickets)", 0, false},
		{"derived column is expected", 100, func(m *Metrics) { tm := m.Tables["comments"]; tm.Columns = append(tm.Columns, "public") }, "column_count(comments)", 1, true},
		{"empty table", 100, func(m *Metrics) { m.Tables["tickets"].Rows = 0 }, "non_empty(tickets)", 0, false},
		{"empty optional table", 100, func(m *Metrics) { m.Tables["roster"].Rows = 0 }, "non_empty(roster)", 1, true},
		// completeness: min(share / threshold, 1); passes at the threshold
		{"required at 99%", 100, func(m *Metrics) { m.Tables["tickets"].Cols["created"].NonNull = 99 }, "populated(tickets.created)", 0.99, false},
		{"at 95% of 95%", 100, func(m *Metrics) { m.Tables["comments"].Cols["body"].NonNull = 95 }, "populated(comments.body)", 1, true},
		{"below 95%", 100, func(m *Metrics) { m.Tables["comments"].Cols["body"].NonNull = 94 }, "populated(comments.body)", 0.94 / 0.95, false},
		{"at 99.5%", 1000, func(m *Metrics) { m.Tables["hours"].Cols["hours"].NonNull = 995 }, "populated(hours.hours)", 1, true},
		{"below 99.5%", 1000, func(m *Metrics) { m.Tables["hours"].Cols["hours"].NonNull = 994 }, "populated(hours.hours)", 0.994 / 0.995, false},
		{"key column required", 100, func(m *Metrics) { m.Tables["comments"].Cols["id"].NonNull = 50 }, "populated(comments.id)", 0.5, false},
		{"empty required table", 100, func(m *Metrics) { m.Tables["comments"].Rows = 0 }, "populated(comments.ticket)", 0, false},
		{"empty optional table's required column", 100, func(m *Metrics) { m.Tables["roster"].Rows = 0 }, "populated(roster.username)", 1, true},
		// validity: 1 - bad / judged; passes at 99%
		{"1% bad ids", 100, func(m *Metrics) { m.Tables["tickets"].Cols["id"].Invalid.N = 1 }, "ids(tickets)", 0.99, true},
		{"2% bad ids", 100, func(m *Metrics) {
			c := m.Tables["tickets"].Cols["id"]
			c.Invalid.N, c.NotPositive.N = 1, 1
		}, "ids(tickets)", 0.98, false},
		{"bad decimals", 100, func(m *Metrics) { m.Tables["hours"].Cols["hours"].Invalid.N = 1 }, "numbers(hours)", 0.99, true},
		{"hours out of range, judged among valid", 100, func(m *Metrics) {
			c := m.Tables["hours"].Cols["hours"]
			c.Invalid.N, c.OutOfRange.N = 10, 9
		}, "range(hours.hours)", 0.9, false},
		{"dates that do not parse", 100, func(m *Metrics) { m.Tables["tickets"].Cols["month"].Invalid.N = 3 }, "dates_parse(tickets)", 0.99, true},
		{"dates out of window, judged among valid", 100, func(m *Metrics) {
			c := m.Tables["tickets"].Cols["created"]
			c.Invalid.N, c.OutOfRange.N = 50, 5
		}, "dates_in_range(tickets)", 0.98, false},
		{"time columns parse", 100, func(m *Metrics) { m.Tables["hours"].Cols["from"].Invalid.N = 6 }, "dates_parse(hours)", 0.97, false}, // day and from: 200 judged,
		{"flags out of domain", 100, func(m *Metrics) { m.Tables["tickets"].Cols["met"].Invalid.N = 100 }, "flags(tickets)", 0, false},
		{"text too long", 100, func(m *Metrics) { m.Tables["tickets"].Cols["title"].TooLong.N = 1 }, "text_length(tickets)", 0.99, true},
		// consistency
		{"dates out of order", 100, func(m *Metrics) { m.Orders["tickets: created <= closed"] = &OrderMetrics{Compared: 50, Violations: 1} }, "date_order(tickets.created <= closed)", 0.98, false},
		{"one duplicate key fails", 100, func(m *Metrics) { m.Tables["comments"].Keys.Duplicates = 1 }, "key_unique(comments.id)", 0.99, false},
		{"mixed id spellings", 100, func(m *Metrics) {
			c := m.Tables["tickets"].Cols["id"]
			c.Reformatted.N, c.Invalid.N = 30, 10
		}, "one_type(tickets)", 0.6, false},
		{"uniformly reformatted ids", 100, func(m *Metrics) { m.Tables["tickets"].Cols["id"].Reformatted.N = 100 }, "one_type(tickets)", 1, true},
		{"ids mixed across columns", 100, func(m *Metrics) { m.Tables["hours"].Cols["crm"].Invalid.N = 2 }, "one_type(hours)", 0.98, false},
		// referential: 1 inside the band, linear to 0 outside
		{"orphans at the limit", 100, func(m *Metrics) { m.Refs["comments.ticket -> tickets.id"].Orphans = 5 }, "orphans(comments.ticket -> tickets.id)", 1, true},
		{"orphans above the limit", 100, func(m *Metrics) { m.Refs["comments.ticket -> tickets.id"].Orphans = 10 }, "orphans(comments.ticket -> tickets.id)", 0.9 / 0.95, false},
		{"info band outside never fails", 100, func(m *Metrics) { m.Refs["hours.crm -> tickets.id"].Orphans = 50 }, "orphans(hours.crm -> tickets.id)", 50.0 / 85, true},
		{"share at the lower bound", 100, func(m *Metrics) { m.Shares["admin"].Matches = 10 }, "share(admin)", 1, true},
		{"share below", 100, func(m *Metrics) { m.Shares["admin"].Matches = 5 }, "share(admin)", 0.5, false},
		{"share above", 100, func(m *Metrics) { m.Shares["admin"].Matches = 40 }, "share(admin)", 0.6 / 0.7, false},
		{"no values for a share", 100, func(m *Metrics) { *m.Shares["admin"] = ShareMetrics{} }, "share(admin)", 0, false},
		// text: any offending value fails
		{"a NUL byte", 100, func(m *Metrics) { m.Tables["comments"].Cols["body"].NUL.N = 1 }, "nul_bytes(comments)", 0.99, false},
		{"a newline run", 100, func(m *Metrics) { m.Tables["comments"].Cols["body"].NewlineRun.N = 1 }, "newline_runs(comments)", 0.99, false},
		{"values piling up at a cut", 100, func(m *Metrics) {
			m.Tables["comments"].Cols["body"].AtLength = map[int]*Issue{10: {N: 2}}
		}, "truncation(comments)", 0.98, false},
		{"values at the length, and longer ones", 100, func(m *Metrics) {
			c := m.Tables["comments"].Cols["body"]
			c.AtLength, c.Longer = map[int]*Issue{10: {N: 2}}, map[int]int64{10: 1}
		}, "truncation(comments)", 1, true},
		{"one value at the length is chance", 100, func(m *Metrics) {
			m.Tables["comments"].Cols["body"].AtLength = map[int]*Issue{10: {N: 1}}
		}, "truncation(comments)", 1, true},
		{"an ellipsis mid-word", 100, func(m *Metrics) { m.Tables["comments"].Cols["body"].Ellipsis.N = 1 }, "truncation(comments)", 0.99, false},
	}
	s := mini(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := perfect(s, tt.rows)
			tt.mutate(m)
			r, err := Evaluate(s, m, now)
			if err != nil {
				t.Fatal(err)
			}
			rr := rule(r, tt.id)
			if rr == nil {
				t.Fatalf("no rule %s", tt.id)
			}
			if math.Abs(rr.Score-tt.score) > 1e-9 || rr.Pass != tt.pass {
				t.Errorf("%s: score %.6f pass %v, want %.6f %v (counts %v)", tt.id, rr.Score, rr.Pass, tt.score, tt.pass, rr.Counts)
			}
		})
	}
}

func TestComposite(t *testing.T) {
	s := mini(t)
	tests := []struct {
		name   string
		mutate func(m *Metrics)
		want   float64
		grade  string
	}{
		{"perfect", func(*Metrics) {}, 100, "excellent"},
		// validity has 14 rules: one at 0 costs 25/14 points
		{"one validity rule at 0", func(m *Metrics) { m.Tables["tickets"].Cols["met"].Invalid.N = 100 }, 98.21, "excellent"},
		// an INFO rule carries no weight
		{"info rule outside its band", func(m *Metrics) { m.Refs["hours.crm -> tickets.id"].Orphans = 0 }, 100, "excellent"},
		// three tables empty: 3 of 12 schema rules and 8 of 9 completeness rules at 0
		{"empty tables", func(m *Metrics) {
			for _, name := range []string{"tickets", "comments", "hours"} {
				m.Tables[name].Rows = 0
			}
		}, 100 - 15*3.0/12 - 30*8.0/9, "poor"},
	}
	for _, tt := range tests {
		m := perfect(s, 100)
		tt.mutate(m)
		r, err := Evaluate(s, m, now)
		if err != nil {
			t.Fatal(err)
		}
		if want := math.Round(tt.want*100) / 100; r.Composite != want || r.Grade != tt.grade {
			t.Errorf("%s: composite %.2f %s, want %.2f %s", tt.name, r.Composite, r.Grade, want, tt.grade)
		}
	}
}

func TestCompositeRescalesWithoutCategory(t *testing.T) {
	s := mini(t)
	s.Quality.References, s.Quality.Shares = nil, nil // referential has no rules left
	m := perfect(s, 100)
	m.Tables["tickets"].Cols["met"].Invalid.N = 100
	r, err := Evaluate(s, m, now)
	if err != nil {
		t.Fatal(err)
	}
	want := math.Round((95-25.0/14)/95*100*100) / 100 // 95 points of weight left, rescaled to 100
	if r.Composite != want {
		t.Errorf("composite %.2f, want %.2f", r.Composite, want)
	}
}

func TestGrade(t *testing.T) {
	tests := []struct {
		score float64
		want  string
	}{{100, "excellent"}, {90, "excellent"}, {89.99, "good"}, {80, "good"}, {79.99, "acceptable"}, {70, "acceptable"},
		{69.99, "poor"}, {60, "poor"}, {59.99, "failed"}, {0, "failed"}}
	for _, tt := range tests {
		if got := Grade(tt.score); got != tt.want {
			t.Errorf("Grade(%g) = %s, want %s", tt.score, got, tt.want)
		}
	}
}

func TestGate(t *testing.T) {
	tests := []struct {
		r    *Report
		pass bool
	}{
		{&Report{Composite: 80}, true},
		{&Report{Composite: 79.99, Rules: []RuleResult{{ID: "x(t)", Pass: false}}}, false},
		{&Report{Composite: 99, Rules: []RuleResult{{ID: "low(t)", Severity: contract.Low, Pass: false}}}, true},
		{&Report{Composite: 99, Rules: []RuleResult{{ID: "key(t)", Severity: contract.Critical, Pass: false}}}, false},
		{nil, false},
	}
	for _, tt := range tests {
		err := Gate(tt.r, 80)
		if (err == nil) != tt.pass || err != nil && !errors.Is(err, ErrGate) {
			t.Errorf("Gate(%+v, 80) = %v, want pass %v", tt.r, err, tt.pass)
		}
	}
}

func TestEvaluateFailsClosed(t *testing.T) {
	s := mini(t)
	tests := []struct {
		name   string
		mutate func(m *Metrics)
	}{
		{"table", func(m *Metrics) { delete(m.Tables, "hours") }},
		{"column", func(m *Metrics) { delete(m.Tables["hours"].Cols, "crm") }},
		{"keys", func(m *Metrics) { m.Tables["hours"].Keys = nil }},
		{"order", func(m *Metrics) { m.Orders = map[string]*OrderMetrics{} }},
		{"reference", func(m *Metrics) { delete(m.Refs, "hours.crm -> tickets.id") }},
		{"share", func(m *Metrics) { delete(m.Shares, "admin") }},
	}
	for _, tt := range tests {
		m := perfect(s, 100)
		tt.mutate(m)
		if _, err := Evaluate(s, m, now); !errors.Is(err, ErrMissing) {
			t.Errorf("missing %s: err %v, want ErrMissing", tt.name, err)
		}
	}
}

func TestDiff(t *testing.T) {
	s := mini(t)
	m := perfect(s, 100)
	m.Tables["tickets"].Cols["met"].Invalid.N = 100
	before, err := Evaluate(s, m, now)
	if err != nil {
		t.Fatal(err)
	}
	after, err := Evaluate(s, perfect(s, 100), now)
	if err != nil {
		t.Fatal(err)
	}
	d := Diff(before, after)
	if len(d) != 1 || d[0].ID != "flags(tickets)" || d[0].Before != 0 || d[0].After != 1 || math.Abs(d[0].Points-25.0/14) > 1e-9 {
		t.Errorf("diff %+v, want flags(tickets) 0 -> 1 worth %.4f points", d, 25.0/14)
	}
}
