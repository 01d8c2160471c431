package xlsx

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
		if !ok || idx >= r.sst.len() && !r.prefix { // a prefix is read on for the row (emit)
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
		} else if c.col < len(r.numDates) && r.numDates[c.col] != notDate {
			if b, ok := r.serialText(r.buf[len(r.buf):], raw); ok {
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

// serialText is dateText for a number in a column SetDateColumns named: the
// date, and the time of day only when there is one, so that nothing is
// dropped.
func (r *Reader) serialText(dst, raw []byte) ([]byte, bool) {
	whole, total, ok := serialMillis(raw)
	if !ok {
		return nil, false
	}
	days, ms, ok := serialDays(whole, total, r.date1904)
	if !ok {
		return nil, false
	}
	return appendISO(dst, days, ms, true, ms != 0), true
}

// SetDateColumns names the columns (by 0-based index) whose numbers are
// dates to the caller: in a 1904 workbook their General-formatted numbers
// are returned as Date cells, read in the 1904 date system like the
// date-formatted ones, so that every serial of a workbook is read in its one
// date system. In a 1900 workbook it does nothing: a bare serial means what
// the clean stage reads it as.
func (r *Reader) SetDateColumns(cols []bool) {
	r.numDates = nil
	if !r.date1904 {
		return
	}
	r.numDates = make([]dateClass, len(cols))
	for i, d := range cols {
		if d {
			r.numDates[i] = dateTimePart
		}
	}
}

// Date1904 reports whether the workbook uses the 1904 date system.
func (r *Reader) Date1904() bool { return r.date1904 }

// isoDate converts a t="d" value (ISO 8601) to the reader's date text. A
// fraction of a second is kept as written (to the nanosecond), never rounded:
// the clean stage keeps up to microseconds and refuses anything finer. A
// value with an offset (or Z) is not a wall-clock time: it is returned as the
// string it is (ok false), for the clean stage to refuse, rather than shifted
// or stripped (docs/design.md).
func isoDate(dst, raw []byte) ([]byte, bool) {
	s := string(raw)
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
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

// readPrefix reads the shared strings (OpenPrefix) as far as the row's first n cells refer to
// them, and fails on a cell that refers past the table's end as endCell does for the whole.
func (r *Reader) readPrefix(n int) error {
	need := 0
	for _, c := range r.cells[:n] {
		if c.shared {
			need = max(need, c.sst+1)
		}
	}
	if need > r.sst.len() && r.sstPart != nil {
		t, err := readSSTPrefix(r.sstPart, r.lim, need)
		if err != nil {
			return err // the caller names the file and row
		}
		r.sst.close()
		r.sst = t
	}
	for i, c := range r.cells[:n] {
		if c.shared && c.sst >= r.sst.len() {
			return fmt.Errorf("cell %s: shared string index %d not in the table of %d strings", r.ref(i), c.sst, r.sst.len())
		}
	}
	return nil
}

// emit builds r.row and r.kinds from the parsed cells: one string
// allocation for the row's own text, shared strings referenced directly.
// It fails if a value is not UTF-8, if the row's values or all values so far
// are past the limits, or if a spilled shared-strings chunk cannot be read
// back.
func (r *Reader) emit() error {
	n := len(r.cells)
	for n > 0 && r.cells[n-1].kind == Empty {
		n--
	}
	if r.prefix {
		if err := r.readPrefix(n); err != nil {
			return err
		}
	}
	if !utf8.Valid(r.buf) {
		return r.invalidUTF8()
	}
	text := string(r.buf)
	r.row, r.kinds = r.row[:0], r.kinds[:0]
	size := r.expanded
	maxCell, maxSize := r.lim.MaxCellBytes, r.expanded+int64(r.lim.MaxRowBytes) // loaded once: this loop runs per cell
	for i, c := range r.cells[:n] {
		v := ""
		switch {
		case c.shared:
			if r.sst.bad != nil {
				if err := r.sst.problem(c.sst, r.lim); err != nil {
					return fmt.Errorf("cell %s: %w", r.ref(i), err)
				}
			}
			var err error
			if v, err = r.sst.get(c.sst); err != nil {
				return err
			}
		case c.kind != Empty:
			// Checked while collected too; this is exact (a date or boolean
			// is longer than the number it was).
			if v = text[c.start:c.end]; len(v) > maxCell {
				return fmt.Errorf("cell %s: %w", r.ref(i), limitErr("value", int64(r.lim.MaxCellBytes), FlagMaxCellBytes))
			}
		}
		// Shared strings are where a small workbook yields much text: a row
		// and the sheet are bounded by what they yield, not what they store.
		if size += int64(len(v)); size > maxSize {
			return fmt.Errorf("cell %s: %w", r.ref(i), limitErr("row", int64(r.lim.MaxRowBytes), FlagMaxRowBytes))
		}
		r.row = append(r.row, v)
		r.kinds = append(r.kinds, c.kind)
	}
	if size > r.budget {
		return fmt.Errorf("cell %s: the sheet's values are longer than %d bytes together, %d times its uncompressed size (limit --%s)",
			r.ref(n-1), r.budget, r.lim.MaxExpansion, FlagMaxExpansion)
	}
	r.expanded = size
	return nil
}

// ref is the reference of column i in the current row ("B7").
func (r *Reader) ref(i int) string { return colName(i) + strconv.Itoa(r.rowNum) }

// invalidUTF8 names the first cell of the row whose own text is not UTF-8.
func (r *Reader) invalidUTF8() error {
	for i, c := range r.cells {
		if !c.shared && c.kind != Empty && !utf8.Valid(r.buf[c.start:c.end]) {
			return fmt.Errorf("cell %s: value is not valid UTF-8", r.ref(i))
		}
	}
	return fmt.Errorf("row %d: text is not valid UTF-8", r.rowNum) // text outside any value: cannot happen
}
