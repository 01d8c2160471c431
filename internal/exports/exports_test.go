package exports

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/xlsx"
)

type seen struct {
	cells         []string
	dataRow, line int
	misfit        bool
	date1         bool
}

func readAll(t *testing.T, path string) (*File, []seen) {
	t.Helper()
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []seen
	err = f.Each(context.Background(), nil, func(r Row) error {
		rows = append(rows, seen{append([]string(nil), r.Cells...), r.DataRow, r.Line, r.Misfit != "", r.DateCell(1)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, rows
}

// TestCSVAndXLSXReadAlike reads the same rows from both formats: row numbers, the field-count
// rule (a CSV record must match the header; an XLSX row may omit trailing empty cells but hold
// nothing past it) and XLSX date cells.
func TestCSVAndXLSXReadAlike(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(csvPath, []byte("id,day\n1,2025-07-01\n\"2\nx\",2025-07-02\n3\n4,2025-07-04,extra\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, rows := readAll(t, csvPath)
	want := []seen{
		{[]string{"1", "2025-07-01"}, 1, 2, false, false},
		{[]string{"2\nx", "2025-07-02"}, 2, 3, false, false},
		{[]string{"3"}, 3, 5, true, false},
		{[]string{"4", "2025-07-04", "extra"}, 4, 6, true, false},
	}
	if f.Format != "csv" || !reflect.DeepEqual(f.Header, []string{"id", "day"}) || !reflect.DeepEqual(rows, want) {
		t.Errorf("csv: format %s header %q rows\n%v\nwant\n%v", f.Format, f.Header, rows, want)
	}

	xlsxPath := filepath.Join(dir, "t.xlsx")
	out, err := os.Create(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	w, err := xlsx.NewWriter(out)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range [][]xlsx.Cell{
		{xlsx.Str("id"), xlsx.Str("day")},
		{xlsx.Num("1"), xlsx.DateCell(day, xlsx.DateOnly)},
		{xlsx.Num("3")},
		{xlsx.Num("4"), xlsx.Str("x"), xlsx.Str("extra")},
	} {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	f, rows = readAll(t, xlsxPath)
	want = []seen{
		{[]string{"1", "2025-07-01"}, 1, 0, false, true},
		{[]string{"3"}, 2, 0, false, false},
		{[]string{"4", "x", "extra"}, 3, 0, true, false},
	}
	if f.Format != "xlsx" || !reflect.DeepEqual(rows, want) {
		t.Errorf("xlsx: format %s rows\n%v\nwant\n%v", f.Format, rows, want)
	}
	// ReadHeader (the preflight's) gives the header and format Open does, file closed.
	for _, p := range []string{csvPath, xlsxPath} {
		open, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		open.Close()
		h, err := ReadHeader(context.Background(), p, Limits{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if h.Format != open.Format || !reflect.DeepEqual(h.Header, open.Header) {
			t.Errorf("ReadHeader(%s) = %s %q; Open: %s %q", p, h.Format, h.Header, open.Format, open.Header)
		}
	}
}

func TestEachStopsOnCancelAndError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.csv")
	data := []byte("id\n")
	for range 2 * every {
		data = append(data, "1\n"...)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := 0
	err = f.Each(ctx, nil, func(Row) error { n++; return nil })
	if !errors.Is(err, context.Canceled) || n != every-1 {
		t.Errorf("cancelled Each: err %v after %d rows, want context.Canceled after %d", err, n, every-1)
	}
	stop := errors.New("stop")
	f2, _ := Open(path)
	defer f2.Close()
	if err := f2.Each(context.Background(), nil, func(Row) error { return stop }); err != stop {
		t.Errorf("Each returned %v, want fn's error", err)
	}
}

func TestOpenRefusesUnknownAndEmpty(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"t.txt": "id\n", "e.csv": ""} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := Open(p); err == nil {
			t.Errorf("Open(%s) succeeded", name)
		}
	}
}
