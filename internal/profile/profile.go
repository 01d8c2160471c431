// Package profile owns the profile stage (SPEC section 4): what every column of the staging
// store really holds — nulls and null sentinels, the types its values parse as, the inferred
// type and its confidence, distinct counts, min/max, date-format evidence and the date order it
// implies — compared with the contract, and the circuit breaker that halts a run whose data
// does not look like its contract.
//
// The accumulator (Table) is pure and streaming: it is fed raw text rows and keeps bounded
// state per column. FromStage feeds it from a staging store.
//
// # Report format (JSON, stable snake_case names)
//
//	spec                 contract name
//	source               what was profiled (the staging store's path)
//	sample               rows asked per table; 0 = full scan
//	thresholds           the contract's profile thresholds (min_support, min_confidence,
//	                     mismatch_columns, date_unparseable, category_max_distinct, category_max_share)
//	tables[]             per contract table:
//	  table, rows        name; rows profiled
//	  total_rows         rows in the store (differs from rows only when sampled)
//	  mismatches         contracted columns that mismatch
//	  columns[]          per contracted column, in contract order:
//	    name, contract_type
//	    rows, empty      rows; values that are '' or whitespace
//	    sentinels        {sentinel: count} for every spec sentinel (case-insensitive, trimmed)
//	    nulls, non_null  empty + sentinels; the rest
//	    parses           {candidate: non-null values parsing as it} for boolean, integer, decimal,
//	                     month, time, date, timestamp (values.Normalize decides)
//	    inferred_type    the candidate most values parse as among those with confidence >=
//	                     min_confidence (ties: the more specific); 0/1 alone is integer, numbers
//	                     with leading zeros or a leading + are text; else category (few distinct
//	                     values) or text; empty when all values are null (profile.Infer, which
//	                     spec init drafts from too)
//	    confidence       share of non-null values parsing as inferred_type (1 for category/text)
//	    suggested_type   the contract type to declare for inferred_type (flag or boolean by spelling)
//	    inference_notes  why, where the choice is not the plain majority
//	    distinct         distinct non-null values (trimmed); distinct_exact false = HyperLogLog estimate
//	    min, max         by inferred type: numeric for numbers, chronological for dates and times
//	                     (in canonical form), lexicographic otherwise; shortened to 60 characters
//	    date_forms       (date/timestamp columns) {iso, day_first, month_first, ambiguous,
//	                     excel_serial, epoch_seconds, epoch_millis, invalid} counts (values.ClassifyDate forms)
//	    date_order       (date/timestamp/timestamptz columns) {order: dmy|mdy|unresolved,
//	                     basis: evidence|conflict|ambiguous|sibling|unresolved|format|spec_hint,
//	                     contract: the contract's order, decided_by, example}:
//	                     evidence = only one order's unambiguous values seen; conflict = both seen;
//	                     ambiguous = only ambiguous d/m values, read with the contract's stated order;
//	                     sibling = only ambiguous values, decided by the table's other date columns
//	                     with evidence (decided_by names them), when the contract states no order;
//	                     unresolved = only ambiguous values, nothing decides and the order is
//	                     unresolved (the breaker halts); format = the column's format says it;
//	                     spec_hint = no d/m values at all, the contract's order (irrelevant);
//	                     example = an ambiguous value
//	    offsets          (date columns) values carrying a UTC offset (timestamptz values)
//	    number_dates     (date/timestamp columns) which bare numbers (Excel serials, epochs) are dates:
//	                     {rule: all|span, from, to, read, outside}: all = the column's dates are mostly
//	                     numbers, every one is read; span = the column's dates are text, a number is
//	                     read only within from..to (its text dates' months +-12), the rest are misfits
//	    support          share of non-null values normalising as contract_type (1 for text)
//	    mismatch         support < min_support, or a date column with conflicting date order
//	    mismatch_reason  why, in words
//	    unparseable      (date/timestamp/time columns) non-null values that do not parse as contract_type
//	    examples         up to 5 distinct values that do not fit contract_type
//	breaker              {halt, trips[]}: trip = {rule: mismatch_columns|date_unparseable|date_order_unresolved, table,
//	                     columns, share, threshold, examples}
package profile

import (
	"fmt"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// Report is a whole profile.
type Report struct {
	Spec       string           `json:"spec"`
	Source     string           `json:"source"`
	Sample     int              `json:"sample"`
	Thresholds contract.Profile `json:"thresholds"`
	Tables     []*TableReport   `json:"tables"`
	Breaker    Breaker          `json:"breaker"`
}

// TableReport profiles one table.
type TableReport struct {
	Table      string          `json:"table"`
	Rows       int64           `json:"rows"`
	TotalRows  int64           `json:"total_rows"`
	Mismatches int             `json:"mismatches"`
	Columns    []*ColumnReport `json:"columns"`
}

// ColumnReport profiles one contracted column (field meanings: see the package comment).
type ColumnReport struct {
	Name           string           `json:"name"`
	ContractType   contract.Type    `json:"contract_type"`
	Rows           int64            `json:"rows"`
	Empty          int64            `json:"empty"`
	Sentinels      map[string]int64 `json:"sentinels"`
	Nulls          int64            `json:"nulls"`
	NonNull        int64            `json:"non_null"`
	Parses         map[string]int64 `json:"parses"`
	InferredType   string           `json:"inferred_type"`
	Confidence     float64          `json:"confidence"`
	Suggested      contract.Type    `json:"suggested_type"`
	InferenceNotes []string         `json:"inference_notes,omitempty"`
	Distinct       int64            `json:"distinct"`
	DistinctExact  bool             `json:"distinct_exact"`
	Min            string           `json:"min,omitempty"`
	Max            string           `json:"max,omitempty"`
	DateForms      map[string]int64 `json:"date_forms,omitempty"`
	DateOrder      *DateOrder       `json:"date_order,omitempty"`
	NumberDates    *NumberDates     `json:"number_dates,omitempty"`
	Offsets        int64            `json:"offsets,omitempty"`
	Support        float64          `json:"support"`
	Mismatch       bool             `json:"mismatch"`
	MismatchReason string           `json:"mismatch_reason,omitempty"`
	Unparseable    int64            `json:"unparseable,omitempty"`
	Examples       []string         `json:"examples,omitempty"`
}

// DateOrder is the date order decided for a column and what it rests on.
type DateOrder struct {
	Order    contract.DateOrder `json:"order"`
	Basis    string             `json:"basis"`
	Contract contract.DateOrder `json:"contract"` // the contract's order, for comparison with evidence
	// DecidedBy names the file's other date columns whose evidence decided a sibling order.
	DecidedBy []string `json:"decided_by,omitempty"`
	Example   string   `json:"example,omitempty"` // an ambiguous value, when there is one

}

// Date-order bases.
const (
	BasisEvidence   = "evidence"   // only one order's unambiguous values were seen
	BasisConflict   = "conflict"   // both day-first-only and month-first-only values were seen
	BasisAmbiguous  = "ambiguous"  // only ambiguous d/m values: read with the contract's stated order
	BasisSibling    = "sibling"    // only ambiguous values, decided by the evidence of the file's other date columns
	BasisUnresolved = "unresolved" // only ambiguous values and nothing decides: the run refuses the column
	BasisFormat     = "format"     // the column's format says the order
	BasisSpecHint   = "spec_hint"  // no d/m values at all: the contract's order, which does not matter
)

// Inferred types besides the candidate names.
const (
	TypeCategory = "category"
	TypeText     = "text"
	TypeEmpty    = "empty"
)

// Table accumulates the profile of one table from its rows. It is not safe for concurrent use.
type Table struct {
	s    *contract.Spec
	t    *contract.Table
	cols []*column
}

// NewTable starts profiling table t of contract s.
func NewTable(s *contract.Spec, t *contract.Table) *Table {
	norm := values.NewNormalizer(s.Sentinels)
	var sentinels []string
	for _, x := range s.Sentinels {
		if x = values.TrimSpace(x); x != "" {
			sentinels = append(sentinels, x)
		}
	}
	p := &Table{s: s, t: t}
	for _, c := range t.Columns {
		p.cols = append(p.cols, newColumn(c, norm, sentinels))
	}
	return p
}

// Add feeds one row: raw text of every contracted column, in contract order.
func (p *Table) Add(row []string) error {
	if len(row) != len(p.cols) {
		return fmt.Errorf("profile %s: row has %d values, the contract %d columns", p.t.Name, len(row), len(p.cols))
	}
	for i, v := range row {
		p.cols[i].add(v)
	}
	return nil
}

// Report returns the table's profile; totalRows is the table's size when the rows fed were a
// sample (pass 0 when they were all of it).
func (p *Table) Report(totalRows int64) *TableReport {
	tr := &TableReport{Table: p.t.Name}
	for _, c := range p.cols {
		cr := c.report(&p.s.Profile)
		if cr.Mismatch {
			tr.Mismatches++
		}
		tr.Columns = append(tr.Columns, cr)
	}
	p.siblingOrders(tr)
	if len(p.cols) > 0 {
		tr.Rows = p.cols[0].rows
	}
	tr.TotalRows = max(totalRows, tr.Rows)
	return tr
}

// siblingOrders decides the columns whose own values are all ambiguous from the file's other
// date columns: one export spells its dates one way, so when every column with evidence shows
// the same order, that order is the file's. Only a column whose contract does not state an
// order gives way (a stated order is the contract's word); one that nothing decides and whose
// order is unresolved is reported so, for the run to refuse.
func (p *Table) siblingOrders(tr *TableReport) {
	var by []string
	var order contract.DateOrder
	agree := true
	for _, cr := range tr.Columns {
		if o := cr.DateOrder; o != nil && o.Basis == BasisEvidence {
			if order != "" && o.Order != order {
				agree = false
			}
			by, order = append(by, cr.Name), o.Order
		}
	}
	for i, cr := range tr.Columns {
		o, c := cr.DateOrder, p.cols[i]
		if o == nil || o.Basis != BasisAmbiguous || c.col.OrderStated {
			continue
		}
		switch {
		case len(by) > 0 && agree:
			o.Order, o.Basis, o.DecidedBy = order, BasisSibling, by
			cr.Min, cr.Max = c.minMax(cr.InferredType, o)
		case c.col.DateOrder == contract.Unresolved:
			o.Basis = BasisUnresolved
			if !agree {
				o.DecidedBy = by // the siblings disagree: named, but nothing is decided
			}
		}
	}
}

// NewReport assembles table profiles into a report and decides the circuit breaker.
func NewReport(s *contract.Spec, source string, sample int, tables []*TableReport) *Report {
	r := &Report{Spec: s.Name, Source: source, Sample: sample, Thresholds: s.Profile, Tables: tables}
	r.Breaker = decide(s, tables)
	return r
}
