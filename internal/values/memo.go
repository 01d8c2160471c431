package values

import (
	"unsafe"

	"github.com/sdetl/sdetl/internal/contract"
)

// LastValue is one column's memory of its last short value and its normalised result, for
// the readers that normalise a column cell after cell (the clean's reader, the quality
// accumulator): a column often repeats the value of the row before it (an incident's events
// share its caller, category and opening time; empty cells follow empty cells), 55% of the
// event log's cells and 30-50% of the generator's tables'. NormalizeColumn is a pure function
// of the column and the raw text (a Normalizer never changes), so the remembered result is
// the one the normaliser would give again; a value that does not normalise is not remembered
// (its error carries the raw value).
//
// Bounded: one value of at most MemoMaxLen bytes, copied into the memo's own array, so raw may
// lie in memory its reader reuses. The result's Value is not kept when it lies inside the raw
// text (the value as it came, or trimmed): a hit returns the same part of the raw text it is
// given, which has the same bytes, so the value lives exactly as long as without the memo.
// The zero LastValue is empty; one goroutine uses it at a time, always with the same column
// and normaliser.
type LastValue struct {
	raw      [MemoMaxLen]byte
	n        int  // raw[:n] is the value, when ok
	ok       bool // a value is remembered
	inRaw    bool // the result's Value is raw[off:off+len]
	off, len int
	res      Result // Value set only when !inRaw
}

// MemoMaxLen is the longest raw value a LastValue remembers, in bytes.
const MemoMaxLen = 64

// NormalizeColumn is n.NormalizeColumn(c, raw).
func (lv *LastValue) NormalizeColumn(n *Normalizer, c *contract.Column, raw string) (Result, error) {
	if len(raw) > MemoMaxLen {
		return n.NormalizeColumn(c, raw)
	}
	if lv.ok && lv.n == len(raw) && string(lv.raw[:lv.n]) == raw {
		r := lv.res
		if lv.inRaw {
			r.Value = raw[lv.off : lv.off+lv.len]
		}
		return r, nil
	}
	r, err := n.NormalizeColumn(c, raw)
	if err != nil {
		lv.ok = false
		return r, err
	}
	lv.n, lv.ok = copy(lv.raw[:], raw), true
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
