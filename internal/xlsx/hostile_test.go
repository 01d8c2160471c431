package xlsx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// book is minimalBook with its own shared strings and workbook properties.
func book(t testing.TB, workbookPr, sst, sheet string) string {
	return writeTemp(t, buildZip(t,
		"xl/workbook.xml", `<workbook `+fixtureNS+`>`+workbookPr+`<sheets><sheet r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="s.xml"/></Relationships>`,
		"xl/sharedStrings.xml", sst,
		"xl/styles.xml", `<styleSheet><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>`,
		"xl/s.xml", `<worksheet><sheetData>`+sheet+`</sheetData></worksheet>`))
}

// readErrWith reads the workbook at path to the end with lim and returns the error (nil at EOF)
// and the rows read before it.
func readErrWith(t testing.TB, path string, lim Limits) (int, error) {
	t.Helper()
	r, err := OpenContext(context.Background(), path, lim)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := 0
	for {
		_, _, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// TestHostileSheets: each crafted sheet is refused with its position (issue 14 items 2, 5, 8).
func TestHostileSheets(t *testing.T) {
	sst := `<sst><si><t>0123456789</t></si><si><t>bad` + "\xff" + `</t></si><si><t>ok</t></si></sst>`
	lim := Limits{MaxCellBytes: 8, MaxRowBytes: 12, MaxExpansion: 1}
	tests := []struct {
		name, sheet string
		lim         Limits
		want        string
	}{
		{"repeated row number", `<row r="1"/><row r="2"/><row r="2"/>`, Limits{}, "row number 2 after row 2: rows must be in ascending order, each once"},
		{"row numbers out of order", `<row r="5"/><row r="3"/>`, Limits{}, ": row number 3 after row 5"},
		{"numbered after unnumbered", `<row/><row/><row r="2"/>`, Limits{}, ": row number 2 after row 2"},
		{"unnumbered past the limit", `<row r="1048576"/><row/>`, Limits{}, ": row 1048577 (unnumbered, after row 1048576) is past the format's limit of 1048576 rows"},
		{"cell reference in another row", `<row r="1"><c r="A2"><v>1</v></c></row>`, Limits{}, `row 1: cell reference "A2" is not in row 1`},
		{"cell reference in another row, token path", `<row r="3"><c r="B7" t="inlineStr"><is><t>x</t></is></c></row>`, Limits{}, `row 3: cell reference "B7" is not in row 3`},
		{"duplicate cell", `<row r="1"><c r="B1"><v>1</v></c><c r="B1"><v>2</v></c></row>`, Limits{}, `row 1: cell "B1" after cell B1: cells must be in column order, each once`},
		{"cells out of order", `<row r="4"><c r="C4"><v>1</v></c><c r="A4"><v>2</v></c></row>`, Limits{}, `row 4: cell "A4" after cell C4`},
		{"unnumbered cell then its column again", `<row r="1"><c><v>1</v></c><c r="A1"><v>2</v></c></row>`, Limits{}, `row 1: cell "A1" after cell A1`},
		{"invalid UTF-8 in a value", `<row r="2"><c r="A2"><v>1</v></c><c r="C2" t="str"><v>a` + "\xc3(" + `</v></c></row>`, Limits{}, "row 2: cell C2: value is not valid UTF-8"},
		{"invalid UTF-8 in an inline string", `<row r="1"><c r="D1" t="inlineStr"><is><t>` + "\xff" + `</t></is></c></row>`, Limits{}, "row 1: cell D1: value is not valid UTF-8"},
		{"invalid UTF-8 in a shared string", `<row r="1"><c r="A1" t="s"><v>2</v></c></row><row r="2"><c r="B2" t="s"><v>1</v></c></row>`, Limits{}, "row 2: cell B2: shared string 1 is not valid UTF-8"},
		{"cell past the limit", `<row r="1"><c r="A1" t="str"><v>123456789</v></c></row>`, lim, "row 1: cell A1: value longer than 8 bytes (limit --max-cell-bytes)"},
		{"inline string past the limit", `<row r="1"><c r="B1" t="inlineStr"><is><t>12345</t><t>6789</t></is></c></row>`, lim, "row 1: cell B1: value longer than 8 bytes (limit --max-cell-bytes)"},
		{"shared string past the cell limit", `<row r="1"><c r="A1" t="s"><v>2</v></c><c r="B1" t="s"><v>0</v></c></row>`, lim, "row 1: cell B1: shared string 0 longer than 8 bytes (limit --max-cell-bytes)"},
		{"row past the limit through shared strings", `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>0</v></c></row>`, Limits{MaxRowBytes: 15}, "row 1: cell B1: row longer than 15 bytes (limit --max-row-bytes)"},
		{"row past the limit", `<row r="1"><c r="A1"><v>1234</v></c><c r="B1"><v>1234</v></c><c r="C1"><v>12345</v></c></row>`, lim, "row 1: cell C1: row longer than 12 bytes (limit --max-row-bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := book(t, "", sst, tt.sheet)
			_, err := readErrWith(t, path, tt.lim)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("error = %v\nwant %s: ...%s", err, path, tt.want)
			}
		})
	}
}

// TestExpansionLimit: the values of a sheet together are bounded by a multiple of the parts'
// uncompressed size (the shared-string amplifier: every cell one long shared string).
func TestExpansionLimit(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	var sheet strings.Builder
	for i := 1; i <= 200; i++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>`, i, i)
	}
	path := book(t, "", `<sst><si><t>`+long+`</t></si></sst>`, sheet.String())
	n, err := readErrWith(t, path, Limits{})
	want := "the sheet's values are longer than 67108864 bytes together, 16 times its uncompressed size (limit --max-expansion)"
	if err == nil || !strings.Contains(err.Error(), want) || n != 64 {
		t.Errorf("after %d rows: error = %v, want %q after 64 rows", n, err, want)
	}
	if _, err := readErrWith(t, path, Limits{MaxExpansion: 1000}); err != nil {
		t.Errorf("with a higher limit: %v", err)
	}
}

// TestSharedStringLimits: the count and the total text of the table are bounded.
func TestSharedStringLimits(t *testing.T) {
	sst := `<sst>` + strings.Repeat(`<si/>`, 1000) + `<si><t>abc</t></si></sst>`
	path := book(t, "", sst, `<row r="1"/>`)
	if _, err := readErrWith(t, path, Limits{MaxSharedStrings: 1000}); err == nil ||
		!strings.HasSuffix(err.Error(), "more than 1000 shared strings (limit --max-shared-strings)") {
		t.Errorf("count: error = %v", err)
	}
	if _, err := readErrWith(t, path, Limits{MaxSharedStringBytes: 2}); err == nil ||
		!strings.HasSuffix(err.Error(), "shared strings longer than 2 bytes together (limit --max-shared-string-bytes)") {
		t.Errorf("bytes: error = %v", err)
	}
	if _, err := readErrWith(t, path, Limits{MaxSharedStrings: 1001, MaxSharedStringBytes: 3}); err != nil {
		t.Errorf("at the limits: %v", err)
	}
}

// TestRowsWithoutNumbers: unnumbered rows are numbered in order, and there are at most
// 1,048,576 of them (an 18 KB file staged 2,097,150 rows).
func TestRowsWithoutNumbers(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a million rows")
	}
	path := book(t, "", `<sst/>`, strings.Repeat(`<row><c><v>1</v></c></row>`, maxRows+1))
	n, err := readErrWith(t, path, Limits{})
	if n != maxRows || err == nil || !strings.HasSuffix(err.Error(), "row 1048577 (unnumbered, after row 1048576) is past the format's limit of 1048576 rows") {
		t.Errorf("after %d rows: %v", n, err)
	}
}

// TestLongTextInPieces: text runs longer than the scanner's window are read in pieces that
// decode as the whole would: entities and CR LF cut at every offset.
func TestLongTextInPieces(t *testing.T) {
	for _, unit := range []string{"&amp;", "&#x1F600;", "\r\n", "é", "_x0041_"} {
		raw := strings.Repeat("a"+unit, scanBufSize/len(unit)+3)
		want := strings.NewReplacer("&amp;", "&", "&#x1F600;", "\U0001F600", "\r\n", "\n", "_x0041_", "A").Replace(raw)
		path := book(t, "", `<sst><si><t>`+raw+`</t></si></sst>`,
			`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>`+raw+`</t></is></c></row>`)
		rows := readAll(t, path)
		if len(rows) != 1 || rows[0].cells[0] != want || rows[0].cells[1] != want {
			t.Errorf("unit %q: values differ from the decoded text", unit)
		}
	}
}

// Test1904 (issue 14 item 6): in a 1904 workbook a General number in a date column gives the
// same date as a date-formatted cell holding the same serial.
func Test1904(t *testing.T) {
	sheet := `<row r="1"><c r="A1"><v>45000</v></c><c r="B1" s="1"><v>45000</v></c><c r="C1"><v>45000.5</v></c><c r="D1"><v>45000</v></c><c r="E1" t="s"><v>0</v></c></row>`
	for _, tt := range []struct {
		pr   string
		want []string
	}{
		{`<workbookPr date1904="1"/>`, []string{"2027-03-16", "2027-03-16", "2027-03-16 12:00:00", "45000", "ok"}},
		{``, []string{"45000", "2023-03-15", "45000.5", "45000", "ok"}},
	} {
		path := book(t, tt.pr, `<sst><si><t>ok</t></si></sst>`, sheet)
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r.SetDateColumns([]bool{true, true, true, false, true})
		row, _, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(row) != fmt.Sprint(tt.want) {
			t.Errorf("%s: got %q, want %q", tt.pr, row, tt.want)
		}
		if r.Date1904() != (tt.pr != "") {
			t.Errorf("Date1904 = %v", r.Date1904())
		}
		r.Close()
	}
}

func TestCancelled(t *testing.T) {
	path := book(t, "", `<sst/>`, `<row r="1"/>`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := OpenContext(ctx, path, Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("open after cancel: %v", err)
	}
}
