// Package canary owns the canary's judgement (SPEC section 4, migrate): what a stratified sample
// of the clean store, loaded first into a throwaway schema, must look like before the full load
// may begin — every column of the type the contract says, as many rows as the sample holds,
// null ratios and date ranges like the profile's, every shipped query executing — and the
// comparison of that expectation with what the database reported. It is pure: the postgres
// adapter loads the sample and observes it, the clean adapter draws the sample, this package
// only compares, so the judgement can be read and tested without a database.
package canary

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/profile"
)

// Query is one query the canary runs on the sample; it must execute. It names tables without a
// schema (the runner sets search_path to the schema under test); {{schema}} in the text, if
// any, is replaced by that schema's quoted name.
type Query struct {
	Name string `json:"name"`
	SQL  string `json:"sql"`
}

// Expectation is what the loaded sample must look like.
type Expectation struct {
	Tables []TableExpect `json:"tables"`
}

// TableExpect is one table's expectation.
type TableExpect struct {
	Table   string         `json:"table"`
	Rows    int64          `json:"rows"` // the sample's rows
	Columns []ColumnExpect `json:"columns"`
}

// ColumnExpect is one column's expectation. Nulls are compared only where the profile saw the
// column (ProfileRows > 0); the range only where the profile has one of the column's kind.
type ColumnExpect struct {
	Name        string        `json:"name"`
	Type        string        `json:"type"` // as PostgreSQL's format_type names it
	ProfileRows int64         `json:"profile_rows"`
	NullRatio   float64       `json:"null_ratio"`
	Kind        contract.Type `json:"kind,omitempty"` // date, timestamp or month: the range is checked
	Min         string        `json:"min,omitempty"`
	Max         string        `json:"max,omitempty"`
}

// Observed is what the database reported about the loaded sample.
type Observed struct {
	Tables  []TableObserved `json:"tables"`
	Queries []QueryResult   `json:"queries"`
}

// TableObserved is one loaded table.
type TableObserved struct {
	Table   string           `json:"table"`
	Rows    int64            `json:"rows"`
	Columns []ColumnObserved `json:"columns"`
}

// ColumnObserved is one loaded column: its type, NULLs, and (date kinds) its extremes as text.
type ColumnObserved struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Nulls int64  `json:"nulls"`
	Min   string `json:"min,omitempty"`
	Max   string `json:"max,omitempty"`
}

// QueryResult is how one query went.
type QueryResult struct {
	Name  string `json:"name"`
	Rows  int64  `json:"rows"`
	Error string `json:"error,omitempty"`
}

// Failure is one failed check.
type Failure struct {
	Table   string `json:"table,omitempty"`
	Column  string `json:"column,omitempty"`
	Check   string `json:"check"` // table, rows, column, type, null_ratio, range, query
	Message string `json:"message"`
}

func (f Failure) String() string { return f.Message }

// Expect builds the expectation of a sample from the contract, the profile of the staging
// store (nil: no null or range checks) and the sample's row counts. pgType names a contract
// type as PostgreSQL's format_type does.
func Expect(s *contract.Spec, prof *profile.Report, rows map[string]int, pgType func(contract.Type) string) *Expectation {
	e := &Expectation{}
	for _, t := range s.Tables {
		te := TableExpect{Table: t.Name, Rows: int64(rows[t.Name])}
		var tp *profile.TableReport
		if prof != nil {
			for _, x := range prof.Tables {
				if x.Table == t.Name {
					tp = x
				}
			}
		}
		for _, c := range t.Columns {
			ce := ColumnExpect{Name: c.Name, Type: pgType(c.Type)}
			if cp := columnProfile(tp, c.Name); cp != nil && cp.Rows > 0 {
				// A required column's NULLs are quarantined by the clean stage, so its sample has
				// none whatever the profile counted (and NOT NULL would have refused one).
				if !c.Required {
					ce.ProfileRows, ce.NullRatio = cp.Rows, float64(cp.Nulls)/float64(cp.Rows)
				}
				if rangeKind(c.Type, cp.InferredType) && cp.Min != "" && cp.Max != "" {
					ce.Kind, ce.Min, ce.Max = c.Type, cp.Min, cp.Max
				}
			}
			te.Columns = append(te.Columns, ce)
		}
		for _, d := range t.Derived {
			te.Columns = append(te.Columns, ColumnExpect{Name: d.Name, Type: pgType(d.Type)})
		}
		e.Tables = append(e.Tables, te)
	}
	return e
}

func columnProfile(tp *profile.TableReport, name string) *profile.ColumnReport {
	if tp == nil {
		return nil
	}
	for _, c := range tp.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// rangeKind says whether the profile's min/max of a column are dates the loaded values can be
// compared with: the profile renders them by its inferred type.
func rangeKind(t contract.Type, inferred string) bool {
	switch t {
	case contract.Date, contract.Timestamp:
		return inferred == string(contract.Date) || inferred == string(contract.Timestamp)
	case contract.Timestamptz:
		return inferred == string(contract.Timestamptz)
	case contract.Month:
		return inferred == string(contract.Month)
	}
	return false
}

// NullTolerance is how far a sample of n rows may stray from a null ratio p.
func NullTolerance(c contract.Canary, p float64, n int64) float64 {
	if n <= 0 {
		return c.NullSlack
	}
	return c.NullSlack + c.NullSigmas*math.Sqrt(p*(1-p)/float64(n))
}

// Check compares what was observed with what was expected and returns every failure, in
// contract order, then the queries'.
func Check(e *Expectation, o *Observed, tol contract.Canary) []Failure {
	var out []Failure
	for _, te := range e.Tables {
		to := findTable(o, te.Table)
		if to == nil {
			out = append(out, Failure{Table: te.Table, Check: "table", Message: fmt.Sprintf("%s: the table was not loaded", te.Table)})
			continue
		}
		if to.Rows != te.Rows {
			out = append(out, Failure{Table: te.Table, Check: "rows",
				Message: fmt.Sprintf("%s: %d rows loaded, the sample holds %d", te.Table, to.Rows, te.Rows)})
		}
		for _, ce := range te.Columns {
			out = append(out, checkColumn(te.Table, ce, to, tol)...)
		}
	}
	for _, q := range o.Queries {
		if q.Error != "" {
			out = append(out, Failure{Check: "query", Message: fmt.Sprintf("query %s: %s", q.Name, q.Error)})
		}
	}
	return out
}

func findTable(o *Observed, name string) *TableObserved {
	for i := range o.Tables {
		if o.Tables[i].Table == name {
			return &o.Tables[i]
		}
	}
	return nil
}

func checkColumn(table string, ce ColumnExpect, to *TableObserved, tol contract.Canary) []Failure {
	var co *ColumnObserved
	for i := range to.Columns {
		if to.Columns[i].Name == ce.Name {
			co = &to.Columns[i]
		}
	}
	fail := func(check, format string, args ...any) Failure {
		return Failure{Table: table, Column: ce.Name, Check: check, Message: table + "." + ce.Name + ": " + fmt.Sprintf(format, args...)}
	}
	if co == nil {
		return []Failure{fail("column", "the column is missing")}
	}
	var out []Failure
	if co.Type != ce.Type {
		out = append(out, fail("type", "type %s, the contract says %s", co.Type, ce.Type))
	}
	if ce.ProfileRows > 0 && to.Rows > 0 {
		got := float64(co.Nulls) / float64(to.Rows)
		if d, t := math.Abs(got-ce.NullRatio), NullTolerance(tol, ce.NullRatio, to.Rows); d > t {
			out = append(out, fail("null_ratio", "null ratio %.3f in the sample, the profile's is %.3f (tolerance %.3f for %d rows)", got, ce.NullRatio, t, to.Rows))
		}
	}
	if ce.Kind != "" && co.Min != "" {
		if below(ce.Kind, co.Min, ce.Min) || below(ce.Kind, ce.Max, co.Max) {
			out = append(out, fail("range", "values %s .. %s, outside the profile's range %s .. %s", co.Min, co.Max, ce.Min, ce.Max))
		}
	}
	return out
}

// below reports a < b for two values of a date kind; values that do not parse never fail
// (the type check speaks for a column whose values are not dates).
func below(kind contract.Type, a, b string) bool {
	if kind == contract.Month {
		return a < b
	}
	ta, errA := parseDate(a)
	tb, errB := parseDate(b)
	return errA == nil && errB == nil && ta.Before(tb)
}

func parseDate(s string) (time.Time, error) {
	s = strings.TrimSuffix(s, "+00") // a timestamptz's canonical UTC instant
	if len(s) == len(time.DateOnly) {
		return time.Parse(time.DateOnly, s)
	}
	return time.Parse("2006-01-02 15:04:05.999999999", s)
}

// DefaultQueries are the dashboards' basic queries, until the KPI queries ship: per table a
// count, and a group-by on its first stratum column (else its first column), the shape of a
// dashboard's breakdown panel.
func DefaultQueries(s *contract.Spec) []Query {
	var out []Query
	for _, t := range s.Tables {
		tbl := quoteIdent(t.Name)
		out = append(out, Query{Name: t.Name + " count", SQL: "SELECT count(*) FROM " + tbl})
		col := t.Columns[0].Name
		if t.Sample != nil && len(t.Sample.Strata) > 0 {
			col = t.Sample.Strata[0].Column
		}
		c := quoteIdent(col)
		out = append(out, Query{Name: t.Name + " by " + col,
			SQL: fmt.Sprintf("SELECT %s, count(*) FROM %s GROUP BY 1 ORDER BY 2 DESC LIMIT 50", c, tbl)})
	}
	return out
}

// quoteIdent quotes an SQL identifier the standard way (double quotes, doubled inside).
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Message joins failures into the one line a run ends with.
func Message(fs []Failure) string {
	const most = 8
	parts := make([]string, 0, most+1)
	for i, f := range fs {
		if i == most {
			parts = append(parts, fmt.Sprintf("and %d more", len(fs)-most))
			break
		}
		parts = append(parts, f.Message)
	}
	return strings.Join(parts, "; ")
}
