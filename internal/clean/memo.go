package clean

import (
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// normMemo is the normaliser's: values.Normalizer.NormalizeColumn, remembering per
// column the last short value and its result (values.LastValue). Used by one goroutine (the
// normaliser's).
type normMemo struct {
	n     *values.Normalizer
	cols  map[*contract.Column]*lastValue
	order []*lastValue // in the order the normaliser asks (contract order): next is usually the one
	next  int
}

const memoMaxLen = values.MemoMaxLen // longest value remembered, in bytes

// lastValue is one column's memo.
type lastValue struct {
	col  *contract.Column
	idx  int // in normMemo.order
	last values.LastValue
}

func newNormMemo(n *values.Normalizer, s *contract.Spec) *normMemo {
	nm := &normMemo{n: n, cols: map[*contract.Column]*lastValue{}}
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			lv := &lastValue{col: c, idx: len(nm.order)}
			nm.cols[c], nm.order = lv, append(nm.order, lv)
		}
	}
	return nm
}

// NormalizeColumn is n.NormalizeColumn(c, raw).
func (nm *normMemo) NormalizeColumn(c *contract.Column, raw string) (values.Result, error) {
	if lv := nm.column(c); lv != nil {
		return lv.last.NormalizeColumn(nm.n, c, raw)
	}
	return nm.n.NormalizeColumn(c, raw)
}

// column is c's memo (nil for a column of no table of the spec).
func (nm *normMemo) column(c *contract.Column) *lastValue {
	if nm.next < len(nm.order) && nm.order[nm.next].col == c {
		lv := nm.order[nm.next]
		nm.next++
		return lv
	}
	lv := nm.cols[c] // once per row, when the normaliser starts the next
	if lv != nil {
		nm.next = lv.idx + 1
	}
	return lv
}

// lastBoxes hands out a column's clean value as an interface value, boxing a string only when
// it differs from the column's value in the row before: a string in an interface is an
// allocation, and most of a clean row's cells repeat the previous row's (normMemo). Only
// values of at most memoMaxLen bytes are compared and kept, one per column (a kept value may
// hold the text of the row it came from alive: a few rows' at most). v must stay unchanged
// while rows hold it, as any clean row value must. Used by the normaliser's goroutine.
type lastBoxes struct {
	vals []any // by column: the last boxed string, or nil
}

// of is v as an interface value for column i of a table of n columns.
func (lb *lastBoxes) of(i, n int, v string) any {
	if len(lb.vals) != n {
		lb.vals = make([]any, n)
	}
	if len(v) > memoMaxLen {
		return v
	}
	if s, ok := lb.vals[i].(string); ok && s == v {
		return lb.vals[i]
	}
	var x any = v
	lb.vals[i] = x
	return x
}
