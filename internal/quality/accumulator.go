package quality

import (
	"slices"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

// Accumulator measures one table's rows as a stage writes them, so that the store's score
// needs no second pass over the table: feed it every row the store will hold, then hand it to
// ScoreFed (or CollectFed) by table name. Keys and orphans are set-level and are still computed
// by the Source in its SQL; everything else comes from the accumulator.
//
// The result equals Score's exactly when the rows fed are exactly the rows the Source's Rows
// would return, in the same order (the examples are the first ones found): for a SQLite store
// written by appending, its insertion order. A stage that deletes rows it fed takes them back
// with Remove; one that replaces rows must not use the accumulator for that table (score it
// with a pass instead).
//
// Rows are the contracted columns as text, in contract order, NULL as "" (raw text for the
// staging store, canonical text for the clean store). It is not safe for concurrent use.
type Accumulator struct {
	a   *accumulator
	s   *contract.Spec
	now time.Time
	// inexact: a removed row may have given one of the kept examples, so ScoreFed reads the
	// table from the store instead.
	inexact bool
}

// NewAccumulator starts measuring table t of contract s. now fixes the plausible date window
// and must be the now later given to ScoreFed.
func NewAccumulator(s *contract.Spec, t *contract.Table, now time.Time) *Accumulator {
	return &Accumulator{a: newAccumulator(s, t, now), s: s, now: now}
}

// Add measures one row. It does not keep row.
func (a *Accumulator) Add(row []string) error { return a.a.add(row) }

// Rows is the number of rows measured.
func (a *Accumulator) Rows() int64 { return a.a.rows }

// Remove takes back a row that was added but is not in the finished store (a duplicate the
// stage deleted). Its counts are subtracted exactly. The examples keep the first few distinct
// values in row order, so they cannot be subtracted: when the removed row's own example of
// any measure is among the kept ones, ScoreFed reads the table from the store instead.
func (a *Accumulator) Remove(row []string) error {
	// Measure the row alone with the same checks, then subtract what it counted.
	p := newAccumulator(a.s, a.a.t, a.now)
	if err := p.add(row); err != nil {
		return err
	}
	m := a.a
	m.rows--
	for i := range m.cols {
		if !m.cols[i].m.subtract(p.cols[i].m) {
			a.inexact = true
		}
	}
	for i, o := range m.orders {
		po := p.orders[i].m
		o.m.Compared -= po.Compared
		o.m.Violations -= po.Violations
		if shared(o.m.Examples, po.Examples) {
			a.inexact = true
		}
	}
	for i, sc := range m.shares {
		sc.m.Values -= p.shares[i].m.Values
		sc.m.Matches -= p.shares[i].m.Matches
	}
	return nil
}

// subtract takes p's counts (one row's) out of m, reporting false when one of p's examples is
// among m's (m's examples may then be wrong).
func (m *ColumnMetrics) subtract(p *ColumnMetrics) bool {
	exact := true
	m.NonNull -= p.NonNull
	mi, pi := m.issues(), p.issues()
	for k := range mi {
		mi[k].N -= pi[k].N
		if shared(mi[k].Examples, pi[k].Examples) {
			exact = false
		}
	}
	for n, pa := range p.AtLength {
		ma := m.AtLength[n] // the row was added, so the entry exists
		ma.N -= pa.N
		if shared(ma.Examples, pa.Examples) {
			exact = false
		}
	}
	for n, k := range p.Longer {
		if m.Longer[n] -= k; m.Longer[n] == 0 {
			delete(m.Longer, n) // as if never counted: a pass creates an entry only for a count
		}
	}
	if len(m.Longer) == 0 {
		m.Longer = nil
	}
	return exact
}

// issues lists every Issue of the column, for the arithmetic over all of them.
func (m *ColumnMetrics) issues() []*Issue {
	return []*Issue{&m.Invalid, &m.Reformatted, &m.NotPositive, &m.OutOfRange, &m.TooLong, &m.NUL, &m.NewlineRun, &m.Ellipsis}
}

func shared(kept, row []string) bool {
	for _, e := range row {
		if slices.Contains(kept, e) {
			return true
		}
	}
	return false
}
