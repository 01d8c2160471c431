package synth

import (
	"context"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/csvfile"
)

// generate writes a data set into a fresh temporary directory.
func generate(t *testing.T, o Options) (string, *Truth) {
	t.Helper()
	dir := t.TempDir()
	tr, err := Generate(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return dir, tr
}

// readCSV returns the header and the records of a CSV export, every byte of every field kept.
func readCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	r, err := csvfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var recs [][]string
	for {
		f, _, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, append([]string(nil), f...))
	}
	if len(recs) == 0 {
		t.Fatalf("%s: empty", path)
	}
	return recs[0], recs[1:]
}

// export is one CSV export read back, with its columns mapped to the contract.
type export struct {
	tbl  *contract.Table
	head []string
	rows [][]string // rows[i] is data row i+1
	src  []int      // src[c] = field index of contract column c
}

func readExport(t *testing.T, dir, table string) *export {
	t.Helper()
	tbl := contract.ServiceDesk().Table(table)
	head, rows := readCSV(t, filepath.Join(dir, tbl.File+".csv"))
	m, err := tbl.MatchHeaders(head)
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	return &export{tbl: tbl, head: head, rows: rows, src: m.Source}
}

// cell returns data row n's value of the named column, and false when the row's field count
// does not match the header.
func (e *export) cell(n int, col string) (string, bool) {
	f := e.rows[n-1]
	if len(f) != len(e.head) {
		return "", false
	}
	return f[e.src[e.tbl.ColumnIndex(col)]], true
}

// The parsers below are deliberately independent of the cleaner: they accept only the forms the
// generator writes.

func parseID(s string) (int64, bool) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return v, err == nil
}

// parseStamp reads "2/07/2025 8:42" or an Excel serial (to the millisecond).
func parseStamp(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2/01/2006 15:04", s); err == nil {
		return t, true
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil && v > 1 {
		ms := int64(math.Round(v * 86400000)) // serials carry milliseconds
		return excelEpoch.Add(time.Duration(ms) * time.Millisecond), true
	}
	return time.Time{}, false
}

func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse("2/01/2006", strings.TrimSpace(s))
	return t, err == nil
}

func parseClock(s string) (string, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return "", false
	}
	return t.Format(isoClock), true
}

// smallOptions are quick to generate and still carry every defect kind (comments >= 1000).
func smallOptions(format string) Options {
	return Options{Scale: 0.03, Seed: 7, Format: format, Dialect: "legacy", Dirt: "realistic"}
}

// trunc shortens a long cell for an error message.
func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
