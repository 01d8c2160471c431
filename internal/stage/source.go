package stage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sdetl/sdetl/internal/csvfile"
	"github.com/sdetl/sdetl/internal/inputfile"
	"github.com/sdetl/sdetl/internal/spec"
	"github.com/sdetl/sdetl/internal/xlsx"
)

// source reads one export as rows of raw cell text.
type source interface {
	// Read returns the next row, its 1-based data row number (the header is row 0) and,
	// for CSV, the line where it starts (0 for XLSX). The slice is reused by the next call.
	Read() (row []string, dataRow, line int, err error)
	// Done is the share of the file read so far, or -1 when it cannot be told.
	Done() float64
	// Kinds are the cell kinds of the last row (XLSX), or nil when the format has none (CSV).
	Kinds() []xlsx.CellKind
	// Blank is the number of blank lines skipped (CSV; 0 for XLSX).
	Blank() int
	Close() error
}

// Formats the importer recognises, by file extension.
var extensions = []string{".xlsx", ".csv"}

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

// exportPaths maps tables to the files to import: Dir's <table.File>.xlsx|csv (every table not
// optional must be there), or the given Files.
func exportPaths(ctx context.Context, o Options) (map[string]string, error) {
	paths := map[string]string{}
	if len(o.Files) == 0 {
		for _, t := range o.Spec.Tables {
			p, err := findExport(o.Dir, t.File)
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
	for _, f := range o.Files {
		t, err := tableOf(ctx, o.Spec, f, o.Limits)
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
func tableOf(ctx context.Context, s *spec.Spec, path string, lim Limits) (*spec.Table, error) {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	for _, t := range s.Tables {
		if strings.EqualFold(stem, t.File) {
			return t, nil
		}
	}
	header, src, err := openSource(ctx, path, lim)
	if err != nil {
		return nil, err
	}
	src.Close()
	var match []*spec.Table
	for _, t := range s.Tables {
		if _, err := t.MatchHeaders(header); err == nil {
			match = append(match, t)
		}
	}
	if len(match) != 1 {
		return nil, fmt.Errorf("%s: its name and headers match %d tables of the contract; name it after its table (e.g. %s.csv)", path, len(match), s.Tables[0].File)
	}
	return match[0], nil
}

// openSource opens path by extension and returns its header row and a row source. Only a
// regular file is opened (see inputfile); reads stop when ctx is done.
func openSource(ctx context.Context, path string, lim Limits) (header []string, src source, err error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		r, err := csvfile.OpenContext(ctx, path, lim.CSV)
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
		r, err := xlsx.OpenContext(ctx, path, lim.XLSX)
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
