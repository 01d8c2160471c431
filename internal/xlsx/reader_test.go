package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const fixtureNS = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

// fixture is a hand-written workbook in the shape other producers write:
// the first sheet in workbook order is the second relationship with an
// absolute target, a date1904 workbook, rich text and phonetic runs,
// cells without r, a prefixed namespace in the sheet.
func fixture(t *testing.T, date1904 bool, sheet string) string {
	wbPr := ""
	if date1904 {
		wbPr = `<workbookPr date1904="1"/>`
	}
	return writeTemp(t, buildZip(t,
		"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml", `<?xml version="1.0"?><workbook `+fixtureNS+`>`+wbPr+`<sheets>
<sheet name="Data" sheetId="7" r:id="rId9"/><sheet name="Other" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
		"xl/strings.xml", `<sst `+fixtureNS+` count="4" uniqueCount="4">
<si><t>plain</t></si>
<si><r><rPr><b/></rPr><t>rich </t></r><r><t xml:space="preserve">text &amp; more</t></r></si>
<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>
<si><t>cr_x000D_lf&#10;</t></si>
<si/>
</sst>`,
		"xl/styles.xml", `<styleSheet `+fixtureNS+`><numFmts count="4">
<numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/>
<numFmt numFmtId="165" formatCode="[h]:mm:ss"/>
<numFmt numFmtId="166" formatCode="[Red]#,##0.00;[$-409]0"/>
<numFmt numFmtId="167" formatCode="&quot;day&quot; 0"/>
</numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="167"/><xf numFmtId="22"/></cellXfs>
</styleSheet>`,
		"xl/worksheets/sheet1.xml", `<worksheet `+fixtureNS+`><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>wrong sheet</t></is></c></row></sheetData></worksheet>`,
		"xl/worksheets/data.xml", sheet,
	))
}

func TestFixture(t *testing.T) {
	sheet := `<?xml version="1.0" encoding="UTF-8"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:dimension ref="A1:F9"/>
<x:sheetData>
<x:row r="1" spans="1:6"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c><x:c r="D1" t="s"><x:v>2</x:v></x:c><x:c r="E1" t="s"><x:v>3</x:v></x:c><x:c r="F1" t="s"><x:v>4</x:v></x:c></x:row>
<x:row r="3"><x:c t="inlineStr"><x:is><x:t>inline</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:r><x:t>ri</x:t></x:r><x:r><x:t>ch_x005F_x0041_</x:t></x:r></x:is></x:c><x:c><x:v>42</x:v></x:c><x:c r="F3" t="b"><x:v>0</x:v></x:c><x:c t="e"><x:v>#DIV/0!</x:v></x:c></x:row>
<x:row r="4"><x:c r="A4" s="1"><x:v>45000</x:v></x:c><x:c r="B4" s="2"><x:v>45000.75</x:v></x:c><x:c r="C4" s="3"><x:v>1.5</x:v></x:c><x:c r="D4" s="4"><x:v>45000</x:v></x:c><x:c r="E4" s="5"><x:v>7</x:v></x:c><x:c r="F4" s="6"><x:v>0.25</x:v></x:c></x:row>
<x:row r="5"><x:c r="B5" t="str"><x:f>A1&amp;"x"</x:f><x:v>plainx &lt;&gt;</x:v></x:c><x:c r="C5" s="1"/><x:c r="D5" t="b"><x:v>1</x:v></x:c><x:c r="E5"><x:v>1.0E-3</x:v></x:c><x:c r="H5" s="3"/></x:row>
<x:row/>
<x:row><!-- comment --><x:c><x:v><![CDATA[12<3]]></x:v></x:c></x:row>
<x:row r="9"><x:c r="A9" t="d"><x:v>2024-02-29T13:14:15Z</x:v></x:c><x:c r="B9" s="6"><x:v>60</x:v></x:c><x:c r="C9" s="6"><x:v>-1</x:v></x:c></x:row>
</x:sheetData><x:mergeCells count="0"/></x:worksheet>`
	want := []readRow{
		{1, []string{"plain", "rich text & more", "", "東京", "cr\rlf\n", ""}, []CellKind{String, String, Empty, String, String, String}},
		{3, []string{"inline", "rich_x0041_", "42", "", "", "FALSE", "#DIV/0!"}, []CellKind{String, String, Number, Empty, Empty, Bool, Error}},
		// 1904 system: 45000 is 1462 days after 1900-system 45000 (2023-03-15).
		{4, []string{"2027-03-16", "2027-03-16", "12:00:00", "45000", "7", "1904-01-01 06:00:00"}, []CellKind{Date, Date, Date, Number, Number, Date}},
		{5, []string{"", "plainx <>", "", "TRUE", "1.0E-3"}, []CellKind{Empty, String, Empty, Bool, Number}},
		{6, nil, nil},
		{7, []string{"12<3"}, []CellKind{Number}},
		// A t="d" value with an offset is no wall-clock time: returned as the text it is (for
		// the clean stage to refuse), never stripped (docs/design.md).
		{9, []string{"2024-02-29T13:14:15Z", "1904-03-01 00:00:00", "-1"}, []CellKind{String, Date, Number}},
	}
	check := func(got, want []readRow) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("got %d rows, want %d: %v", len(got), len(want), got)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.num != w.num || !slices.Equal(g.cells, w.cells) || !slices.Equal(g.kinds, w.kinds) {
				t.Errorf("row %d:\n got %d %q %v\nwant %d %q %v", i, g.num, g.cells, g.kinds, w.num, w.cells, w.kinds)
			}
		}
	}
	check(readAll(t, fixture(t, true, sheet)), want)

	// The 1900 system, with its leap-year bug: serial 60 does not exist.
	// 0.25 in the 1900 system is day 0, which Excel shows as 1900-01-00;
	// the reader gives 1899-12-31, the day before serial 1.
	want[2].cells = []string{"2023-03-15", "2023-03-15", "12:00:00", "45000", "7", "1899-12-31 06:00:00"}
	want[6].cells = []string{"2024-02-29T13:14:15Z", "60", "-1"}
	want[6].kinds = []CellKind{String, Number, Number}
	check(readAll(t, fixture(t, false, sheet)), want)
}

func TestClassifyFormat(t *testing.T) {
	for code, want := range map[string]dateClass{
		"General":               notDate,
		"0.00E+00":              notDate,
		`"days" 0`:              notDate,
		"[Red]#,##0;[$-409]0":   notDate,
		`#,##0 "m"`:             notDate,
		"dd/mm/yyyy":            hasDatePart,
		"mmm-yy":                hasDatePart,
		"m":                     hasDatePart,
		"hh:mm:ss":              hasTimePart,
		"mm:ss":                 hasTimePart,
		"[h]:mm":                hasTimePart,
		"[mm]":                  hasTimePart,
		"dd/mm/yyyy hh:mm:ss":   dateTimePart,
		"[$-F800]dddd, mmmm dd": hasDatePart,
		`yyyy\-mm\-dd`:          hasDatePart,
		"h:mm AM/PM":            hasTimePart,
	} {
		if got := classifyFormat(code); got != want {
			t.Errorf("classifyFormat(%q) = %d, want %d", code, got, want)
		}
	}
}

func TestBrokenFiles(t *testing.T) {
	var rows [][]Cell
	for i := range 2000 {
		rows = append(rows, []Cell{Str("row"), Num("1"), Str(strings.Repeat("z", 300+i))})
	}
	good, err := os.ReadFile(writeRows(t, rows))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":     nil,
		"half":      good[:len(good)/2],
		"no-tail":   good[:len(good)-10],
		"garbage":   []byte("this is not a spreadsheet at all"),
		"csv":       []byte("a,b,c\n1,2,3\n"),
		"no-wb":     buildZip(t, "foo.txt", "bar"),
		"no-sheets": buildZip(t, "xl/workbook.xml", `<workbook><sheets/></workbook>`),
		"bad-xml": buildZip(t, "xl/workbook.xml", `<workbook `+fixtureNS+`><sheets><sheet r:id="rId1"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="s.xml"/></Relationships>`,
			"xl/s.xml", `<worksheet><sheetData><row r="1"><c><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c><c r="B2"`),
		"bad-ref": buildZip(t, "xl/workbook.xml", `<workbook `+fixtureNS+`><sheets><sheet r:id="rId1"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="s.xml"/></Relationships>`,
			"xl/s.xml", `<worksheet><sheetData><row r="1"><c r="1A"><v>1</v></c></row></sheetData></worksheet>`),
	}
	// Flip bytes inside the compressed sheet: inflate or checksum must fail.
	corrupt := slices.Clone(good)
	for i := 200; i < 260; i++ {
		corrupt[i] ^= 0x5a
	}
	cases["corrupt"] = corrupt
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			path := writeTemp(t, b)
			err := readErr(path)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the file: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error: %q", err)
			}
			t.Log(err)
		})
	}
	if err := readErr(writeTemp(t, cases["bad-xml"])); !strings.Contains(err.Error(), "row 2") {
		t.Errorf("broken row not named: %v", err)
	}
	// Corrupt deflate data is explained whichever inflater read it (klauspost/compress's
	// CorruptInputError is compress/flate's).
	if err := readErr(writeTemp(t, cases["corrupt"])); !strings.Contains(err.Error(), "corrupted compressed data (flate: ") {
		t.Errorf("corrupt deflate data not explained: %v", err)
	}
}

// readErr opens and reads a workbook to the end and returns the first error
// other than io.EOF.
func readErr(path string) error {
	r, err := Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		if _, _, err := r.Read(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func TestRandomGarbageInSheet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte(`<>/="' abcrvtis0123456789&;#x_![CDATA[]-`)
	path := filepath.Join(t.TempDir(), "garbage.xlsx")
	for range 300 {
		b := make([]byte, rng.IntN(400))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if err := os.WriteFile(path, minimalBook(t, `<worksheet><sheetData><row>`+string(b)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := readErr(path); err != nil && !strings.Contains(err.Error(), path) {
			t.Fatalf("error does not name the file: %v", err)
		}
	}
}

// Values far larger than the scanner window and the SST chunk size, and a
// sheet long enough to cross many window refills.
func TestLargeValues(t *testing.T) {
	huge := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB: inline, spans windows
	var rows [][]Cell
	for i := range 20000 {
		rows = append(rows, []Cell{Num(strconv.Itoa(i)), Str("s" + strconv.Itoa(i%300)), {}, Str("tail")})
	}
	rows[7000] = []Cell{Str(huge), Str(huge[:255])}
	got := readAll(t, writeRows(t, rows))
	if len(got) != len(rows) {
		t.Fatalf("got %d rows", len(got))
	}
	if g := got[7000].cells; len(g) != 2 || g[0] != huge || g[1] != huge[:255] {
		t.Fatalf("huge row mismatch: %d cells", len(g))
	}
	for i, r := range got {
		if i == 7000 {
			continue
		}
		if want := []string{strconv.Itoa(i), "s" + strconv.Itoa(i%300), "", "tail"}; r.num != i+1 || !slices.Equal(r.cells, want) {
			t.Fatalf("row %d: %d %q", i, r.num, r.cells)
		}
	}

	// A shared string bigger than a chunk, between small ones.
	sst := `<sst><si><t>a</t></si><si><t>` + strings.Repeat("x", 3<<20) + `</t></si><si><t>&#x41;&#66;&quot;&apos;&foo;&lt;</t></si></sst>`
	path := writeTemp(t, buildZip(t,
		"xl/workbook.xml", `<workbook `+fixtureNS+`><sheets><sheet r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="s.xml"/></Relationships>`,
		"xl/sharedStrings.xml", sst,
		"xl/s.xml", `<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row></sheetData></worksheet>`))
	g := readAll(t, path)[0].cells
	if g[0] != "a" || g[1] != strings.Repeat("x", 3<<20) || g[2] != `AB"'&foo;<` {
		t.Fatalf("got %.20q %d %q", g[0], len(g[1]), g[2])
	}
}

// A part whose declared size is beyond the cap, or whose ratio is absurd,
// is refused before anything is inflated.
func TestSizeCaps(t *testing.T) {
	for name, hdr := range map[string]zip.FileHeader{
		"too big":   {UncompressedSize64: maxSheetSize + 1, CompressedSize64: maxSheetSize},
		"too dense": {UncompressedSize64: 1 << 30, CompressedSize64: 1 << 10},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for _, f := range [][2]string{
				{"xl/workbook.xml", `<workbook ` + fixtureNS + `><sheets><sheet r:id="rId1"/></sheets></workbook>`},
				{"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="s.xml"/></Relationships>`},
			} {
				w, _ := zw.Create(f[0])
				io.WriteString(w, f[1])
			}
			hdr.Name, hdr.Method = "xl/s.xml", zip.Store
			w, err := zw.CreateRaw(&hdr)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(make([]byte, 1024))
			zw.Close()
			path := writeTemp(t, buf.Bytes())
			err = readErr(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "xl/s.xml") {
				t.Fatalf("got %v", err)
			}
			t.Log(err)
		})
	}
}

func TestDoneGrowsToOne(t *testing.T) {
	var rows [][]Cell
	for i := 0; i < 20000; i++ {
		rows = append(rows, []Cell{Num(strconv.Itoa(i)), Str("row text " + strconv.Itoa(i%97))})
	}
	r, err := Open(writeRows(t, rows))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	last := 0.0
	for {
		_, _, err := r.Read()
		if err != nil {
			break
		}
		d := r.Done()
		if d < last || d > 1 {
			t.Fatalf("Done went from %g to %g", last, d)
		}
		last = d
	}
	if last < 0.99 {
		t.Errorf("Done at the end = %g, want ~1", last)
	}
}
