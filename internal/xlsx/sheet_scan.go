package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Cell types as given by the t attribute of <c>.
type cellType uint8

const (
	tNumber     cellType = iota // t="n" or absent
	tShared                     // t="s"
	tInline                     // t="inlineStr"
	tFormulaStr                 // t="str"
	tBool                       // t="b"
	tError                      // t="e"
	tISODate                    // t="d"
)

// cellState is the <c> element being parsed.
type cellState struct {
	col      int
	typ      cellType
	style    int
	start    int  // offset of its text in Reader.buf
	hasValue bool // saw <v> or <is>
}

// readRow parses the next <row> element into r.row and r.kinds; io.EOF after
// </sheetData>.
func (r *Reader) readRow() error {
	s := r.sc
	s.skipText = true
	for { // up to the next <row>
		if err := s.next(); err != nil {
			return r.rowErr(r.rowNum+1, explain(err))
		}
		switch s.kind {
		case tokEOF:
			return r.rowErr(r.rowNum+1, errors.New("sheet data ends without </sheetData> (file truncated or corrupted)"))
		case tokEnd:
			if string(s.name) == "sheetData" {
				return io.EOF
			}
		case tokStart, tokEmpty:
			if string(s.name) != "row" {
				continue
			}
			num, err := rowAttr(s.attrs, r.rowNum)
			if err != nil {
				return fmt.Errorf("%s: %w", r.path, err) // the message has the row numbers
			}
			r.rowNum = num
			r.cells, r.buf = r.cells[:0], r.buf[:0]
			if s.kind == tokEmpty {
				if err := r.emit(); err != nil {
					return r.rowErr(r.rowNum, err)
				}
				return nil
			}
			if err := r.readCells(); err != nil {
				return r.rowErr(r.rowNum, err)
			}
			return nil
		}
	}
}

func (r *Reader) rowErr(num int, err error) error {
	return fmt.Errorf("%s: row %d: %w", r.path, num, err)
}

// readCells parses the content of a <row> up to its end tag.
func (r *Reader) readCells() error {
	s := r.sc
	var c cellState
	inCell, inV, inIs, inT, rph := false, false, false, false, 0
	prevCol := -1
	for {
		if !inCell {
			ok, err := r.fastCell(&prevCol)
			if err != nil {
				return err
			}
			if ok {
				continue
			}
		}
		if err := s.next(); err != nil {
			return explain(err)
		}
		switch s.kind {
		case tokText:
			r.buf = appendText(r.buf, s.text, s.cdata)
			if n := len(r.buf); n-c.start > r.lim.MaxCellBytes || n > r.lim.MaxRowBytes {
				return r.sizeErr(&c)
			}
		case tokStart, tokEmpty:
			switch string(s.name) {
			case "c":
				if inCell { // unclosed <c>: take what it had
					if err := r.endCell(&c); err != nil {
						return err
					}
				}
				var err error
				if c, _, err = cellAttrs(s.attrs, prevCol, r.rowNum); err != nil {
					return err
				}
				prevCol = c.col
				c.start = len(r.buf)
				inCell, inV, inIs, inT, rph = s.kind == tokStart, false, false, false, 0
			case "v":
				if inCell && !inIs {
					c.hasValue = true
					inV = s.kind == tokStart
				}
			case "is":
				if inCell {
					c.hasValue = true
					inIs = s.kind == tokStart
				}
			case "t":
				inT = inIs && s.kind == tokStart
			case "rPh":
				if inIs && s.kind == tokStart {
					rph++
				}
			}
		case tokEnd:
			switch string(s.name) {
			case "v":
				inV = false
			case "t":
				inT = false
			case "is":
				inIs = false
			case "rPh":
				rph = max(rph-1, 0)
			case "c":
				if inCell {
					if err := r.endCell(&c); err != nil {
						return err
					}
					inCell, inV, inIs = false, false, false
				}
			case "row":
				if inCell {
					if err := r.endCell(&c); err != nil {
						return err
					}
				}
				return r.emit()
			case "sheetData":
				return errors.New("row not closed before </sheetData>")
			}
		case tokEOF:
			return errors.New("unexpected end of data inside the row (file truncated or corrupted)")
		}
		s.skipText = !inCell || !(inV || (inIs && inT && rph == 0))
	}
}

// fastCell parses the common cell forms <c ...>, <c ...></c> and
// <c ...><v>text</v></c> straight from the scanner's window, which is
// several times faster than going token by token. It consumes nothing and
// returns false for anything else (inline strings, formulas, prefixed
// names, a cell cut by the window's end); the token path handles those.
func (r *Reader) fastCell(prevCol *int) (bool, error) {
	s := r.sc
	b := s.buf[s.pos:s.end]
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	s.pos += i // whitespace between cells is never a value
	b = b[i:]
	if len(b) < 4 || b[0] != '<' || b[1] != 'c' || (b[2] != ' ' && b[2] != '>' && b[2] != '/') {
		return false, nil
	}
	j := bytes.IndexByte(b, '>')
	if j < 0 {
		return false, nil
	}
	attrs, empty := b[2:j], b[j-1] == '/'
	if empty {
		attrs = b[2 : j-1]
	}
	n := j + 1
	var val []byte
	hasValue := false
	if !empty {
		rest := b[n:]
		switch {
		case bytes.HasPrefix(rest, []byte("</c>")):
			n += 4
		case bytes.HasPrefix(rest, []byte("<v>")):
			k := bytes.IndexByte(rest[3:], '<')
			if k < 0 || !bytes.HasPrefix(rest[3+k:], []byte("</v></c>")) {
				return false, nil
			}
			val, hasValue = rest[3:3+k], true
			n += 3 + k + 8
		default:
			return false, nil
		}
	}
	c, rest, err := cellAttrs(attrs, *prevCol, r.rowNum)
	if len(trimSpace(rest)) != 0 {
		return false, nil // a quoted '>' or malformed attributes: not ours
	}
	if err != nil {
		return false, err
	}
	*prevCol = c.col
	c.start, c.hasValue = len(r.buf), hasValue
	r.buf = appendText(r.buf, val, false)
	s.pos += n // val is not used past this point
	if n := len(r.buf); n-c.start > r.lim.MaxCellBytes || n > r.lim.MaxRowBytes {
		return false, r.sizeErr(&c)
	}
	return true, r.endCell(&c)
}

// sizeErr is the error of text collected for cell c, or for its row, past
// the limits. They are checked while collecting (inline, on the hot path),
// so that neither is ever held much beyond them; measured before _xHHHH_
// decoding, which only shortens: emit checks the values exactly.
func (r *Reader) sizeErr(c *cellState) error {
	if n := len(r.buf) - c.start; n > r.lim.MaxCellBytes {
		return fmt.Errorf("cell %s%d: %w", colName(c.col), r.rowNum, limitErr("value", int64(r.lim.MaxCellBytes), FlagMaxCellBytes))
	}
	if len(r.buf) > r.lim.MaxRowBytes {
		return fmt.Errorf("cell %s%d: %w", colName(c.col), r.rowNum, limitErr("row", int64(r.lim.MaxRowBytes), FlagMaxRowBytes))
	}
	return nil
}

// cellAttrs reads r, t and s of a <c> in row rowNum. A cell without r
// follows the previous one; a reference must name row rowNum (or no row) and
// a column after the previous cell's: out of order, a cell would silently
// replace another. rest is what could not be parsed as attributes (the fast
// path's check that the tag was cut at the right '>').
func cellAttrs(a []byte, prevCol, rowNum int) (c cellState, rest []byte, err error) {
	c.col = -1
	for {
		name, val, tail, ok := nextAttr(a)
		if !ok {
			break
		}
		a = tail
		switch string(name) {
		case "r":
			col, row, err := cellRef(val)
			if err != nil {
				return c, a, err
			}
			if row != 0 && row != rowNum {
				return c, a, fmt.Errorf("cell reference %.32q is not in row %d", val, rowNum)
			}
			if col <= prevCol {
				return c, a, fmt.Errorf("cell %.32q after cell %s%d: cells must be in column order, each once", val, colName(prevCol), rowNum)
			}
			c.col = col
		case "t":
			switch string(val) {
			case "n", "":
				c.typ = tNumber
			case "s":
				c.typ = tShared
			case "inlineStr":
				c.typ = tInline
			case "str":
				c.typ = tFormulaStr
			case "b":
				c.typ = tBool
			case "e":
				c.typ = tError
			case "d":
				c.typ = tISODate
			default:
				return c, a, fmt.Errorf("unknown cell type %.32q", val)
			}
		case "s":
			n, ok := atoi(val)
			if ok {
				c.style = n
			}
		}
	}
	if c.col < 0 {
		c.col = prevCol + 1
		if c.col >= maxCols {
			return c, a, fmt.Errorf("more than %d columns", maxCols)
		}
	}
	return c, a, nil
}

// cellRef converts a reference ("AB12") to a 0-based column index and its
// row number (0 if the reference has none), in one pass: it runs for every
// cell.
func cellRef(ref []byte) (col, row int, err error) {
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i] &^ 0x20 // upper case; digits fall below 'A'
		if c < 'A' || c > 'Z' {
			break
		}
		col = col*26 + int(c-'A') + 1
		if col > maxCols {
			return 0, 0, fmt.Errorf("cell reference %.32q beyond column XFD", ref)
		}
	}
	if i == 0 {
		return 0, 0, fmt.Errorf("invalid cell reference %.32q", ref)
	}
	digits := len(ref) - i
	for ; i < len(ref); i++ {
		d := ref[i] - '0'
		if d > 9 {
			return 0, 0, fmt.Errorf("invalid cell reference %.32q", ref)
		}
		if row = row*10 + int(d); row > maxRows {
			return 0, 0, fmt.Errorf("invalid cell reference %.32q", ref)
		}
	}
	if digits > 0 && row == 0 {
		return 0, 0, fmt.Errorf("invalid cell reference %.32q", ref)
	}
	return col - 1, row, nil
}

// colIndex converts the column letters of a reference ("AB12") to a 0-based
// index.
func colIndex(ref []byte) (int, error) {
	col, _, err := cellRef(ref)
	return col, err
}

// rowAttr returns the row number from r, or the one after prev. Rows must
// ascend (a repeated or earlier number would give two rows one lineage) and
// stay within Excel's 1,048,576, numbered or not.
func rowAttr(a []byte, prev int) (int, error) {
	for {
		name, val, rest, ok := nextAttr(a)
		if !ok {
			if prev >= maxRows {
				return 0, fmt.Errorf("row %d (unnumbered, after row %d) is past the format's limit of %d rows", prev+1, prev, maxRows)
			}
			return prev + 1, nil
		}
		a = rest
		if string(name) == "r" {
			n, ok := atoi(val)
			if !ok || n < 1 || n > maxRows {
				return 0, fmt.Errorf("invalid row number %.32q after row %d", val, prev)
			}
			if n <= prev {
				return 0, fmt.Errorf("row number %d after row %d: rows must be in ascending order, each once", n, prev)
			}
			return n, nil
		}
	}
}

// atoi parses a non-negative decimal of at most 9 digits.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
