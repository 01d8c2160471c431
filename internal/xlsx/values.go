package xlsx

import (
	"fmt"
	"strings"
	"time"
)

// endCell turns the text collected for c into its value and places it.
func (r *Reader) endCell(c *cellState) error {
	raw := r.buf[c.start:]
	span := cellSpan{start: c.start}
	switch c.typ {
	case tShared:
		if !c.hasValue || len(raw) == 0 {
			r.buf = r.buf[:c.start]
			return nil
		}
		idx, ok := atoi(trimSpace(raw))
		if !ok || idx >= r.sst.len() {
			return fmt.Errorf("cell %s: shared string index %.32q not in the table of %d strings", colName(c.col), raw, r.sst.len())
		}
		r.buf = r.buf[:c.start]
		span.kind, span.shared, span.sst = String, true, idx
	case tInline, tFormulaStr:
		if !c.hasValue {
			return nil
		}
		r.buf = r.buf[:c.start+len(decodeXInPlace(raw))]
		span.kind = String
	case tBool:
		if !c.hasValue {
			return nil
		}
		switch strings.ToLower(string(trimSpace(raw))) {
		case "1", "true":
			r.buf = append(r.buf[:c.start], "TRUE"...)
		case "0", "false":
			r.buf = append(r.buf[:c.start], "FALSE"...)
		}
		span.kind = Bool
	case tError:
		if !c.hasValue {
			return nil
		}
		span.kind = Error
	case tISODate:
		if len(raw) == 0 {
			return nil
		}
		span.kind = String
		if b, ok := isoDate(r.buf[len(r.buf):], raw); ok {
			r.buf = append(r.buf[:c.start], b...)
			span.kind = Date
		}
	default:
		if len(raw) == 0 {
			return nil
		}
		span.kind = Number
		if c.style < len(r.styles) && r.styles[c.style] != notDate {
			if b, ok := r.dateText(r.buf[len(r.buf):], raw, r.styles[c.style]); ok {
				r.buf = append(r.buf[:c.start], b...)
				span.kind = Date
			}
		}
	}
	span.end = len(r.buf)
	for len(r.cells) <= c.col {
		r.cells = append(r.cells, cellSpan{})
	}
	r.cells[c.col] = span
	return nil
}

// dateText appends the ISO form of serial number text to dst. ok is false
// if the text is not a number or not a representable date.
func (r *Reader) dateText(dst, raw []byte, cl dateClass) ([]byte, bool) {
	whole, total, ok := serialMillis(raw)
	if !ok {
		return nil, false
	}
	if cl == hasTimePart { // time of day only: the date part is irrelevant
		return appendISO(dst, 0, total%msPerDay, false, true), true
	}
	days, ms, ok := serialDays(whole, total, r.date1904)
	if !ok {
		return nil, false
	}
	return appendISO(dst, days, ms, true, cl&hasTimePart != 0), true
}

// isoDate converts a t="d" value (ISO 8601) to the reader's date text; the
// offset, if any, is dropped (wall clock kept). A fraction of a second is kept
// as written (to the nanosecond), never rounded: the clean stage keeps up to
// microseconds and refuses anything finer.
func isoDate(dst, raw []byte) ([]byte, bool) {
	s := string(raw)
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02"} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if layout == "2006-01-02" {
			return t.AppendFormat(dst, "2006-01-02"), true
		}
		return t.AppendFormat(dst, "2006-01-02 15:04:05.999999999"), true
	}
	if len(s) >= 8 && s[2] == ':' { // time only, "15:04:05"
		if t, err := time.Parse("15:04:05.999999999", s); err == nil {
			return t.AppendFormat(dst, "15:04:05.999999999"), true
		}
	}
	return nil, false
}

// emit builds r.row and r.kinds from the parsed cells: one string
// allocation for the row's own text, shared strings referenced directly.
// It fails only if a spilled shared-strings chunk cannot be read back.
func (r *Reader) emit() error {
	n := len(r.cells)
	for n > 0 && r.cells[n-1].kind == Empty {
		n--
	}
	text := string(r.buf)
	r.row, r.kinds = r.row[:0], r.kinds[:0]
	for _, c := range r.cells[:n] {
		v := ""
		switch {
		case c.shared:
			var err error
			if v, err = r.sst.get(c.sst); err != nil {
				return err
			}
		case c.kind != Empty:
			v = text[c.start:c.end]
		}
		r.row = append(r.row, v)
		r.kinds = append(r.kinds, c.kind)
	}
	return nil
}
