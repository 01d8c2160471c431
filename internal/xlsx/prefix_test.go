package xlsx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// readN reads up to n rows of the workbook at path with open and lim, and the error that ended
// them (nil at EOF or after n rows).
func readN(path string, lim Limits, n int, open func(context.Context, string, Limits) (*Reader, error)) ([]readRow, error) {
	r, err := open(context.Background(), path, lim)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var rows []readRow
	for len(rows) < n {
		row, num, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, readRow{num, slices.Clone(row), slices.Clone(r.Kinds())})
	}
	return rows, nil
}

// TestOpenPrefixRows: OpenPrefix reads the rows OpenContext reads, a header and every row after
// it, whether a row's shared strings are new, earlier ones or a mix (the table is then read on,
// again from its start), from a workbook whose table is much longer than the header needs.
func TestOpenPrefixRows(t *testing.T) {
	rows := [][]Cell{{Str("id"), Str("name"), Str("note"), Num("1")}}
	for i := range 600 {
		rows = append(rows, []Cell{Num(fmt.Sprint(i)), Str(fmt.Sprintf("name %d", i%50)), Str(strings.Repeat("n", i%200) + fmt.Sprint(i)), Str("id")})
	}
	path := writeRows(t, rows)
	want, err := readN(path, Limits{}, len(rows), OpenContext)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 2, 50, len(rows)} {
		got, err := readN(path, Limits{}, n, OpenPrefix)
		if err != nil {
			t.Fatalf("%d rows: %v", n, err)
		}
		if !slices.EqualFunc(got, want[:n], func(a, b readRow) bool {
			return a.num == b.num && slices.Equal(a.cells, b.cells) && slices.Equal(a.kinds, b.kinds)
		}) {
			t.Fatalf("%d rows: OpenPrefix read %v..., OpenContext %v...", n, got[:min(n, 3)], want[:min(n, 3)])
		}
	}
}

// TestOpenPrefixReadsOnlyTheHeadersStrings: the header's strings are read, not the rest of the
// table: a table whose later strings are broken (not UTF-8, or the part cut off) still gives
// its header, and the row that uses one fails, naming the row.
func TestOpenPrefixReadsOnlyTheHeadersStrings(t *testing.T) {
	sheet := `<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>0</v></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>4</v></c></row>`
	for name, rest := range map[string]string{
		"not utf-8": "<si><t>x</t></si><si><t>\xff\xfe</t></si>",
		"truncated": "<si><t>x</t></si><si",
	} {
		path := book(t, "", `<sst><si><t>b</t></si><si><t>a</t></si><si><t>c</t></si>`+rest+`</sst>`, sheet)
		if _, err := readN(path, Limits{}, 1, OpenContext); err == nil && name == "truncated" {
			t.Fatalf("%s: OpenContext read a broken table", name)
		}
		got, err := readN(path, Limits{}, 1, OpenPrefix)
		if err != nil || len(got) != 1 || !slices.Equal(got[0].cells, []string{"a", "b"}) {
			t.Fatalf("%s: header %v, %v; want [a b]", name, got, err)
		}
		if _, err := readN(path, Limits{}, 2, OpenPrefix); err == nil || !strings.Contains(err.Error(), "row 2") {
			t.Errorf("%s: the row using the broken string: %v", name, err)
		}
	}
}

// TestOpenPrefixIndexPastTheTable: a cell referring past the table's end fails, naming its file,
// row and cell, with and without a shared-strings part.
func TestOpenPrefixIndexPastTheTable(t *testing.T) {
	sheet := `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>7</v></c></row>`
	path := book(t, "", `<sst><si><t>a</t></si></sst>`, sheet)
	_, err := readN(path, Limits{}, 1, OpenPrefix)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "row 1") || !strings.Contains(err.Error(), "cell B1") {
		t.Fatalf("index past the table: %v", err)
	}
	noSST := writeTemp(t, buildZip(t,
		"xl/workbook.xml", `<workbook `+fixtureNS+`><sheets><sheet r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="s.xml"/></Relationships>`,
		"xl/s.xml", `<worksheet><sheetData>`+sheet+`</sheetData></worksheet>`))
	if _, err := readN(noSST, Limits{}, 1, OpenPrefix); err == nil || !strings.Contains(err.Error(), "cell A1") {
		t.Fatalf("no shared strings part: %v", err)
	}
}
