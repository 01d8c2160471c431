package xlsx

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	long := strings.Repeat("long \u00e9 text ", 30) // > 256 bytes: inline string
	tm := time.Date(2025, 7, 2, 16, 21, 5, 0, time.UTC)
	rows := [][]Cell{
		{Str("id"), Str("text"), Str("when")},
		{Str("a\x00b"), Str("line1\r\nline2\rline3\n"), Str("\ttab"), Str("_x0041_"), Str("_x005F_x0041_"), Str("ünï \U0001F600 東京"), Str(long)},
		{Num("3652948"), Num("1.5"), Num("-0.25"), Num("1E-3"), {Kind: Bool, Text: "1"}, {Kind: Bool, Text: "0"}, {Kind: Error, Text: "#N/A"}},
		{DateCell(tm, DateTime), DateCell(tm, DateOnly), DateCell(tm, TimeOnly), {}, DateCell(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), DateOnly), DateCell(time.Date(1900, 3, 1, 6, 0, 0, 0, time.UTC), DateTime)},
		{{}, {}, Str("gap before"), {}, Str(""), {}, {}},
		{},
		{Str("x\x01\x1f\uFFFE<&>\"'"), Str(long + "\r\n\x00_x0041_"), DateCell(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), DateTime), DateCell(tm.Add(999*time.Millisecond), DateTime)},
		{Str("a\x00b"), Str("id")}, // repeated shared strings
		{DateCell(tm.Add(500*time.Millisecond), TimeOnly), DateCell(time.Date(2024, 12, 31, 23, 59, 59, 999e6, time.UTC), DateTime), DateCell(tm.Add(1), DateTime)},
	}
	want := []readRow{
		{1, []string{"id", "text", "when"}, []CellKind{String, String, String}},
		{2, []string{"a\x00b", "line1\r\nline2\rline3\n", "\ttab", "_x0041_", "_x005F_x0041_", "ünï \U0001F600 東京", long}, []CellKind{String, String, String, String, String, String, String}},
		{3, []string{"3652948", "1.5", "-0.25", "1E-3", "TRUE", "FALSE", "#N/A"}, []CellKind{Number, Number, Number, Number, Bool, Bool, Error}},
		{4, []string{"2025-07-02 16:21:05", "2025-07-02", "16:21:05", "", "1900-01-01", "1900-03-01 06:00:00"}, []CellKind{Date, Date, Date, Empty, Date, Date}},
		{5, []string{"", "", "gap before", "", ""}, []CellKind{Empty, Empty, String, Empty, String}},
		{6, nil, nil},
		{7, []string{"x\x01\x1f\uFFFE<&>\"'", long + "\r\n\x00_x0041_", "9999-12-31 23:59:59", "2025-07-02 16:21:05.999"}, []CellKind{String, String, Date, Date}},
		{8, []string{"a\x00b", "id"}, []CellKind{String, String}},
		{9, []string{"16:21:05.5", "2024-12-31 23:59:59.999", "2025-07-02 16:21:05"}, []CellKind{Date, Date, Date}},
	}
	got := readAll(t, writeRows(t, rows))
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.num != w.num || !slices.Equal(g.cells, w.cells) || !slices.Equal(g.kinds, w.kinds) {
			t.Errorf("row %d:\n got %d %q %v\nwant %d %q %v", i, g.num, g.cells, g.kinds, w.num, w.cells, w.kinds)
		}
	}
}

func TestWriterDeterministic(t *testing.T) {
	write := func() []byte {
		var buf bytes.Buffer
		w, err := NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			w.WriteRow([]Cell{Str("v" + strings.Repeat("x", i%7)), Num("1"), DateCell(time.Date(2020, 1, 1+i, 0, 0, 0, 0, time.Local), DateOnly)})
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if !bytes.Equal(write(), write()) {
		t.Fatal("same rows gave different files")
	}
}

func TestWriterRejects(t *testing.T) {
	for _, c := range []Cell{Num("1,5"), Num(""), Num("NaN"), Num("1e"), {Kind: Bool, Text: "yes"}, {Kind: Date, Format: 9}, {Kind: 42}} {
		var buf bytes.Buffer
		w, _ := NewWriter(&buf)
		if err := w.WriteRow([]Cell{c}); err == nil {
			t.Errorf("%+v: no error", c)
		}
		if err := w.Close(); err == nil {
			t.Errorf("%+v: Close after error succeeded", c)
		}
	}
}

func TestSerialText(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		f    DateFormat
		want string
	}{
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), DateOnly, "1"},
		{time.Date(1900, 2, 28, 0, 0, 0, 0, time.UTC), DateOnly, "59"},
		{time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC), DateOnly, "61"},
		{time.Date(2025, 7, 2, 12, 0, 0, 0, time.UTC), DateTime, "45840.5"},
		{time.Date(2025, 7, 2, 12, 0, 0, 0, time.UTC), TimeOnly, "0.5"},
		{time.Date(2025, 7, 2, 23, 59, 59, 999600e3, time.UTC), DateTime, "45841"}, // rounds to the millisecond
		{time.Date(2025, 7, 2, 12, 0, 0, 500e6, time.UTC), TimeOnly, "0.500005787037037"},
	} {
		if got := serialText(c.t, c.f); got != c.want {
			t.Errorf("serialText(%v, %d) = %s, want %s", c.t, c.f, got, c.want)
		}
	}
}

func TestColNames(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		if got := colName(i); got != want {
			t.Errorf("colName(%d) = %s, want %s", i, got, want)
		}
		if got, err := colIndex([]byte(want + "12")); err != nil || got != i {
			t.Errorf("colIndex(%s) = %d, %v", want, got, err)
		}
	}
	for _, bad := range []string{"", "12", "XFE1", "A1B", "AAAAAAAAAAAAAAAAAA1"} {
		if _, err := colIndex([]byte(bad)); err == nil {
			t.Errorf("colIndex(%q): no error", bad)
		}
	}
}

func TestEscapes(t *testing.T) {
	for _, s := range []string{"", "plain", "_x", "_x004", "_x0041_", "__x0041__", "a\x00\x01\x1f\x7f", "\uFFFF\uFFFE", "_xD83D__xDE00_"} {
		enc := appendEscaped(nil, s)
		got := string(decodeXEscapes(nil, enc))
		if got != s {
			t.Errorf("%q: encoded %q, decoded %q", s, enc, got)
		}
	}
	for in, want := range map[string]string{"_xD83D__xDE00_": "\U0001F600", "_xD83D_": "\uFFFD", "_x000d_": "\r", "_x005F_x0041_": "_x0041_"} {
		if got := string(decodeXEscapes(nil, []byte(in))); got != want {
			t.Errorf("decode %q = %q, want %q", in, got, want)
		}
	}
}
