package xlsx

import (
	"archive/zip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	benchRows = 50_000
	benchCols = 60
)

var (
	benchOnce sync.Once
	benchPath string
	benchDir  string
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchBook writes (once per process) a 50K x 60 sheet shaped like a
// service-desk export: categorical and unique strings, numbers, dates,
// empty cells and some long texts.
func benchBook(b testing.TB) string {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "xlsxbench")
		if benchErr != nil {
			return
		}
		benchPath = filepath.Join(benchDir, "bench.xlsx")
		f, err := os.Create(benchPath)
		if err != nil {
			benchErr = err
			return
		}
		defer f.Close()
		w, err := NewWriter(f)
		if err != nil {
			benchErr = err
			return
		}
		rng := rand.New(rand.NewPCG(7, 7))
		cats := []string{"Open", "Closed", "Pending", "Resolved", "In Progress", "Hardware", "Software", "Network", " PendingAssignment", "High", "Low", "Medium"}
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		row := make([]Cell, benchCols)
		for i := range benchRows {
			for c := range row {
				switch {
				case c == 0:
					row[c] = Num(strconv.Itoa(3_000_000 + i))
				case c < 12:
					row[c] = Str(cats[rng.IntN(len(cats))])
				case c < 20:
					t := base.Add(time.Duration(rng.Int64N(int64(500 * 24 * time.Hour)))).Truncate(time.Second)
					row[c] = DateCell(t, DateFormat(c%3))
				case c < 30:
					row[c] = Num(strconv.FormatFloat(float64(rng.IntN(100000))/100, 'f', -1, 64))
				case c < 40:
					row[c] = Str(fmt.Sprintf("user%d@example.com", rng.IntN(5000)))
				case c < 44:
					row[c] = Str(fmt.Sprintf("Ticket %d: printer on floor %d is not working, user reports error code %x", i, rng.IntN(9), rng.Uint32()))
				case c == 44 && i%10 == 0:
					row[c] = Str(strings.Repeat("Long comment text with details. ", 12))
				case c < 50:
					row[c] = Cell{} // mostly empty columns
				default:
					row[c] = Str(strconv.Itoa(rng.IntN(1000)))
				}
			}
			if err := w.WriteRow(row); err != nil {
				benchErr = err
				return
			}
		}
		benchErr = w.Close()
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

// sheetEntry opens the bench workbook's sheet part.
func sheetEntry(b *testing.B, path string) (*zip.ReadCloser, *zip.File) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		b.Fatal(err)
	}
	useInflate(&zr.Reader) // as the reader inflates
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			return zr, f
		}
	}
	b.Fatal("no sheet")
	return nil, nil
}

// BenchmarkRead reads the whole sheet; MB/s is of uncompressed sheet XML,
// cells/s counts the rows x columns grid.
func BenchmarkRead(b *testing.B) {
	path := benchBook(b)
	zr, f := sheetEntry(b, path)
	b.SetBytes(int64(f.UncompressedSize64))
	zr.Close()
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op") }()
	for b.Loop() {
		r, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			_, _, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
		r.Close()
		if rows != benchRows {
			b.Fatalf("read %d rows, want %d", rows, benchRows)
		}
	}
	reportCells(b)
}

// BenchmarkInflate only decompresses the sheet part (with the same window
// size the reader uses): the floor for any reader.
func BenchmarkInflate(b *testing.B) {
	path := benchBook(b)
	buf := make([]byte, scanBufSize)
	zr, f := sheetEntry(b, path)
	defer zr.Close()
	b.SetBytes(int64(f.UncompressedSize64))
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op") }()
	for b.Loop() {
		rc, err := f.Open()
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := io.ReadFull(rc, buf); err != nil {
				break
			}
		}
		rc.Close()
	}
	reportCells(b)
}

func reportCells(b *testing.B) {
	b.ReportMetric(float64(benchRows*benchCols)*float64(b.N)/b.Elapsed().Seconds(), "cells/s")
}

// cpuTime is the process's user+system CPU time in ns. The wall-clock
// figures are noisy on a shared machine; CPU time per op is steadier.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
