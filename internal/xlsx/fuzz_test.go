package xlsx

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The seed corpus (run by plain go test) is a few valid workbooks and
// damaged variants; go test -fuzz=FuzzRead explores from there.
func FuzzRead(f *testing.F) {
	good, err := os.ReadFile(writeRows(f, [][]Cell{
		{Str("a"), Num("1"), DateCell(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), DateTime)},
		{Str(strings.Repeat("x", 300)), {}, {Kind: Bool, Text: "1"}, {Kind: Error, Text: "#N/A"}},
	}))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PK\x03\x04garbage"))
	f.Add([]byte{})
	f.Add(minimalBook(f, `<worksheet><sheetData><row><c t="s"><v>0</v></c></row></sheetData></worksheet>`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "fuzz.xlsx")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := readChecked(t, path, Limits{}); err != nil && !strings.Contains(err.Error(), path) {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

// FuzzSheet feeds arbitrary worksheet XML through a valid package, which
// reaches the scanner far more often than random zip bytes do.
func FuzzSheet(f *testing.F) {
	for _, s := range []string{
		`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>1</v></c><c r="C1" s="1"><v>45000.5</v></c></row></sheetData></worksheet>`,
		`<worksheet><sheetData><row><c t="inlineStr"><is><r><t>a_x0041_</t></r><rPh><t>b</t></rPh></is></c><c t="str"><f>1</f><v>&#13;&amp;</v></c></row><row/></sheetData></worksheet>`,
		`<worksheet><sheetData><row r="2"><c t="b"><v>1</v></c><c t="e"><v>#REF!</v></c><c t="d"><v>2024-01-01T00:00:00</v></c><!-- x --><c><v><![CDATA[1]]></v></c></row>`,
		`<worksheet><sheetData><row r="9999999"><c r="XFE1"/></row></sheetData></worksheet>`,
		// issue 14: row numbering and order, cell references, duplicates, UTF-8, offsets, sizes.
		`<worksheet><sheetData><row/><row/><row r="2"/><row r="1048576"/><row/></sheetData></worksheet>`,
		`<worksheet><sheetData><row r="3"><c r="A3"/><c r="A3"/><c r="B4"/><c/><c r="A3"/></row><row r="2"/></sheetData></worksheet>`,
		`<worksheet><sheetData><row r="1"><c r="A1" t="str"><v>a` + "\xff\xc3(" + `</v></c><c t="s"><v>1</v></c><c t="d"><v>2024-01-01T10:00:00+02:00</v></c></row></sheetData></worksheet>`,
		`<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="inlineStr"><is><t>` + strings.Repeat("&amp;\r\n", 40) + `</t></is></c></row></sheetData></worksheet>`,
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, sheet string) {
		path := filepath.Join(dir, "fuzz.xlsx")
		if err := os.WriteFile(path, minimalBook(t, sheet), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, lim := range []Limits{{}, {MaxCellBytes: 3, MaxRowBytes: 5, MaxSharedStrings: 2, MaxExpansion: 1}} {
			if err := readChecked(t, path, lim); err != nil && !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			samePrefixRows(t, path, lim)
		}
	})
}

// samePrefixRows: OpenPrefix (the preflight's header reader) returns the rows OpenContext
// returns and fails on the same row, naming the file.
func samePrefixRows(t *testing.T, path string, lim Limits) {
	t.Helper()
	want, werr := readN(path, lim, math.MaxInt, OpenContext)
	got, gerr := readN(path, lim, math.MaxInt, OpenPrefix)
	same := func(a, b readRow) bool { return a.num == b.num && slices.Equal(a.cells, b.cells) }
	if !slices.EqualFunc(got, want, same) || (gerr == nil) != (werr == nil) {
		t.Fatalf("OpenPrefix read %v, %v; OpenContext %v, %v", got, gerr, want, werr)
	}
	if gerr != nil && !strings.Contains(gerr.Error(), path) {
		t.Fatalf("OpenPrefix's error does not name the file: %v", gerr)
	}
}

// readChecked reads the workbook at path to the end and checks what the reader promises of
// every row it returns: ascending row numbers within the format's limit, UTF-8 values, and
// values within the limits. It returns the reader's error (nil at the end).
func readChecked(t *testing.T, path string, lim Limits) error {
	r, err := OpenContext(context.Background(), path, lim)
	if err != nil {
		return err
	}
	defer r.Close()
	lim = lim.withDefaults()
	last, total := 0, 0
	for {
		row, n, err := r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if n <= last || n > maxRows {
			t.Fatalf("row %d after row %d", n, last)
		}
		last = n
		size := 0
		for _, v := range row {
			if !utf8.ValidString(v) {
				t.Fatalf("row %d: value %q is not UTF-8", n, v)
			}
			if len(v) > lim.MaxCellBytes {
				t.Fatalf("row %d: value of %d bytes passed a limit of %d", n, len(v), lim.MaxCellBytes)
			}
			size += len(v)
		}
		if size > lim.MaxRowBytes {
			t.Fatalf("row %d: %d bytes passed a limit of %d", n, size, lim.MaxRowBytes)
		}
		if total += size; int64(total) > r.budget {
			t.Fatalf("%d bytes in all passed a budget of %d", total, r.budget)
		}
	}
}

// minimalBook is a package with two shared strings, a date style and sheet.
func minimalBook(t testing.TB, sheet string) []byte {
	return buildZip(t,
		"xl/workbook.xml", `<workbook `+fixtureNS+`><sheets><sheet r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="s.xml"/></Relationships>`,
		"xl/sharedStrings.xml", `<sst><si><t>a</t></si><si><r><t>b</t></r></si></sst>`,
		"xl/styles.xml", `<styleSheet><cellXfs><xf numFmtId="0"/><xf numFmtId="22"/></cellXfs></styleSheet>`,
		"xl/s.xml", sheet)
}
