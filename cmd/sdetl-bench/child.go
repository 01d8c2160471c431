package main

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sdetl/sdetl/internal/xlsx"
)

// Readers measured by the xlsx benchmark.
const (
	readerInflate  = "inflate"
	readerSdetl    = "sdetl"
	readerExcelize = "excelize"     // Columns(): values formatted by their number format
	readerExcelRaw = "excelize-raw" // Columns(Options{RawCellValue: true})
)

var allReaders = []string{readerInflate, readerSdetl, readerExcelize, readerExcelRaw}

// measurement is what one child process reports on stdout (JSON). The
// parent adds what only it can see (peak RSS, CPU time).
type measurement struct {
	Reader      string  `json:"reader"`
	Rows        int64   `json:"rows"`
	MaxCols     int64   `json:"max_cols"`
	Cells       int64   `json:"cells_returned"` // sum of the lengths of the returned rows
	NonEmpty    int64   `json:"cells_non_empty"`
	TextBytes   int64   `json:"text_bytes"` // sum of the lengths of all values
	SheetBytes  int64   `json:"sheet_xml_bytes"`
	OpenSeconds float64 `json:"open_seconds"`                  // part of Seconds: Open (shared strings, styles)
	Seconds     float64 `json:"seconds"`                       // open + read everything + close
	SSTSeconds  float64 `json:"sst_inflate_seconds,omitempty"` // inflate only: the shared strings part, not in Seconds
}

// child runs one measurement: args are READER FILE. SDETL_BENCH_CPUPROFILE
// names a file for a CPU profile of the measurement.
func child(args []string, stdout io.Writer) error {
	if len(args) != 2 {
		return errors.New("want READER FILE")
	}
	if path := os.Getenv("SDETL_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var (
		m   measurement
		err error
	)
	switch args[0] {
	case readerInflate:
		m, err = measureInflate(args[1])
	case readerSdetl:
		m, err = measureSdetl(args[1])
	case readerExcelize:
		m, err = measureExcelize(args[1], false)
	case readerExcelRaw:
		m, err = measureExcelize(args[1], true)
	default:
		return fmt.Errorf("unknown reader %q", args[0])
	}
	if err != nil {
		return err
	}
	m.Reader = args[0]
	return json.NewEncoder(stdout).Encode(m)
}

// tally touches every value of a row: its length and its first byte.
type tally struct {
	rows, maxCols, cells, nonEmpty, text int64
	sink                                 byte
}

func (t *tally) row(row []string) {
	t.rows++
	t.cells += int64(len(row))
	t.maxCols = max(t.maxCols, int64(len(row)))
	for _, v := range row {
		if len(v) > 0 {
			t.nonEmpty++
			t.text += int64(len(v))
			t.sink ^= v[0]
		}
	}
}

func (t *tally) into(m *measurement) {
	m.Rows, m.MaxCols, m.Cells, m.NonEmpty, m.TextBytes = t.rows, t.maxCols, t.cells, t.nonEmpty, t.text
}

// measureSdetl reads every row with internal/xlsx.
func measureSdetl(path string) (measurement, error) {
	var m measurement
	start := time.Now()
	r, err := xlsx.Open(path)
	if err != nil {
		return m, err
	}
	m.OpenSeconds = time.Since(start).Seconds()
	var t tally
	for {
		row, _, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			r.Close()
			return m, err
		}
		t.row(row)
	}
	if err := r.Close(); err != nil {
		return m, err
	}
	m.Seconds = time.Since(start).Seconds()
	t.into(&m)
	return m, nil
}

// measureExcelize reads every row of the first sheet with excelize's
// streaming reader. With raw false the options are the defaults: values are
// formatted by their number format, which is what a caller wanting dates as
// text (what sdetl's reader returns) would use. With raw true values come
// back as stored (dates as serial numbers): less work than sdetl does, and
// much faster in excelize, so it is the stronger peer.
func measureExcelize(path string, raw bool) (measurement, error) {
	var m measurement
	start := time.Now()
	f, err := excelize.OpenFile(path)
	if err != nil {
		return m, err
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return m, errors.New("no sheets")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return m, err
	}
	m.OpenSeconds = time.Since(start).Seconds()
	var t tally
	for rows.Next() {
		cols, err := rows.Columns(excelize.Options{RawCellValue: raw})
		if err != nil {
			rows.Close()
			return m, err
		}
		t.row(cols)
	}
	if err := rows.Error(); err != nil {
		rows.Close()
		return m, err
	}
	if err := rows.Close(); err != nil {
		return m, err
	}
	if err := f.Close(); err != nil {
		return m, err
	}
	m.Seconds = time.Since(start).Seconds()
	t.into(&m)
	return m, nil
}

// measureInflate only decompresses the sheet XML: the floor for any reader.
func measureInflate(path string) (measurement, error) {
	var m measurement
	start := time.Now()
	zr, err := zip.OpenReader(path)
	if err != nil {
		return m, err
	}
	defer zr.Close()
	f := sheetPart(&zr.Reader)
	if f == nil {
		return m, errors.New("no worksheet part")
	}
	rc, err := f.Open()
	if err != nil {
		return m, err
	}
	n, err := io.Copy(io.Discard, rc)
	rc.Close()
	if err != nil {
		return m, err
	}
	m.SheetBytes = n
	m.Seconds = time.Since(start).Seconds()
	// Not part of the floor, for context: sdetl also inflates (and parses)
	// the shared strings before the first row.
	if f := sstPart(&zr.Reader); f != nil {
		start := time.Now()
		rc, err := f.Open()
		if err != nil {
			return m, err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return m, err
		}
		m.SSTSeconds = time.Since(start).Seconds()
	}
	return m, nil
}

func sstPart(zr *zip.Reader) *zip.File {
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, "xl/sharedStrings.xml") {
			return f
		}
	}
	return nil
}

// sheetPart is xl/worksheets/sheet1.xml, or else the first worksheet part
// in the archive.
func sheetPart(zr *zip.Reader) *zip.File {
	var first *zip.File
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		if name == "xl/worksheets/sheet1.xml" {
			return f
		}
		if first == nil && strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml") {
			first = f
		}
	}
	return first
}
