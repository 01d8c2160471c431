package quality

import (
	"context"
	"fmt"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

// PartSource is a Source that can read a table's rows in contiguous parts at once (the loaded
// schema, on two connections): each part is measured by an accumulator of its own, and the
// parts merged in row order measure exactly what one pass over every row would (merge).
type PartSource interface {
	Source
	// RowParts reads t's rows as Rows does, in contiguous parts: it calls part once for each
	// part, in the parts' row order, before any row is read, and gives each part's rows, in
	// order, to the function part returned for it. The functions of different parts may run
	// at once, each from one goroutine. An error from any part fails the whole read.
	RowParts(ctx context.Context, t *contract.Table, part func() func(row []string) error) error
}

// readParts measures t's rows through src's parts, merged in order.
func readParts(ctx context.Context, src PartSource, s *contract.Spec, t *contract.Table, now time.Time) (*accumulator, error) {
	var parts []*accumulator
	err := src.RowParts(ctx, t, func() func([]string) error {
		p := newAccumulator(s, t, now)
		parts = append(parts, p)
		return p.add
	})
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%s: read in no parts", t.Name)
	}
	a := parts[0]
	for _, p := range parts[1:] {
		a.merge(p)
	}
	return a, nil
}

// merge adds to a what b measured, as if b's rows had been added after a's own: counts add,
// and each example list takes b's examples, in order, while it has room and they are new.
// That is exact: a list with room holds every distinct example of its part, and b's list
// (its first maxExamples distinct ones) holds at least as many examples a lacks as a has room
// for, in the order the one pass would have met them.
func (a *accumulator) merge(b *accumulator) { a.mergeWith(b, mergeExamples) }

// mergeWith is merge with the example lists combined by ex (the tests' wrong ones too).
func (a *accumulator) mergeWith(b *accumulator, ex func(kept, later []string) []string) {
	a.rows += b.rows
	for i := range a.cols {
		a.cols[i].m.merge(b.cols[i].m, ex)
	}
	for i, o := range a.orders {
		po := b.orders[i].m
		o.m.Compared += po.Compared
		o.m.Violations += po.Violations
		o.m.Examples = ex(o.m.Examples, po.Examples)
	}
	for i, sc := range a.shares {
		sc.m.Values += b.shares[i].m.Values
		sc.m.Matches += b.shares[i].m.Matches
	}
}

// merge adds column d (the later rows) to m. The maps are made only when an entry is, as a
// pass makes them.
func (m *ColumnMetrics) merge(d *ColumnMetrics, ex func(kept, later []string) []string) {
	m.NonNull += d.NonNull
	mi, di := m.issues(), d.issues()
	for k := range mi {
		mi[k].N += di[k].N
		mi[k].Examples = ex(mi[k].Examples, di[k].Examples)
	}
	for n, di := range d.AtLength {
		if m.AtLength == nil {
			m.AtLength = map[int]*Issue{}
		}
		if m.AtLength[n] == nil {
			m.AtLength[n] = &Issue{}
		}
		m.AtLength[n].N += di.N
		m.AtLength[n].Examples = ex(m.AtLength[n].Examples, di.Examples)
	}
	for n, k := range d.Longer {
		if m.Longer == nil {
			m.Longer = map[int]int64{}
		}
		m.Longer[n] += k
	}
}

// mergeExamples is kept with later's examples added as a pass adds them (see merge).
func mergeExamples(kept, later []string) []string {
	for _, e := range later {
		if len(kept) >= maxExamples {
			break
		}
		kept = addExample(kept, e)
	}
	return kept
}
