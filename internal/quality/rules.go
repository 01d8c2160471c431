package quality

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

// Evaluate turns metrics into the report: every rule of SPEC section 5 for every table of the
// contract, each computed from counts (no rule is an average of other rules). Metrics that a
// rule needs but m lacks are an error: the score fails closed.
func Evaluate(s *contract.Spec, m *Metrics, now time.Time) (*Report, error) {
	if err := complete(s, m); err != nil {
		return nil, err
	}
	q := &s.Quality
	e := &evaluator{s: s, q: q, m: m}
	r := &Report{Source: m.Source, Spec: s.Name, At: now, Gate: q.Gate}
	for _, t := range s.Tables {
		r.Rules = append(r.Rules, e.schema(t)...)
	}
	for _, t := range s.Tables {
		r.Rules = append(r.Rules, e.completeness(t)...)
	}
	for _, t := range s.Tables {
		r.Rules = append(r.Rules, e.validity(t)...)
	}
	r.Rules = append(r.Rules, e.consistency()...)
	r.Rules = append(r.Rules, e.referential()...)
	for _, t := range s.Tables {
		r.Rules = append(r.Rules, e.text(t)...)
	}
	w := q.Weights
	assemble(r, map[string]float64{Schema: w.Schema, Completeness: w.Completeness, Validity: w.Validity,
		Consistency: w.Consistency, Referential: w.Referential, Text: w.Text})
	return r, nil
}

// complete checks that m holds every metric the contract's rules need.
func complete(s *contract.Spec, m *Metrics) error {
	for _, t := range s.Tables {
		tm := m.Tables[t.Name]
		if tm == nil {
			return fmt.Errorf("quality: no metrics for table %s: %w", t.Name, ErrMissing)
		}
		for _, c := range t.Columns {
			if tm.Cols[c.Name] == nil {
				return fmt.Errorf("quality: no metrics for column %s.%s: %w", t.Name, c.Name, ErrMissing)
			}
		}
		if len(t.Key) > 0 && tm.Keys == nil {
			return fmt.Errorf("quality: no key metrics for table %s: %w", t.Name, ErrMissing)
		}
	}
	for _, o := range s.Quality.Order {
		if m.Orders[OrderKey(o)] == nil {
			return fmt.Errorf("quality: no metrics for order %s: %w", OrderKey(o), ErrMissing)
		}
	}
	for _, r := range s.Quality.References {
		if m.Refs[RefKey(r)] == nil {
			return fmt.Errorf("quality: no metrics for reference %s: %w", RefKey(r), ErrMissing)
		}
	}
	for _, sh := range s.Quality.Shares {
		if m.Shares[sh.Name] == nil {
			return fmt.Errorf("quality: no metrics for share %s: %w", sh.Name, ErrMissing)
		}
	}
	return nil
}

type evaluator struct {
	s *contract.Spec
	q *contract.Quality
	m *Metrics
}

func newRule(category, name, table, column, severity, expect string) RuleResult {
	id := name + "(" + table
	if column != "" {
		id += "." + column
	}
	return RuleResult{ID: id + ")", Name: name, Category: category, Table: table, Column: column,
		Severity: severity, Scored: true, Expect: expect, Counts: map[string]int64{}}
}

// ratio scores a rule by the share of judged values that are good: 1 - bad/judged (1 when
// nothing was judged). It passes at minPass.
func (rr RuleResult) ratio(judged, bad int64, minPass float64) RuleResult {
	rr.Counts["judged"], rr.Counts["bad"] = judged, bad
	rr.Score = 1
	if judged > 0 {
		rr.Score = 1 - float64(bad)/float64(judged)
	}
	rr.Pass = rr.Score >= minPass
	return rr
}

// band scores a rate expected within [lo, hi]: 1 inside; below, rate/lo; above,
// (1-rate)/(1-hi) — so the score falls linearly to 0 at a rate of 0 or 1.
func band(rate, lo, hi float64) (float64, bool) {
	switch {
	case rate < lo:
		return rate / lo, false
	case rate > hi:
		return (1 - rate) / (1 - hi), false
	}
	return 1, true
}

// ---- schema ----

func (e *evaluator) schema(t *contract.Table) []RuleResult {
	tm := e.m.Tables[t.Name]
	req := newRule(Schema, "required_columns", t.Name, "", contract.Critical, "every contracted column present")
	present := 0
	for _, c := range t.Columns {
		if slices.Contains(tm.Columns, c.Name) {
			present++
		} else {
			req.Examples = append(req.Examples, c.Name)
		}
	}
	req.Counts["expected"], req.Counts["present"] = int64(len(t.Columns)), int64(present)
	req.Score = float64(present) / float64(len(t.Columns))
	req.Pass = present == len(t.Columns)

	lo, hi := len(t.Columns), len(t.Columns)+len(t.Derived)
	cnt := newRule(Schema, "column_count", t.Name, "", contract.Medium, fmt.Sprintf("%d..%d columns (contracted, plus derived)", lo, hi))
	cnt.Counts["columns"], cnt.Counts["min"], cnt.Counts["max"] = int64(len(tm.Columns)), int64(lo), int64(hi)
	known := map[string]bool{}
	for _, c := range t.Columns {
		known[c.Name] = true
	}
	for _, d := range t.Derived {
		known[d.Name] = true
	}
	for _, c := range tm.Columns {
		if !known[c] && len(cnt.Examples) < maxExamples {
			cnt.Examples = append(cnt.Examples, c)
		}
	}
	if n := len(tm.Columns); n >= lo && n <= hi {
		cnt.Score, cnt.Pass = 1, true
	}

	ne := newRule(Schema, "non_empty", t.Name, "", contract.Critical, "at least one row")
	if t.Optional {
		ne.Expect = "may be empty (optional export)"
	}
	ne.Counts["rows"] = tm.Rows
	if tm.Rows > 0 || t.Optional {
		ne.Score, ne.Pass = 1, true
	}
	return []RuleResult{req, cnt, ne}
}

// ---- completeness ----

func (e *evaluator) completeness(t *contract.Table) []RuleResult {
	tm := e.m.Tables[t.Name]
	var out []RuleResult
	for _, c := range t.Columns {
		min, ok := e.q.CompletenessMin(t, c)
		if !ok {
			continue
		}
		sev := contract.High
		if slices.Contains(t.Key, c.Name) {
			sev = contract.Critical
		}
		rr := newRule(Completeness, "populated", t.Name, c.Name, sev, fmt.Sprintf(">= %s populated", pct(min)))
		populated := tm.Cols[c.Name].NonNull
		rr.Counts["rows"], rr.Counts["populated"] = tm.Rows, populated
		switch {
		case tm.Rows == 0 && t.Optional:
			rr.Score, rr.Pass = 1, true
		case tm.Rows == 0:
			rr.Score, rr.Pass = 0, false
		default:
			share := float64(populated) / float64(tm.Rows)
			rr.Score, rr.Pass = 1, share >= min
			if min > 0 {
				rr.Score = min1(share / min)
			}
		}
		out = append(out, rr)
	}
	return out
}

// ---- validity ----

// columnsOf returns t's columns of the given types.
func columnsOf(t *contract.Table, types ...contract.Type) []*contract.Column {
	var out []*contract.Column
	for _, c := range t.Columns {
		if slices.Contains(types, c.Type) {
			out = append(out, c)
		}
	}
	return out
}

// sum adds up one issue over columns: judged values, bad values and examples.
func (e *evaluator) sum(t *contract.Table, cols []*contract.Column, judged func(*ColumnMetrics) int64, issues ...func(*ColumnMetrics) *Issue) (int64, int64, []string) {
	var j, b int64
	var ex []string
	for _, c := range cols {
		cm := e.m.Tables[t.Name].Cols[c.Name]
		j += judged(cm)
		for _, is := range issues {
			x := is(cm)
			b += x.N
			for _, s := range x.Examples {
				if len(ex) < maxExamples {
					ex = addExample(ex, s)
				}
			}
		}
	}
	return j, b, ex
}

func nonNull(cm *ColumnMetrics) int64 { return cm.NonNull }
func valid(cm *ColumnMetrics) int64   { return cm.NonNull - cm.Invalid.N }

func (e *evaluator) validity(t *contract.Table) []RuleResult {
	var out []RuleResult
	add := func(name, sev, expect string, cols []*contract.Column, judged func(*ColumnMetrics) int64, issues ...func(*ColumnMetrics) *Issue) {
		if len(cols) == 0 {
			return
		}
		j, b, ex := e.sum(t, cols, judged, issues...)
		rr := newRule(Validity, name, t.Name, "", sev, expect).ratio(j, b, e.q.PassScore)
		rr.Examples = ex
		out = append(out, rr)
	}
	pass := fmt.Sprintf(" in >= %s of values", pct(e.q.PassScore))
	add("ids", contract.Critical, "integers, positive (0 where allowed)"+pass, columnsOf(t, contract.Integer), nonNull,
		func(cm *ColumnMetrics) *Issue { return &cm.Invalid }, func(cm *ColumnMetrics) *Issue { return &cm.NotPositive })
	add("numbers", contract.High, "decimals"+pass, columnsOf(t, contract.Decimal), nonNull,
		func(cm *ColumnMetrics) *Issue { return &cm.Invalid })
	for _, rg := range e.q.Ranges {
		if rg.Table != t.Name {
			continue
		}
		j, b, ex := e.sum(t, []*contract.Column{t.Column(rg.Column)}, valid, func(cm *ColumnMetrics) *Issue { return &cm.OutOfRange })
		rr := newRule(Validity, "range", t.Name, rg.Column, contract.Medium, "in "+rg.String()+pass).ratio(j, b, e.q.PassScore)
		rr.Examples = ex
		out = append(out, rr)
	}
	add("dates_parse", contract.High, "dates, times and months parse"+pass, columnsOf(t, contract.Timestamp, contract.Timestamptz, contract.Date, contract.Time, contract.Month), nonNull,
		func(cm *ColumnMetrics) *Issue { return &cm.Invalid })
	add("dates_in_range", contract.Medium, fmt.Sprintf("within [%s, now + %d days]%s", e.q.Dates.Min, e.q.Dates.MaxAheadDays, pass),
		columnsOf(t, contract.Timestamp, contract.Timestamptz, contract.Date, contract.Month), valid, func(cm *ColumnMetrics) *Issue { return &cm.OutOfRange })
	add("flags", contract.Medium, "yes/no and true/false values"+pass, columnsOf(t, contract.Flag, contract.Boolean), nonNull,
		func(cm *ColumnMetrics) *Issue { return &cm.Invalid })
	add("text_length", contract.Low, fmt.Sprintf("at most %d characters%s", e.q.Text.MaxLength, pass), columnsOf(t, contract.Text), nonNull,
		func(cm *ColumnMetrics) *Issue { return &cm.TooLong })
	return out
}

// ---- consistency ----

func (e *evaluator) consistency() []RuleResult {
	var out []RuleResult
	for _, o := range e.q.Order {
		om := e.m.Orders[OrderKey(o)]
		rr := newRule(Consistency, "date_order", o.Table, strings.Join(o.Columns, " <= "), contract.Medium,
			fmt.Sprintf("non-decreasing in >= %s of rows", pct(e.q.PassScore))).ratio(om.Compared, om.Violations, e.q.PassScore)
		rr.Examples = om.Examples
		out = append(out, rr)
	}
	for _, t := range e.s.Tables {
		if len(t.Key) == 0 {
			continue
		}
		km := e.m.Tables[t.Name].Keys
		rr := newRule(Consistency, "key_unique", t.Name, strings.Join(t.Key, ", "), contract.Critical, "no two rows share a natural key")
		rr = rr.ratio(km.Keyed, km.Duplicates, 1)
		rr.Counts["groups"] = km.Groups
		rr.Examples = km.Examples
		out = append(out, rr)
	}
	for _, t := range e.s.Tables {
		if ints := columnsOf(t, contract.Integer); len(ints) > 0 {
			out = append(out, e.oneType(t, ints))
		}
	}
	return out
}

// oneType scores how uniformly each id column is spelled: plain integers, other numeric
// spellings ("3652948.0"), or text. The score is the share of values in their column's
// dominant class; a column mixing classes is what makes joins silently match nothing.
func (e *evaluator) oneType(t *contract.Table, cols []*contract.Column) RuleResult {
	rr := newRule(Consistency, "one_type", t.Name, "", contract.High, fmt.Sprintf("one spelling per id column in >= %s of values", pct(e.q.PassScore)))
	var judged, dominant int64
	for _, c := range cols {
		cm := e.m.Tables[t.Name].Cols[c.Name]
		classes := []int64{cm.NonNull - cm.Invalid.N - cm.Reformatted.N, cm.Reformatted.N, cm.Invalid.N}
		judged += cm.NonNull
		dominant += slices.Max(classes)
		if mixed := classes[0] > 0 && (classes[1] > 0 || classes[2] > 0) || classes[1] > 0 && classes[2] > 0; mixed && len(rr.Examples) < maxExamples {
			rr.Examples = append(rr.Examples, fmt.Sprintf("%s: %d integers, %d other numeric spellings %s, %d text %s",
				c.Name, classes[0], classes[1], exampleValues(cm.Reformatted), classes[2], exampleValues(cm.Invalid)))
		}
	}
	rr = rr.ratio(judged, judged-dominant, e.q.PassScore)
	return rr
}

func exampleValues(is Issue) string {
	if len(is.Examples) == 0 {
		return ""
	}
	_, v, _ := strings.Cut(is.Examples[0], ": ")
	return fmt.Sprintf("(e.g. %q)", v)
}

// ---- referential ----

func (e *evaluator) referential() []RuleResult {
	var out []RuleResult
	for _, r := range e.q.References {
		rm := e.m.Refs[RefKey(r)]
		sev, expect := contract.High, fmt.Sprintf("orphan rate in [%s, %s]", pct(r.Min), pct(r.Max))
		if r.Info {
			sev, expect = Info, expect+" (information only)"
		}
		rr := newRule(Referential, "orphans", r.Table, r.Column+" -> "+r.To+"."+r.ToColumn, sev, expect)
		rr.Counts["values"], rr.Counts["orphans"] = rm.Values, rm.Orphans
		rate := 0.0
		if rm.Values > 0 {
			rate = float64(rm.Orphans) / float64(rm.Values)
		}
		rr.Score, rr.Pass = band(rate, r.Min, r.Max)
		if r.Info {
			rr.Pass, rr.Scored = true, false
		}
		rr.Examples = rm.Examples
		out = append(out, rr)
	}
	for _, sh := range e.q.Shares {
		sm := e.m.Shares[sh.Name]
		rr := newRule(Referential, "share", sh.Table, sh.Column, contract.Low,
			fmt.Sprintf("%s (value %q) in [%s, %s] of values", sh.Name, sh.Value, pct(sh.Min), pct(sh.Max)))
		rr.ID = "share(" + sh.Name + ")"
		rr.Counts["values"], rr.Counts["matches"] = sm.Values, sm.Matches
		rate := 0.0
		if sm.Values > 0 {
			rate = float64(sm.Matches) / float64(sm.Values)
		}
		rr.Score, rr.Pass = band(rate, sh.Min, sh.Max)
		out = append(out, rr)
	}
	return out
}

// ---- text ----

func (e *evaluator) text(t *contract.Table) []RuleResult {
	cols := columnsOf(t, contract.Text)
	if len(cols) == 0 {
		return nil
	}
	tr := e.q.Text
	var out []RuleResult
	for _, x := range []struct {
		name, expect string
		issue        func(*ColumnMetrics) *Issue
	}{
		{"nul_bytes", "no NUL bytes", func(cm *ColumnMetrics) *Issue { return &cm.NUL }},
		{"newline_runs", fmt.Sprintf("no runs of %d+ newlines", tr.MaxNewlineRun), func(cm *ColumnMetrics) *Issue { return &cm.NewlineRun }},
	} {
		j, b, ex := e.sum(t, cols, nonNull, x.issue)
		rr := newRule(Text, x.name, t.Name, "", contract.Low, x.expect).ratio(j, b, 1)
		rr.Examples = ex
		out = append(out, rr)
	}
	return append(out, e.truncation(t, cols))
}

// truncation counts values cut off: long values ending mid-word with "...", and, in a column
// where at least two values have exactly one of the suspicious lengths (255, 32767) and none is
// longer, those values. One value at 255 characters is chance; values piling up at a length
// nothing exceeds is a cut.
func (e *evaluator) truncation(t *contract.Table, cols []*contract.Column) RuleResult {
	tr := e.q.Text
	rr := newRule(Text, "truncation", t.Name, "", contract.Low, fmt.Sprintf(
		"no values piling up at exactly %v characters with none longer; none of %d+ characters ending mid-word with ...",
		tr.TruncationLengths, tr.EllipsisMinLength))
	var judged, bad int64
	for _, c := range cols {
		cm := e.m.Tables[t.Name].Cols[c.Name]
		judged += cm.NonNull
		bad += cm.Ellipsis.N
		for _, ex := range cm.Ellipsis.Examples {
			if len(rr.Examples) < maxExamples {
				rr.Examples = append(rr.Examples, ex)
			}
		}
		for _, n := range tr.TruncationLengths {
			at := cm.AtLength[n]
			if at == nil || at.N < 2 || cm.Longer[n] > 0 {
				continue
			}
			bad += at.N
			if len(rr.Examples) < maxExamples {
				rr.Examples = append(rr.Examples, fmt.Sprintf("%s: %d values of exactly %d characters, none longer", c.Name, at.N, n))
			}
		}
	}
	return rr.ratio(judged, bad, 1)
}

func min1(x float64) float64 { return min(x, 1) }

func pct(x float64) string { return fmt.Sprintf("%.4g%%", x*100) }
