package quality

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

// Collector measures a store while its writer produces it, so scoring the store needs no
// second pass over its rows. The writer feeds each table's rows (Table, then Add) exactly as
// the store will return them; Finish then asks the finished store only for what is measured
// in its own SQL (columns, key uniqueness, orphans). The metrics are those Collect would
// measure on the finished store: a table the writer did not feed, or whose examples Remove
// could not take back exactly, is read from the store.
type Collector struct {
	s      *contract.Spec
	now    time.Time
	m      *Metrics
	tables map[string]*TableCollector
}

// NewCollector starts measuring a store of s; now fixes the plausible date window, as for
// Collect.
func NewCollector(s *contract.Spec, now time.Time) *Collector {
	return &Collector{s: s, now: now, tables: map[string]*TableCollector{},
		m: &Metrics{Tables: map[string]*TableMetrics{}, Orders: map[string]*OrderMetrics{},
			Refs: map[string]*RefMetrics{}, Shares: map[string]*ShareMetrics{}}}
}

// TableCollector measures one table's rows as they are written. It is not safe for
// concurrent use; one goroutine feeds a table, and Finish runs after the feeding is done.
type TableCollector struct {
	c      *Collector
	t      *contract.Table
	a      *accumulator
	rescan bool // a removed row may have given an example: Finish reads the table again
}

// Table starts measuring t, replacing anything fed for it before.
func (c *Collector) Table(t *contract.Table) *TableCollector {
	c.m.Tables[t.Name] = &TableMetrics{Cols: map[string]*ColumnMetrics{}}
	tc := &TableCollector{c: c, t: t, a: newAccumulator(c.s, t, c.m, c.now)}
	c.tables[t.Name] = tc
	return tc
}

// Add measures one row as the store will return it: the contracted columns as text in
// contract order, NULL as "", in the order the store's Rows will return them. row is not kept.
func (tc *TableCollector) Add(row []string) error { return tc.a.add(row) }

// Remove takes back a row that was added but is not in the finished store (a duplicate the
// writer deleted). Its counts are subtracted exactly. The examples keep the first few
// distinct values in row order, so they cannot be subtracted: when the removed row's own
// example of any measure is among the kept ones, Finish reads the table from the store.
func (tc *TableCollector) Remove(row []string) error {
	// Measure the row alone with the same accumulator, then subtract what it counted.
	probe := &Metrics{Tables: map[string]*TableMetrics{tc.t.Name: {Cols: map[string]*ColumnMetrics{}}},
		Orders: map[string]*OrderMetrics{}, Refs: map[string]*RefMetrics{}, Shares: map[string]*ShareMetrics{}}
	p := newAccumulator(tc.c.s, tc.t, probe, tc.c.now)
	if err := p.add(row); err != nil {
		return err
	}
	a := tc.a
	a.rows--
	for i := range a.cols {
		if !a.cols[i].m.subtract(p.cols[i].m) {
			tc.rescan = true
		}
	}
	for i, o := range a.orders {
		po := p.orders[i].m
		o.m.Compared -= po.Compared
		o.m.Violations -= po.Violations
		if shared(o.m.Examples, po.Examples) {
			tc.rescan = true
		}
	}
	for i, sc := range a.shares {
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
			delete(m.Longer, n) // as if never counted: a scan creates an entry only for a count
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

// Finish completes the metrics from src, the finished store: each table's columns (a missing
// one is an error wrapping ErrMissing, as for Collect), its natural-key uniqueness, the
// orphans, and the rows of every table not fed or not taken back exactly.
func (c *Collector) Finish(ctx context.Context, src Source) (*Metrics, error) {
	c.m.Source = src.Name()
	for _, t := range c.s.Tables {
		var a *accumulator
		if tc := c.tables[t.Name]; tc != nil && !tc.rescan {
			a = tc.a
		}
		if err := collectTable(ctx, c.s, src, t, c.m, c.now, a); err != nil {
			return nil, fmt.Errorf("quality %s: %s: %w", src.Name(), t.Name, err)
		}
	}
	for _, r := range c.s.Quality.References {
		rm, err := src.Orphans(ctx, c.s, r)
		if err != nil {
			return nil, fmt.Errorf("quality %s: orphans %s: %w", src.Name(), RefKey(r), err)
		}
		c.m.Refs[RefKey(r)] = rm
	}
	return c.m, nil
}

// Score finishes the metrics and scores them: the report Score gives on the finished store.
func (c *Collector) Score(ctx context.Context, src Source) (*Report, error) {
	m, err := c.Finish(ctx, src)
	if err != nil {
		return nil, err
	}
	return Evaluate(c.s, m, c.now)
}
