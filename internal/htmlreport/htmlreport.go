// Package htmlreport renders a run's report as one self-contained HTML file: no external
// assets, no JavaScript, charts as inline SVG. It takes plain data (the core's reports and a
// few structs of its own) and escapes every value through html/template.
package htmlreport

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/quality"
)

// Data is everything the report shows; any part may be missing (a run stopped early).
type Data struct {
	RunID      int64
	Generated  time.Time
	Exports    string
	Database   string
	Schema     string
	DryRun     bool
	Seconds    float64
	Outcome    string // ok, gate_failed, ...
	ExitCode   int
	Error      string
	Stages     []Stage
	Tables     []Table
	Scores     []Score // in order: before cleaning, after cleaning, after load
	Gate       float64
	Profile    *profile.Report
	Quarantine []QuarantineRule
	Changes    []Change
	KPIs       []kpi.Result
	KPIError   string // why there are no KPIs, if there are none
}

// Stage is one stage of the run.
type Stage struct {
	Name    string
	Seconds float64
	Rows    string // what it counted, in words
}

// Table reconciles one table end to end.
type Table struct {
	Name                                       string
	Read, InScope, Staged, Loaded, Quarantined int64
	Reconciled                                 bool
}

// Score is one quality report with its label.
type Score struct {
	Label  string
	Report *quality.Report
}

// QuarantineRule is the rows one rule quarantined, with a few examples.
type QuarantineRule struct {
	Rule     string   `json:"rule"`
	Rows     int      `json:"rows"`
	Examples []string `json:"examples"`
}

// Change is one line of the change log.
type Change struct {
	Table, Column, Rule string
	Count               int
}

//go:embed report.html.tmpl
var source string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"num": func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) },
	"f1":  func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"f2":  func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) },
	"int": func(n any) string {
		switch n := n.(type) {
		case int:
			return thousands(n)
		case int64:
			return thousands(n)
		}
		return fmt.Sprint(n)
	},
	"ptr": func(v *float64) string {
		if v == nil {
			return "n/a"
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	},
	"status": func(s kpi.Status) string {
		if s == kpi.None {
			return "-"
		}
		return string(s)
	},
	"cls": func(s kpi.Status) string { return strings.ReplaceAll(string(s), " ", "-") },
}).Parse(source))

// Render writes the report.
func Render(w io.Writer, d *Data) error {
	v := view{Data: d, Moved: movedRules(d.Scores), Dates: dateDecisions(d.Profile), Mismatches: mismatches(d.Profile),
		ScoreChart: scoreChart(d.Scores), QuarantineChart: quarantineChart(d.Quarantine), VolumeChart: volumeChart(d.KPIs)}
	if d.Profile != nil {
		v.Trips = d.Profile.Breaker.Trips
	}
	return tmpl.Execute(w, v)
}

type view struct {
	*Data
	Moved                                    []movedRule
	Dates                                    []dateDecision
	Mismatches                               []mismatch
	Trips                                    []profile.Trip
	ScoreChart, QuarantineChart, VolumeChart *chart
}

// movedRule is a rule whose score differs between the reports.
type movedRule struct {
	ID, Category, Severity string
	Scores                 []string // per report, "" where it was not scored
}

func movedRules(scores []Score) []movedRule {
	var ids []string
	byID := map[string][]*quality.RuleResult{}
	for i, s := range scores {
		if s.Report == nil {
			continue
		}
		for j := range s.Report.Rules {
			r := &s.Report.Rules[j]
			if _, ok := byID[r.ID]; !ok {
				ids = append(ids, r.ID)
				byID[r.ID] = make([]*quality.RuleResult, len(scores))
			}
			byID[r.ID][i] = r
		}
	}
	var out []movedRule
	for _, id := range ids {
		rs := byID[id]
		m := movedRule{ID: id, Scores: make([]string, len(rs))}
		first, moved := math.NaN(), false
		for i, r := range rs {
			if r == nil || !r.Scored {
				continue
			}
			m.Category, m.Severity = r.Category, r.Severity
			m.Scores[i] = strconv.FormatFloat(100*r.Score, 'f', 2, 64)
			if math.IsNaN(first) {
				first = r.Score
			} else if math.Abs(r.Score-first) > 1e-9 {
				moved = true
			}
		}
		if moved {
			out = append(out, m)
		}
	}
	return out
}

type dateDecision struct {
	Column, Order, Basis, Contract, Evidence string
}

func dateDecisions(p *profile.Report) []dateDecision {
	if p == nil {
		return nil
	}
	var out []dateDecision
	for _, t := range p.Tables {
		for _, c := range t.Columns {
			if c.DateOrder == nil || c.DateOrder.Basis == profile.BasisSpecHint {
				continue
			}
			var ev []string
			for _, k := range slices.Sorted(mapsKeys(c.DateForms)) {
				if c.DateForms[k] == 0 {
					continue
				}
				ev = append(ev, fmt.Sprintf("%s %s", k, thousands(c.DateForms[k])))
			}
			if len(c.DateOrder.DecidedBy) > 0 { // a sibling order: which columns decided it
				ev = append(ev, "decided by "+strings.Join(c.DateOrder.DecidedBy, ", "))
			}
			out = append(out, dateDecision{Column: t.Table + "." + c.Name, Order: string(c.DateOrder.Order), Basis: c.DateOrder.Basis,
				Contract: string(c.DateOrder.Contract), Evidence: strings.Join(ev, ", ")})
		}
	}
	return out
}

type mismatch struct {
	Column, Contract, Inferred, Reason, Examples string
}

func mismatches(p *profile.Report) []mismatch {
	if p == nil {
		return nil
	}
	var out []mismatch
	for _, t := range p.Tables {
		for _, c := range t.Columns {
			if c.Mismatch {
				ex := c.Examples
				if len(ex) > 3 {
					ex = ex[:3]
				}
				out = append(out, mismatch{t.Table + "." + c.Name, string(c.ContractType), c.InferredType, c.MismatchReason, strings.Join(ex, " | ")})
			}
		}
	}
	return out
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// thousands formats an integer with thin separators: 12,345.
func thousands[T int | int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
