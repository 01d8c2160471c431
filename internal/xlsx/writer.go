package xlsx

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Spreadsheet limits of the file format.
const (
	maxRows = 1 << 20
	maxCols = 1 << 14
)

// sstMaxLen is the length from which strings are written inline rather
// than into the shared string table: long unique texts would only bloat the
// in-memory table.
const sstMaxLen = 256

// zipTime is the modification time of every entry, so that the same rows
// give a byte-identical file.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Writer streams one worksheet named "Sheet1" into an XLSX file.
type Writer struct {
	zw    *zip.Writer
	sheet *bufio.Writer
	buf   []byte
	row   int
	cols  []string // column letters by index, grown on demand
	sst   map[string]int
	strs  []string // shared strings in index order
	err   error
}

// NewWriter starts a workbook on w. Close must be called to finish it; Close
// does not close w.
func NewWriter(w io.Writer) (*Writer, error) {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.DefaultCompression)
	})
	fw, err := createEntry(zw, "xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, err
	}
	sw := &Writer{zw: zw, sheet: bufio.NewWriterSize(fw, 64<<10), sst: make(map[string]int)}
	if _, err := sw.sheet.WriteString(xmlHeader + `<worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheetData>`); err != nil {
		return nil, err
	}
	return sw, nil
}

func createEntry(zw *zip.Writer, name string) (io.Writer, error) {
	return zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime})
}

// WriteRow writes the next row (rows are numbered 1, 2, 3, ...). Empty cells
// are omitted. An error is sticky: later calls return it again.
func (w *Writer) WriteRow(cells []Cell) error {
	if w.err != nil {
		return w.err
	}
	if w.row >= maxRows {
		w.err = fmt.Errorf("xlsx: more than %d rows", maxRows)
		return w.err
	}
	if len(cells) > maxCols {
		w.err = fmt.Errorf("xlsx: row %d has %d cells, more than %d", w.row+1, len(cells), maxCols)
		return w.err
	}
	w.row++
	rowText := strconv.Itoa(w.row)
	b := append(w.buf[:0], `<row r="`...)
	b = append(b, rowText...)
	b = append(b, `">`...)
	for i, c := range cells {
		if c.Kind == Empty {
			continue
		}
		b = append(b, `<c r="`...)
		b = append(b, w.col(i)...)
		b = append(b, rowText...)
		switch c.Kind {
		case String:
			if len(c.Text) < sstMaxLen {
				idx, ok := w.sst[c.Text]
				if !ok {
					idx = len(w.strs)
					w.sst[c.Text] = idx
					w.strs = append(w.strs, c.Text)
				}
				b = append(b, `" t="s"><v>`...)
				b = strconv.AppendInt(b, int64(idx), 10)
				b = append(b, `</v></c>`...)
			} else {
				b = append(b, `" t="inlineStr"><is><t xml:space="preserve">`...)
				b = appendEscaped(b, c.Text)
				b = append(b, `</t></is></c>`...)
			}
		case Number:
			if !validNumber(c.Text) {
				w.err = fmt.Errorf("xlsx: row %d cell %d: invalid number %.32q", w.row, i+1, c.Text)
				return w.err
			}
			b = append(b, `"><v>`...)
			b = append(b, c.Text...)
			b = append(b, `</v></c>`...)
		case Bool:
			if c.Text != "0" && c.Text != "1" {
				w.err = fmt.Errorf("xlsx: row %d cell %d: invalid boolean %q (want 1 or 0)", w.row, i+1, c.Text)
				return w.err
			}
			b = append(b, `" t="b"><v>`...)
			b = append(b, c.Text...)
			b = append(b, `</v></c>`...)
		case Error:
			b = append(b, `" t="e"><v>`...)
			b = appendEscaped(b, c.Text)
			b = append(b, `</v></c>`...)
		case Date:
			if c.Format > TimeOnly {
				w.err = fmt.Errorf("xlsx: row %d cell %d: unknown date format %d", w.row, i+1, c.Format)
				return w.err
			}
			b = append(b, `" s="`...)
			b = strconv.AppendInt(b, int64(c.Format)+1, 10) // cellXfs index, see stylesXML
			b = append(b, `"><v>`...)
			b = append(b, serialText(c.Time, c.Format)...)
			b = append(b, `</v></c>`...)
		default:
			w.err = fmt.Errorf("xlsx: row %d cell %d: unknown cell kind %d", w.row, i+1, c.Kind)
			return w.err
		}
	}
	b = append(b, `</row>`...)
	w.buf = b
	if _, err := w.sheet.Write(b); err != nil {
		w.err = err
	}
	return w.err
}

// col returns the column letters of 0-based column i.
func (w *Writer) col(i int) string {
	for len(w.cols) <= i {
		w.cols = append(w.cols, colName(len(w.cols)))
	}
	return w.cols[i]
}

func colName(i int) string {
	var b [3]byte
	n := len(b)
	for i++; i > 0; i = (i - 1) / 26 {
		n--
		b[n] = byte('A' + (i-1)%26)
	}
	return string(b[n:])
}

// validNumber accepts -?digits[.digits][e[+-]digits], the form <v> holds.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

// Close finishes the sheet, writes the remaining parts and closes the zip
// archive. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	w.err = errors.New("xlsx: writer closed")
	if _, err := w.sheet.WriteString(`</sheetData></worksheet>`); err != nil {
		return err
	}
	if err := w.sheet.Flush(); err != nil {
		return err
	}
	if err := w.writeSST(); err != nil {
		return err
	}
	for _, p := range staticParts {
		fw, err := createEntry(w.zw, p.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(fw, p.body); err != nil {
			return err
		}
	}
	return w.zw.Close()
}

func (w *Writer) writeSST() error {
	fw, err := createEntry(w.zw, "xl/sharedStrings.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(fw, 64<<10)
	n := strconv.Itoa(len(w.strs))
	bw.WriteString(xmlHeader + `<sst xmlns="` + nsMain + `" count="` + n + `" uniqueCount="` + n + `">`)
	b := w.buf[:0]
	for _, s := range w.strs {
		b = append(b[:0], `<si><t xml:space="preserve">`...)
		b = appendEscaped(b, s)
		b = append(b, `</t></si>`...)
		bw.Write(b)
	}
	w.buf = b
	bw.WriteString(`</sst>`)
	w.sst, w.strs = nil, nil
	return bw.Flush() // bufio keeps the first write error
}

const (
	xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsMain    = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel     = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkgRel  = "http://schemas.openxmlformats.org/package/2006/relationships"
	nsCT      = "http://schemas.openxmlformats.org/package/2006/content-types"
	ctPrefix  = "application/vnd.openxmlformats-officedocument.spreadsheetml."
)

// stylesXML: cellXfs 1..3 are DateTime, DateOnly and TimeOnly (the
// DateFormat value + 1).
const stylesXML = xmlHeader + `<styleSheet xmlns="` + nsMain + `">` +
	`<numFmts count="3">` +
	`<numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm:ss"/>` +
	`<numFmt numFmtId="165" formatCode="dd/mm/yyyy"/>` +
	`<numFmt numFmtId="166" formatCode="hh:mm:ss"/>` +
	`</numFmts>` +
	`<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
	`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="4">` +
	`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`</cellXfs>` +
	`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
	`</styleSheet>`

var staticParts = []struct{ name, body string }{
	{"xl/styles.xml", stylesXML},
	{"xl/workbook.xml", xmlHeader + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">` +
		`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
	{"xl/_rels/workbook.xml.rels", xmlHeader + `<Relationships xmlns="` + nsPkgRel + `">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="` + nsRel + `/styles" Target="styles.xml"/>` +
		`<Relationship Id="rId3" Type="` + nsRel + `/sharedStrings" Target="sharedStrings.xml"/>` +
		`</Relationships>`},
	{"_rels/.rels", xmlHeader + `<Relationships xmlns="` + nsPkgRel + `">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`},
	{"[Content_Types].xml", xmlHeader + `<Types xmlns="` + nsCT + `">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="` + ctPrefix + `sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="` + ctPrefix + `worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="` + ctPrefix + `styles+xml"/>` +
		`<Override PartName="/xl/sharedStrings.xml" ContentType="` + ctPrefix + `sharedStrings+xml"/>` +
		`</Types>`},
}
