package clean

import (
	"unsafe"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// normMemo is the reader's normaliser: values.Normalizer.NormalizeColumn, remembering per
// column the last short value and its result. A column often repeats the value of the row
// before it (an incident's events share its caller, category, opening time; empty cells
// follow empty cells): 55% of the event log's cells and 30-50% of the generator's tables'.
// NormalizeColumn is a pure function of the column and the raw text (the Normalizer is
// immutable), so the remembered result is the one the normaliser would give again; a value
// that does not normalise is not remembered (its error carries the raw value).
//
// Bounded: one value of at most memoMaxLen bytes per column, copied into the memo's own
// buffer, so raw may lie in memory the reader reuses. The result's Value is not kept when it
// lies inside the raw text (the value as it came, or trimmed): a hit returns the same part of
// the raw text it is given, which has the same bytes, so the value lives exactly as long as
// without the memo.
//
// Used by one goroutine (the reader's).
type normMemo struct {
	n     *values.Normalizer
	cols  map[*contract.Column]*lastValue
	order []*lastValue // in the order the reader asks (contract order): next is usually the one
	next  int
}

const memoMaxLen = 64 // longest raw value remembered, in bytes

// lastValue is one column's last remembered value and its result.
type lastValue struct {
	col      *contract.Column
	idx      int // in normMemo.order
	raw      [memoMaxLen]byte
	n        int  // raw[:n] is the value; -1: none
	inRaw    bool // the result's Value is raw[off:off+len]
	off, len int
	res      values.Result // Value set only when !inRaw
}

func newNormMemo(n *values.Normalizer, s *contract.Spec) *normMemo {
	nm := &normMemo{n: n, cols: map[*contract.Column]*lastValue{}}
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			lv := &lastValue{col: c, idx: len(nm.order), n: -1}
			nm.cols[c], nm.order = lv, append(nm.order, lv)
		}
	}
	return nm
}

// NormalizeColumn is n.NormalizeColumn(c, raw).
func (nm *normMemo) NormalizeColumn(c *contract.Column, raw string) (values.Result, error) {
	lv := nm.column(c)
	if lv == nil || len(raw) > memoMaxLen {
		return nm.n.NormalizeColumn(c, raw)
	}
	if lv.n == len(raw) && string(lv.raw[:lv.n]) == raw {
		r := lv.res
		if lv.inRaw {
			r.Value = raw[lv.off : lv.off+lv.len]
		}
		return r, nil
	}
	r, err := nm.n.NormalizeColumn(c, raw)
	if err != nil {
		lv.n = -1
		return r, err
	}
	lv.n = copy(lv.raw[:], raw)
	lv.res, lv.inRaw = r, false
	if off, ok := within(r.Value, raw); ok {
		lv.res.Value, lv.inRaw, lv.off, lv.len = "", true, off, len(r.Value)
	}
	return r, nil
}

// within reports whether v's bytes lie inside s's memory, and where.
func within(v, s string) (int, bool) {
	if len(v) == 0 || len(s) == 0 {
		return 0, false
	}
	pv, ps := uintptr(unsafe.Pointer(unsafe.StringData(v))), uintptr(unsafe.Pointer(unsafe.StringData(s)))
	if pv < ps || pv+uintptr(len(v)) > ps+uintptr(len(s)) {
		return 0, false
	}
	return int(pv - ps), true
}

// column is c's memo (nil for a column of no table of the spec).
func (nm *normMemo) column(c *contract.Column) *lastValue {
	if nm.next < len(nm.order) && nm.order[nm.next].col == c {
		lv := nm.order[nm.next]
		nm.next++
		return lv
	}
	lv := nm.cols[c] // once per row, when the reader starts the next
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
// while rows hold it, as any clean row value must. Used by the reader's goroutine.
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
