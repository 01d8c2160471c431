package contract

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const tinySpec = `
name: tiny
schema: tiny
tables:
  - name: t
    key: [id]
    columns:
      - {name: id, type: integer}
      - {name: at, type: timestamp}
      - {name: hours, type: decimal}
      - {name: note, type: text}
`

func TestThresholdDefaults(t *testing.T) {
	s, err := Parse([]byte(tinySpec))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(DefaultProfile(), s.Profile); d != "" {
		t.Errorf("profile defaults (-want +got):\n%s", d)
	}
	if d := cmp.Diff(DefaultQuality(), s.Quality); d != "" {
		t.Errorf("quality defaults (-want +got):\n%s", d)
	}
	// An explicit 0 is a threshold, not "unset"; omitted keys keep their defaults.
	s, err = Parse([]byte(tinySpec + "profile: {mismatch_columns: 0}\nquality: {gate: 90, weights: {text: 0}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Profile.MismatchColumns != 0 || s.Profile.MinSupport != 0.95 {
		t.Errorf("mismatch_columns %g min_support %g, want 0 and the default 0.95", s.Profile.MismatchColumns, s.Profile.MinSupport)
	}
	if s.Quality.Gate != 90 || s.Quality.Weights.Text != 0 || s.Quality.Weights.Completeness != 30 {
		t.Errorf("gate %g weights %+v, want 90 with text 0 and the other defaults", s.Quality.Gate, s.Quality.Weights)
	}
}

func TestServiceDeskThresholds(t *testing.T) {
	s := ServiceDesk()
	q := s.Quality
	if q.Gate != 80 || s.Profile.MinSupport != 0.95 || s.Profile.MismatchColumns != 0.10 || s.Profile.DateUnparseable != 0.20 {
		t.Errorf("gate %g, profile %+v", q.Gate, s.Profile)
	}
	tickets, comments, ts := s.Table("tickets"), s.Table("comments"), s.Table("timesheets")
	tests := []struct {
		t    *Table
		col  string
		min  float64
		rule bool
	}{
		{tickets, "TKT-Ticket ID", 1, true},
		{tickets, "TKT-Created Time", 1, true}, // required, not listed: required_min
		{comments, "comment_id", 0.95, true},
		{comments, "comment_text", 0.95, true},
		{ts, "TS-Hours", 0.995, true},
		{ts, "TS-Title", 1, false}, // neither required nor listed: no completeness rule
	}
	for _, tt := range tests {
		min, ok := q.CompletenessMin(tt.t, tt.t.Column(tt.col))
		if min != tt.min || ok != tt.rule {
			t.Errorf("completeness %s.%s = %g, %v; want %g, %v", tt.t.Name, tt.col, min, ok, tt.min, tt.rule)
		}
	}
	if !q.ZeroID("timesheets", "TS-Crm ID") || q.ZeroID("tickets", "TKT-Ticket ID") {
		t.Error("zero ids: want only TS-Crm ID")
	}
	hours := q.Ranges[0]
	for v, want := range map[float64]bool{0: false, 0.01: true, 24: true, 24.01: false} {
		if hours.Contains(v) != want {
			t.Errorf("hours range %s contains %g: %v, want %v", hours.String(), v, !want, want)
		}
	}
	now := time.Date(2025, 10, 1, 9, 0, 0, 0, time.UTC)
	lo, hi := q.DateWindow(now)
	if lo.Format(time.DateOnly) != "2020-01-01" || !hi.Equal(now.AddDate(0, 0, 30)) {
		t.Errorf("date window %v .. %v", lo, hi)
	}
}

func TestThresholdValidation(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"profile: {min_support: 1.5}", "min_support"},
		{"profile: {category_max_distinct: -1}", "category_max_distinct"},
		{"quality: {gate: 120}", "gate"},
		{"quality: {weights: {schema: 0, completeness: 0, validity: 0, consistency: 0, referential: 0, text: 0}}", "all zero"},
		{"quality: {weights: {schema: -1}}", "negative"},
		{"quality: {dates: {min: 2020}}", "dates.min"},
		{"quality: {completeness: [{table: t, column: nope, min: 1}]}", "not declared"},
		{"quality: {completeness: [{table: t, column: id, min: 2}]}", "completeness min"},
		{"quality: {zero_ids: [{table: t, column: note}]}", "want integer"},
		{"quality: {ranges: [{table: t, column: at, min: 0}]}", "want integer or decimal"},
		{"quality: {ranges: [{table: t, column: hours, min: 5, max: 1}]}", "min > max"},
		{"quality: {order: [{table: t, columns: [at]}]}", "at least 2"},
		{"quality: {order: [{table: t, columns: [at, note]}]}", "want timestamp or date or month"},
		{"quality: {references: [{table: t, column: id, to: u, to_column: id}]}", "table \"u\""},
		{"quality: {references: [{table: t, column: id, to: t, to_column: id, min: 0.5, max: 0.1}]}", "min 0.5 > max 0.1"},
		{"quality: {shares: [{name: a, table: t, column: id, max: 1}, {name: a, table: t, column: id, max: 1}]}", "repeated"},
		{"quality: {text: {max_length: 0}}", "max_length"},
		{"quality: {text: {truncation_lengths: [0]}}", "truncation length"},
		{"quality: {gte: 80}", "gte"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tinySpec + tt.yaml + "\n"))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want one mentioning %q", tt.yaml, err, tt.want)
		}
	}
}
