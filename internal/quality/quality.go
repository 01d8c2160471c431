// Package quality owns the single data-quality score (SPEC section 5): the rules, their
// categories and weights, the composite 0–100 score, its grade, and the gate that blocks a load.
//
// One implementation serves every store. A Source (the staging store, the clean store or the
// loaded PostgreSQL schema) streams each table's contracted columns as text and computes the
// set-level metrics (key uniqueness, orphans) in its own SQL; one accumulator turns the rows
// into Metrics; one pure function, Evaluate, turns Metrics into the Report. A rule that cannot
// be computed is an error, never a skipped or passing rule. A stage that writes a store can
// feed that accumulator (Accumulator) the rows as it writes them and score with ScoreFed, which
// then asks the store only for the set-level metrics instead of reading every row again.
//
// # Report format (JSON, stable snake_case names)
//
//	source        stage | clean | postgres
//	spec          contract name
//	at            the time the plausible date window was computed from
//	composite     sum over categories of weight x category score (weights rescaled to 100
//	              when a category has no rules), rounded to 2 decimals
//	grade         excellent (>= 90) | good (>= 80) | acceptable (>= 70) | poor (>= 60) | failed
//	gate          the contract's gate (quality.gate)
//	categories[]  {name, weight, score (mean of its scored rules, 0..1), rules, failed}
//	rules[]       {id, name, category, table, column, severity, score (0..1), pass, scored,
//	              expect (the threshold in words), counts {name: n}, examples [up to 5]}
//
// Severities are CRITICAL, HIGH, MEDIUM, LOW, and INFO: an INFO rule reports an expectation
// (the timesheet orphan band) but always passes and carries no weight (scored = false).
package quality

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/outcome"
)

// Info is the severity of a rule that is reported but never fails and carries no weight.
const Info = "INFO"

// Categories, in report order.
const (
	Schema       = "schema"
	Completeness = "completeness"
	Validity     = "validity"
	Consistency  = "consistency"
	Referential  = "referential"
	Text         = "text"
)

var categories = []string{Schema, Completeness, Validity, Consistency, Referential, Text}

// Report is one store's score.
type Report struct {
	Source     string           `json:"source"`
	Spec       string           `json:"spec"`
	At         time.Time        `json:"at"`
	Composite  float64          `json:"composite"`
	Grade      string           `json:"grade"`
	Gate       float64          `json:"gate"`
	Categories []CategoryResult `json:"categories"`
	Rules      []RuleResult     `json:"rules"`
}

// CategoryResult is one category's share of the score.
type CategoryResult struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	Score  float64 `json:"score"`
	Rules  int     `json:"rules"`  // scored rules
	Failed int     `json:"failed"` // of those, failing
}

// RuleResult is one rule's verdict.
type RuleResult struct {
	ID       string           `json:"id"` // unique: name(target)
	Name     string           `json:"name"`
	Category string           `json:"category"`
	Table    string           `json:"table,omitempty"`
	Column   string           `json:"column,omitempty"`
	Severity string           `json:"severity"`
	Score    float64          `json:"score"`
	Pass     bool             `json:"pass"`
	Scored   bool             `json:"scored"`
	Expect   string           `json:"expect"`
	Counts   map[string]int64 `json:"counts"`
	Examples []string         `json:"examples,omitempty"`
}

// Grade names a composite score.
func Grade(composite float64) string {
	switch {
	case composite >= 90:
		return "excellent"
	case composite >= 80:
		return "good"
	case composite >= 70:
		return "acceptable"
	case composite >= 60:
		return "poor"
	}
	return "failed"
}

// assemble computes the category scores and the composite from the rules. A category score is
// the plain mean of its scored rules; the composite is the weighted sum, with the weights of
// categories that have rules rescaled to 100 (they already sum to 100 when all have rules).
func assemble(r *Report, w map[string]float64) {
	var sum, weights float64
	for _, name := range categories {
		c := CategoryResult{Name: name, Weight: w[name]}
		var total float64
		for _, rr := range r.Rules {
			if rr.Category != name || !rr.Scored {
				continue
			}
			c.Rules++
			total += rr.Score
			if !rr.Pass {
				c.Failed++
			}
		}
		if c.Rules > 0 {
			c.Score = total / float64(c.Rules)
			sum += c.Weight * c.Score
			weights += c.Weight
		}
		r.Categories = append(r.Categories, c)
	}
	if weights > 0 {
		r.Composite = math.Round(sum/weights*100*100) / 100
	}
	r.Grade = Grade(r.Composite)
}

// ErrGate is wrapped by the error Gate returns when a score is below the gate: the one
// outcome.ErrGate, so the command maps it to its exit code.
var ErrGate = outcome.ErrGate

// Gate returns nil when the report's composite reaches min and no CRITICAL rule fails, else an
// error wrapping ErrGate that names the failing rules. The composite dilutes a single broken
// rule (SPEC section 5 averages rules within categories), so a failing CRITICAL rule — a key not
// fully populated, a required column missing — blocks the load on its own. A missing report
// fails the gate too.
func Gate(r *Report, min float64) error {
	if r == nil {
		return fmt.Errorf("%w: no quality report", ErrGate)
	}
	var failed, critical []string
	for _, rr := range r.Rules {
		if !rr.Pass {
			failed = append(failed, rr.ID)
			if rr.Severity == contract.Critical {
				critical = append(critical, rr.ID)
			}
		}
	}
	switch {
	case r.Composite < min:
		return fmt.Errorf("%w: %s score %.2f (%s) is below %g; failing rules: %v", ErrGate, r.Source, r.Composite, r.Grade, min, failed)
	case len(critical) > 0:
		return fmt.Errorf("%w: %s score %.2f reaches %g but CRITICAL rules fail: %v", ErrGate, r.Source, r.Composite, min, critical)
	}
	return nil
}

// Delta is one rule's move between two reports.
type Delta struct {
	ID     string  `json:"id"`
	Before float64 `json:"before"`
	After  float64 `json:"after"`
	Points float64 `json:"points"` // the move's effect on the composite (weight / rules in its category x score change)
}

// Diff says which rules moved the score from before to after, largest effect first. A rule
// present in only one report counts as score 0 in the other.
func Diff(before, after *Report) []Delta {
	points := func(r *Report, cat string) float64 {
		var weights float64
		for _, c := range r.Categories {
			if c.Rules > 0 {
				weights += c.Weight
			}
		}
		for _, c := range r.Categories {
			if c.Name == cat && c.Rules > 0 && weights > 0 {
				return c.Weight / weights * 100 / float64(c.Rules)
			}
		}
		return 0
	}
	type side struct {
		score float64
		w     float64
	}
	b, a := map[string]side{}, map[string]side{}
	var ids []string
	for _, rr := range before.Rules {
		if rr.Scored {
			b[rr.ID] = side{rr.Score, points(before, rr.Category)}
			ids = append(ids, rr.ID)
		}
	}
	for _, rr := range after.Rules {
		if rr.Scored {
			a[rr.ID] = side{rr.Score, points(after, rr.Category)}
			if _, ok := b[rr.ID]; !ok {
				ids = append(ids, rr.ID)
			}
		}
	}
	var out []Delta
	for _, id := range ids {
		x, y := b[id], a[id]
		if x.score == y.score && x.w == y.w {
			continue
		}
		out = append(out, Delta{ID: id, Before: x.score, After: y.score, Points: y.score*y.w - x.score*x.w})
	}
	sort.SliceStable(out, func(i, j int) bool { return math.Abs(out[i].Points) > math.Abs(out[j].Points) })
	return out
}
