package exports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/csvfile"
	"github.com/sdetl/sdetl/internal/xlsx"
)

// TestEachAheadMatchesSource reads an XLSX export of several batches through Each and straight
// from its source: the same cells, row numbers and date cells, row for row, and no row's cells
// reach into the next row's (appending to one must not overwrite another).
func TestEachAheadMatchesSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := xlsx.NewWriter(out)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	w.WriteRow([]xlsx.Cell{xlsx.Str("id"), xlsx.Str("day"), xlsx.Str("note")})
	n := 3*aheadRows + 7
	for i := range n {
		r := []xlsx.Cell{xlsx.Num(fmt.Sprint(i))}
		switch i % 3 {
		case 0:
			r = append(r, xlsx.DateCell(day.AddDate(0, 0, i), xlsx.DateOnly), xlsx.Str(strings.Repeat("x", i)))
		case 1:
			r = append(r, xlsx.Str("not a date"))
		}
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()

	want := directRows(t, path)
	if len(want) != n {
		t.Fatalf("source read %d rows, want %d", len(want), n)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []seen
	err = f.Each(context.Background(), nil, func(r Row) error {
		got = append(got, seen{append([]string(nil), r.Cells...), r.DataRow, r.Line, r.Misfit != "", r.DateCell(1)})
		if cap(r.Cells) != len(r.Cells) {
			t.Fatalf("row %d: cells have room for %d more, which is the next row's", r.DataRow, cap(r.Cells)-len(r.Cells))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Each and the source differ:\n%v\n%v", got, want)
	}
}

// directRows reads path's rows from its source, one at a time on this goroutine.
func directRows(t *testing.T, path string) []seen {
	t.Helper()
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []seen
	for {
		cells, dataRow, line, err := f.src.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		kinds := f.src.Kinds()
		out = append(out, seen{append([]string(nil), cells...), dataRow, line,
			fieldCountProblem(cells, len(f.Header), f.Format) != "", len(kinds) > 1 && kinds[1] == xlsx.Date})
	}
}

// TestEachAheadBoundedAndInOrderOnError: a batch holds at most aheadBytes of cell text plus
// one row, whatever the rows' size; a read error arrives after every row read before it.
func TestEachAheadBoundedAndInOrderOnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.csv")
	big := strings.Repeat("y", 100<<10)
	var b strings.Builder
	b.WriteString("id,v\n")
	const bad = 40 // this row's field is past the limit
	for i := 1; i < bad; i++ {
		fmt.Fprintf(&b, "%d,%s\n", i, big)
	}
	fmt.Fprintf(&b, "%d,%s%s\n", bad, big, big)
	b.WriteString("41,z\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	lim := Limits{CSV: csvfile.Limits{MaxFieldBytes: 150 << 10}}

	f, err := OpenContext(context.Background(), path, lim)
	if err != nil {
		t.Fatal(err)
	}
	r := readAhead(f.src)
	batches := 0
	for {
		bt := <-r.full
		size := 0
		for _, c := range bt.cells {
			size += len(c)
		}
		if last := len(bt.rows) - 1; last > 0 && size-len(big) > aheadBytes {
			t.Errorf("batch %d holds %d bytes in %d rows, over %d plus a row", batches, size, len(bt.rows), aheadBytes)
		}
		batches++
		if bt.err != nil {
			break
		}
		r.free <- bt
	}
	r.stop()
	f.Close()
	if batches < 3 {
		t.Errorf("%d batches of 100 KiB rows, want at least 3", batches)
	}

	f, err = OpenContext(context.Background(), path, lim)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	err = f.Each(context.Background(), nil, func(r Row) error {
		if n++; r.DataRow != n {
			t.Fatalf("row %d came as %d", n, r.DataRow)
		}
		return nil
	})
	if !errors.Is(err, csvfile.ErrFieldTooLong) || n != bad-1 {
		t.Errorf("Each: %v after %d rows, want the field limit after %d", err, n, bad-1)
	}
}
