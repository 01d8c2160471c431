// Package exports reads a service desk's export files, XLSX or CSV, as one kind of thing: a
// header row, then data rows of raw cell text with their row numbers. Import, quarantine
// release and spec init all read exports through File.Each, so each sees exactly the rows,
// row numbers and field-count rule the others do. It also finds a contract's exports in a
// directory.
//
// Every export is opened through the readers' OpenContext: only a regular file is read (see
// internal/inputfile), reads stop when the context is cancelled, and the readers' Limits bound
// what one file can make them hold.
package exports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/csvfile"
	"github.com/sdetl/sdetl/internal/inputfile"
	"github.com/sdetl/sdetl/internal/xlsx"
)

// Limits bound what the readers hold and yield per field, record, cell, row and workbook (see
// csvfile.Limits and xlsx.Limits); zero fields take the readers' defaults.
type Limits struct {
	CSV  csvfile.Limits
	XLSX xlsx.Limits
}

// source reads one export as rows of raw cell text.
type source interface {
	// Read returns the next row, its 1-based data row number (the header is row 0) and,
	// for CSV, the line where it starts (0 for XLSX). The slice is reused by the next call.
	Read() (row []string, dataRow, line int, err error)
	// Done is the share of the file read so far, or -1 when it cannot be told.
	Done() float64
	// Kinds are the cell kinds of the last row (XLSX), or nil when the format has none (CSV).
	Kinds() []xlsx.CellKind
	// Blank is the number of blank lines skipped so far (CSV; 0 for XLSX).
	Blank() int
	Close() error
}

// Formats the importer recognises, by file extension.
var extensions = []string{".xlsx", ".csv"}

// IsExportExt reports whether name has an extension Import looks for. Import builds the path
// from the contract's file base name plus a lower-case extension, so "X.CSV" is not found.
func IsExportExt(name string) bool {
	for _, ext := range extensions {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// findExport locates <dir>/<base>.xlsx or .csv; more than one is ambiguous.
func findExport(dir, base string) (string, error) {
	var found []string
	for _, ext := range extensions {
		p := filepath.Join(dir, base+ext)
		if _, err := os.Stat(p); err == nil {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%s: no %s export (want %s.xlsx or %s.csv): %w", dir, base, base, base, os.ErrNotExist)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%s: both %s exist; keep one", dir, strings.Join(found, " and "))
}

// Paths maps tables to the files to import: dir's <table.File>.xlsx|csv (every table not
// optional must be there), or the given files.
func Paths(s *contract.Spec, dir string, files []string) (map[string]string, error) {
	paths := map[string]string{}
	if len(files) == 0 {
		for _, t := range s.Tables {
			p, err := findExport(dir, t.File)
			if err != nil {
				if t.Optional && errors.Is(err, os.ErrNotExist) {
					continue
				}
				return nil, err
			}
			paths[t.Name] = p
		}
		return paths, nil
	}
	for _, f := range files {
		t, err := tableOf(s, f)
		if err != nil {
			return nil, err
		}
		if prev, dup := paths[t.Name]; dup {
			return nil, fmt.Errorf("%s and %s are both %s exports; import them one at a time", prev, f, t.Name)
		}
		paths[t.Name] = f
	}
	return paths, nil
}

// tableOf says which table a file holds: the one named like it, else the only one whose
// headers it has.
func tableOf(s *contract.Spec, path string) (*contract.Table, error) {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	for _, t := range s.Tables {
		if strings.EqualFold(stem, t.File) {
			return t, nil
		}
	}
	f, err := Open(path)
	for _, t := range s.Tables {
		if err == nil {
			break
		}
		if t.Encoding != "" { // a file in a table's declared encoding opens in it
			f, err = OpenEncoding(context.Background(), path, Limits{}, t.Encoding)
		}
	}
	if err != nil {
		return nil, err
	}
	f.Close()
	var match []*contract.Table
	for _, t := range s.Tables {
		if _, err := t.MatchHeaders(f.Header); err == nil {
			match = append(match, t)
		}
	}
	if len(match) != 1 {
		return nil, fmt.Errorf("%s: its name and headers match %d tables of the contract; name it after its table (e.g. %s.csv)", path, len(match), s.Tables[0].File)
	}
	return match[0], nil
}

// File is one export opened for reading, its header row read.
type File struct {
	Path   string
	Header []string // the header row as read (BOM and surrounding spaces included)
	Format string   // "xlsx" or "csv"
	// Encoding is a CSV file's encoding as read (csvfile.Encodings); "" for XLSX.
	Encoding string
	src      source
}

// Row is one data row of an export.
type Row struct {
	// Cells are the row's raw cell text; XLSX rows may be shorter than the header (trailing
	// empty cells are omitted). Reused by later rows: copy what you keep.
	Cells   []string
	DataRow int // 1-based data row number (the header is row 0)
	Line    int // CSV: the line where the row starts; 0 for XLSX
	// Misfit says why Import rejects the row instead of staging it (a wrong field count,
	// quarantined as field_count), or "" when it fits the header.
	Misfit string
	kinds  []xlsx.CellKind // XLSX: the cells' kinds (see DateCell); nil for CSV
}

// Open opens an .xlsx or .csv export with the default limits and reads its header row.
func Open(path string) (*File, error) {
	return OpenContext(context.Background(), path, Limits{})
}

// OpenContext opens an .xlsx or .csv export, a regular file, with the given limits, and reads
// its header row. Reads fail with ctx.Err() once ctx is done.
func OpenContext(ctx context.Context, path string, lim Limits) (*File, error) {
	return OpenEncoding(ctx, path, lim, "")
}

// OpenEncoding is OpenContext for a CSV export in encoding enc (csvfile.Encodings; "" is
// UTF-8). An XLSX workbook says its own encoding, so enc does not apply to it.
func OpenEncoding(ctx context.Context, path string, lim Limits, enc string) (*File, error) {
	return openFile(ctx, path, lim, enc, false)
}

// ReadHeader is OpenEncoding for a file whose header row alone is wanted (the preflight's
// check): the file comes back closed. Of a workbook's shared strings only those the header
// uses are read (xlsx.OpenPrefix): in a large export the table is most of the text, and the
// preflight's whole table took it 0.9 s on the raw exports before the import read it again.
func ReadHeader(ctx context.Context, path string, lim Limits, enc string) (*File, error) {
	f, err := openFile(ctx, path, lim, enc, true)
	if err != nil {
		return nil, err
	}
	return f, f.Close()
}

func openFile(ctx context.Context, path string, lim Limits, enc string, headerOnly bool) (*File, error) {
	header, src, err := openSource(ctx, path, lim, enc, headerOnly)
	if err != nil {
		return nil, err
	}
	f := &File{Path: path, Header: header, Format: "xlsx", src: src}
	if c, ok := src.(*csvSource); ok {
		f.Format, f.Encoding = "csv", c.r.Encoding()
	}
	return f, nil
}

// every is how often Each checks ctx and reports progress, in rows.
const every = 4096

// Each calls fn with every data row in order, until the end of the file or an error. Every
// 4096 rows it checks ctx and calls progress (if not nil) with the rows read so far and the
// share of the file read (-1 when it cannot be told). The rows are read a few batches ahead
// of fn on another goroutine (see readAhead); fn and progress run on the caller's.
func (f *File) Each(ctx context.Context, progress func(rows int64, done float64), fn func(Row) error) error {
	r := readAhead(f.src)
	defer r.stop()
	var n int64
	for {
		b := <-r.full
		cells, kinds := 0, 0
		for _, ar := range b.rows {
			row := Row{Cells: b.cells[cells:ar.cells:ar.cells], DataRow: ar.dataRow, Line: ar.line}
			if ar.kinds > kinds {
				row.kinds = b.kinds[kinds:ar.kinds:ar.kinds]
			}
			cells, kinds = ar.cells, ar.kinds
			if n++; n%every == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				if progress != nil {
					progress(n, ar.done)
				}
			}
			row.Misfit = fieldCountProblem(row.Cells, len(f.Header), f.Format)
			if err := fn(row); err != nil {
				return err
			}
		}
		if errors.Is(b.err, io.EOF) {
			return nil
		}
		if b.err != nil {
			return b.err
		}
		r.free <- b // never blocks: room for every batch
	}
}

// DateCell reports whether cell i of the row was a date-formatted XLSX cell (which the reader
// renders as ISO text); always false for CSV.
func (r Row) DateCell(i int) bool {
	return i < len(r.kinds) && r.kinds[i] == xlsx.Date
}

// Blank is the number of blank lines (CSV) skipped so far: no fields at all, so no row.
func (f *File) Blank() int { return f.src.Blank() }

// SetDateColumns tells an XLSX reader which header positions the contract types as a date or
// timestamp, so that a 1904 workbook's General-formatted serials there are read in its own date
// system, as its date-formatted cells are (see xlsx.Reader.SetDateColumns). No-op for CSV.
func (f *File) SetDateColumns(t *contract.Table, m *contract.Mapping) {
	x, ok := f.src.(*xlsxSource)
	if !ok {
		return
	}
	cols := make([]bool, len(f.Header))
	for i, p := range m.Source {
		if p >= 0 && p < len(cols) && (t.Columns[i].Type == contract.Date || t.Columns[i].Type == contract.Timestamp) {
			cols[p] = true
		}
	}
	x.r.SetDateColumns(cols)
}

// Close releases the file.
func (f *File) Close() error { return f.src.Close() }

// Cell is row[i], or "" past the end of a short row.
func Cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// fieldCountProblem says why row does not fit a header of n columns, or "". A CSV record must
// have exactly n fields; an XLSX row may omit trailing empty cells but hold nothing beyond n.
func fieldCountProblem(row []string, n int, format string) string {
	if format == "csv" {
		if len(row) != n {
			return fmt.Sprintf("%d fields, header has %d", len(row), n)
		}
		return ""
	}
	for i := n; i < len(row); i++ {
		if row[i] != "" {
			return fmt.Sprintf("value in column %d beyond the header's %d columns", i+1, n)
		}
	}
	return ""
}

// openSource opens path by extension and returns its header row and a row source.
func openSource(ctx context.Context, path string, lim Limits, enc string, headerOnly bool) (header []string, src source, err error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		r, err := csvfile.OpenEncoding(ctx, path, lim.CSV, enc)
		if err != nil {
			return nil, nil, err
		}
		s := &csvSource{r: r}
		if fi, err := os.Stat(path); err == nil {
			s.size = fi.Size()
		}
		h, _, _, err := s.Read()
		if err != nil {
			r.Close()
			return nil, nil, headerErr(path, err)
		}
		s.n = 0
		return append([]string(nil), h...), s, nil
	case ".xlsx":
		open := xlsx.OpenContext
		if headerOnly {
			open = xlsx.OpenPrefix
		}
		r, err := open(ctx, path, lim.XLSX)
		if err != nil {
			return nil, nil, err
		}
		h, rowNum, err := r.Read()
		if err != nil {
			r.Close()
			return nil, nil, headerErr(path, err)
		}
		return append([]string(nil), h...), &xlsxSource{r: r, headerRow: rowNum}, nil
	}
	return nil, nil, fmt.Errorf("%s: unsupported file type (want .xlsx or .csv)", inputfile.Display(path))
}

func headerErr(path string, err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: empty file (no header row)", inputfile.Display(path))
	}
	return err
}

type csvSource struct {
	r    *csvfile.Reader
	n    int
	size int64
}

func (s *csvSource) Done() float64 {
	if s.size <= 0 {
		return -1
	}
	return float64(s.r.Offset()) / float64(s.size)
}

func (s *csvSource) Read() ([]string, int, int, error) {
	f, line, err := s.r.Read()
	if err != nil {
		return nil, 0, line, err
	}
	s.n++
	return f, s.n, line, nil
}

func (s *csvSource) Close() error { return s.r.Close() }

func (s *csvSource) Kinds() []xlsx.CellKind { return nil }

func (s *csvSource) Blank() int { return s.r.Blank() }

type xlsxSource struct {
	r         *xlsx.Reader
	headerRow int
}

func (s *xlsxSource) Read() ([]string, int, int, error) {
	row, rowNum, err := s.r.Read()
	if err != nil {
		return nil, 0, 0, err
	}
	return row, rowNum - s.headerRow, 0, nil
}

func (s *xlsxSource) Close() error { return s.r.Close() }

func (s *xlsxSource) Done() float64 { return s.r.Done() }

func (s *xlsxSource) Kinds() []xlsx.CellKind { return s.r.Kinds() }

func (s *xlsxSource) Blank() int { return 0 }
