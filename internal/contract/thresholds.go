package contract

import (
	"fmt"
	"strings"
	"time"
)

// Profile holds the profiler's thresholds (SPEC section 4): type inference and the circuit
// breaker. Parse starts from DefaultProfile, so a key the YAML omits keeps its default and an
// explicit 0 stays 0 (a strict breaker is a legitimate choice).
type Profile struct {
	MinSupport          float64 `yaml:"min_support" json:"min_support"`                     // a contracted type needs this share of non-null values
	MinConfidence       float64 `yaml:"min_confidence" json:"min_confidence"`               // an inferred type needs this share of non-null values
	MismatchColumns     float64 `yaml:"mismatch_columns" json:"mismatch_columns"`           // breaker: share of a table's columns that may mismatch
	DateUnparseable     float64 `yaml:"date_unparseable" json:"date_unparseable"`           // breaker: share of a date column's values that may not parse
	CategoryMaxDistinct int     `yaml:"category_max_distinct" json:"category_max_distinct"` // a category has at most this many distinct values ...
	CategoryMaxShare    float64 `yaml:"category_max_share" json:"category_max_share"`       // ... and at most this share of rows distinct
}

// DefaultProfile returns the SPEC section 4 defaults.
func DefaultProfile() Profile {
	return Profile{MinSupport: 0.95, MinConfidence: 0.95, MismatchColumns: 0.10, DateUnparseable: 0.20,
		CategoryMaxDistinct: 50, CategoryMaxShare: 0.05}
}

// Quality holds the quality score's configuration (SPEC section 5). Like Profile, it starts
// from DefaultQuality; the lists name contract columns and are empty by default, because only
// a contract knows its columns.
type Quality struct {
	Gate        float64 `yaml:"gate"`         // minimum composite score to load
	Weights     Weights `yaml:"weights"`      // per category
	PassScore   float64 `yaml:"pass_score"`   // a ratio rule (validity, consistency, text) passes at this score
	RequiredMin float64 `yaml:"required_min"` // completeness threshold of required columns not listed in Completeness
	Dates       struct {
		Min          string `yaml:"min"`            // YYYY-MM-DD: earliest plausible date
		MaxAheadDays int    `yaml:"max_ahead_days"` // latest plausible date: now + this many days
	} `yaml:"dates"`
	Completeness []ColumnMin `yaml:"completeness"` // populated share per column
	ZeroIDs      []ColumnRef `yaml:"zero_ids"`     // integer columns where 0 is a valid value (e.g. admin time)
	Ranges       []Range     `yaml:"ranges"`       // plausible numeric ranges
	Order        []Order     `yaml:"order"`        // date columns that must not decrease along a row
	References   []Reference `yaml:"references"`   // foreign keys and their orphan rates
	Shares       []Share     `yaml:"shares"`       // expected share of one value in a column
	Text         TextRules   `yaml:"text"`
}

// Weights are the category weights of the composite score.
type Weights struct {
	Schema       float64 `yaml:"schema"`
	Completeness float64 `yaml:"completeness"`
	Validity     float64 `yaml:"validity"`
	Consistency  float64 `yaml:"consistency"`
	Referential  float64 `yaml:"referential"`
	Text         float64 `yaml:"text"`
}

// ColumnRef names a contract column.
type ColumnRef struct {
	Table  string `yaml:"table"`
	Column string `yaml:"column"`
}

// ColumnMin is a completeness threshold: the share of rows with the column populated.
type ColumnMin struct {
	Table  string  `yaml:"table"`
	Column string  `yaml:"column"`
	Min    float64 `yaml:"min"`
}

// Range is a plausible range of a numeric column; the bounds are inclusive unless exclusive.
type Range struct {
	Table  string `yaml:"table"`
	Column string `yaml:"column"`
	Bounds `yaml:",inline"`
}

// Bounds is a numeric interval; a contract column's reject_outside uses it too.
type Bounds struct {
	Min          *float64 `yaml:"min"` // nil: unbounded
	Max          *float64 `yaml:"max"`
	MinExclusive bool     `yaml:"min_exclusive"`
	MaxExclusive bool     `yaml:"max_exclusive"`
}

// Order says that, within a row, each populated column of Columns is <= every later one.
type Order struct {
	Table   string   `yaml:"table"`
	Columns []string `yaml:"columns"`
}

// Reference is a foreign key. Its orphan rate (referencing values without a referenced row,
// over populated referencing values) is expected within [Min, Max]. Info marks an
// expectation that is reported but is never a failure (SPEC: the timesheet orphan band).
type Reference struct {
	Table    string  `yaml:"table"`
	Column   string  `yaml:"column"`
	To       string  `yaml:"to"`
	ToColumn string  `yaml:"to_column"`
	Min      float64 `yaml:"min"`
	Max      float64 `yaml:"max"`
	Info     bool    `yaml:"info"`
}

// Share is the expected share [Min, Max] of populated values of a column equal to Value
// (canonical text), e.g. admin time (crm id 0) in timesheets.
type Share struct {
	Name   string  `yaml:"name"`
	Table  string  `yaml:"table"`
	Column string  `yaml:"column"`
	Value  string  `yaml:"value"`
	Min    float64 `yaml:"min"`
	Max    float64 `yaml:"max"`
}

// TextRules are the text hygiene checks.
type TextRules struct {
	MaxLength         int   `yaml:"max_length"`          // characters; longer is invalid
	MaxNewlineRun     int   `yaml:"max_newline_run"`     // a run of at least this many newlines is flagged
	TruncationLengths []int `yaml:"truncation_lengths"`  // a value of exactly this many characters looks truncated
	EllipsisMinLength int   `yaml:"ellipsis_min_length"` // a value at least this long ending mid-word with "..." looks truncated
}

// DefaultQuality returns the SPEC section 5 defaults.
func DefaultQuality() Quality {
	q := Quality{
		Gate:        80,
		Weights:     Weights{Schema: 15, Completeness: 30, Validity: 25, Consistency: 20, Referential: 5, Text: 5},
		PassScore:   0.99,
		RequiredMin: 1,
		Text:        TextRules{MaxLength: 100000, MaxNewlineRun: 100, TruncationLengths: []int{255, 32767}, EllipsisMinLength: 200},
	}
	q.Dates.Min = "2020-01-01"
	q.Dates.MaxAheadDays = 30
	return q
}

// DateWindow returns the plausible date range at time now: [Dates.Min, now + MaxAheadDays].
func (q *Quality) DateWindow(now time.Time) (lo, hi time.Time) {
	lo, _ = time.Parse(time.DateOnly, q.Dates.Min) // checked by validate
	return lo, now.AddDate(0, 0, q.Dates.MaxAheadDays)
}

// CompletenessMin returns the completeness threshold of a column and whether it has one: listed
// columns have theirs, other required columns RequiredMin.
func (q *Quality) CompletenessMin(t *Table, c *Column) (float64, bool) {
	for _, m := range q.Completeness {
		if m.Table == t.Name && m.Column == c.Name {
			return m.Min, true
		}
	}
	return q.RequiredMin, c.Required
}

// ZeroID reports whether 0 is a valid value of the integer column.
func (q *Quality) ZeroID(table, column string) bool {
	for _, z := range q.ZeroIDs {
		if z.Table == table && z.Column == column {
			return true
		}
	}
	return false
}

// Contains reports whether v lies in the interval.
func (r *Bounds) Contains(v float64) bool {
	if r.Min != nil && (v < *r.Min || r.MinExclusive && v == *r.Min) {
		return false
	}
	if r.Max != nil && (v > *r.Max || r.MaxExclusive && v == *r.Max) {
		return false
	}
	return true
}

// String renders the interval in interval notation, e.g. "(0, 24]".
func (r *Bounds) String() string {
	lo, hi := "(-inf", "+inf)"
	if r.Min != nil {
		lo = fmt.Sprintf("[%g", *r.Min)
		if r.MinExclusive {
			lo = fmt.Sprintf("(%g", *r.Min)
		}
	}
	if r.Max != nil {
		hi = fmt.Sprintf("%g]", *r.Max)
		if r.MaxExclusive {
			hi = fmt.Sprintf("%g)", *r.Max)
		}
	}
	return lo + ", " + hi
}

func (p *Profile) validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"min_support", p.MinSupport}, {"min_confidence", p.MinConfidence}, {"mismatch_columns", p.MismatchColumns},
		{"date_unparseable", p.DateUnparseable}, {"category_max_share", p.CategoryMaxShare}} {
		if err := share(f.name, f.v); err != nil {
			return err
		}
	}
	if p.CategoryMaxDistinct < 0 {
		return fmt.Errorf("category_max_distinct %d: want >= 0", p.CategoryMaxDistinct)
	}
	return nil
}

func (q *Quality) validate(s *Spec) error {
	if q.Gate < 0 || q.Gate > 100 {
		return fmt.Errorf("gate %g: want 0..100", q.Gate)
	}
	w := q.Weights
	for _, x := range []float64{w.Schema, w.Completeness, w.Validity, w.Consistency, w.Referential, w.Text} {
		if x < 0 {
			return fmt.Errorf("weights: %g is negative", x)
		}
	}
	if w.Schema+w.Completeness+w.Validity+w.Consistency+w.Referential+w.Text <= 0 {
		return fmt.Errorf("weights: all zero")
	}
	if err := share("pass_score", q.PassScore); err != nil {
		return err
	}
	if err := share("required_min", q.RequiredMin); err != nil {
		return err
	}
	if _, err := time.Parse(time.DateOnly, q.Dates.Min); err != nil {
		return fmt.Errorf("dates.min %q: want YYYY-MM-DD", q.Dates.Min)
	}
	if q.Dates.MaxAheadDays < 0 {
		return fmt.Errorf("dates.max_ahead_days %d: want >= 0", q.Dates.MaxAheadDays)
	}
	col := func(what, table, column string, types ...Type) error {
		t := s.Table(table)
		if t == nil {
			return fmt.Errorf("%s: table %q is not declared", what, table)
		}
		c := t.Column(column)
		if c == nil {
			return fmt.Errorf("%s: column %s.%s is not declared", what, table, column)
		}
		for _, ty := range types {
			if c.Type == ty {
				return nil
			}
		}
		if len(types) > 0 {
			return fmt.Errorf("%s: column %s.%s is %s, want %s", what, table, column, c.Type, typeList(types))
		}
		return nil
	}
	for _, m := range q.Completeness {
		if err := col("completeness", m.Table, m.Column); err != nil {
			return err
		}
		if err := share("completeness min", m.Min); err != nil {
			return err
		}
	}
	for _, z := range q.ZeroIDs {
		if err := col("zero_ids", z.Table, z.Column, Integer); err != nil {
			return err
		}
	}
	for _, r := range q.Ranges {
		if err := col("ranges", r.Table, r.Column, Integer, Decimal); err != nil {
			return err
		}
		if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
			return fmt.Errorf("ranges: %s.%s: min > max", r.Table, r.Column)
		}
	}
	dated := []Type{Timestamp, Date, Month, Timestamptz}
	for _, o := range q.Order {
		if len(o.Columns) < 2 {
			return fmt.Errorf("order on %s: want at least 2 columns", o.Table)
		}
		for _, c := range o.Columns {
			if err := col("order", o.Table, c, dated...); err != nil {
				return err
			}
		}
	}
	for _, r := range q.References {
		if err := col("references", r.Table, r.Column); err != nil {
			return err
		}
		if err := col("references", r.To, r.ToColumn); err != nil {
			return err
		}
		if err := band("references "+r.Table+"."+r.Column, r.Min, r.Max); err != nil {
			return err
		}
	}
	names := map[string]bool{}
	for _, sh := range q.Shares {
		if sh.Name == "" || names[sh.Name] {
			return fmt.Errorf("shares: name %q empty or repeated", sh.Name)
		}
		names[sh.Name] = true
		if err := col("shares", sh.Table, sh.Column); err != nil {
			return err
		}
		if err := band("shares "+sh.Name, sh.Min, sh.Max); err != nil {
			return err
		}
	}
	tr := q.Text
	if tr.MaxLength <= 0 || tr.MaxNewlineRun <= 0 || tr.EllipsisMinLength < 0 {
		return fmt.Errorf("text: max_length and max_newline_run must be > 0, ellipsis_min_length >= 0")
	}
	for _, n := range tr.TruncationLengths {
		if n <= 0 {
			return fmt.Errorf("text: truncation length %d: want > 0", n)
		}
	}
	return nil
}

func share(name string, v float64) error {
	if v < 0 || v > 1 {
		return fmt.Errorf("%s %g: want a share in [0, 1]", name, v)
	}
	return nil
}

// band checks [min, max]; a max of 0 with a min of 0 is the band [0, 0] (no orphans allowed).
func band(what string, lo, hi float64) error {
	if err := share(what+" min", lo); err != nil {
		return err
	}
	if err := share(what+" max", hi); err != nil {
		return err
	}
	if lo > hi {
		return fmt.Errorf("%s: min %g > max %g", what, lo, hi)
	}
	return nil
}

func typeList(ts []Type) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, " or ")
}
