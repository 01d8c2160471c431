package xlsx

import (
	"archive/zip"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/sdetl/sdetl/internal/countio"
	"github.com/sdetl/sdetl/internal/inputfile"
)

// Reader streams the rows of the first worksheet of an XLSX workbook.
//
// Values come back as text: strings as stored, numbers exactly as written in
// the file, booleans as TRUE/FALSE, errors as their text, and numbers whose
// style is a date/time format as ISO text ("2006-01-02 15:04:05",
// "2006-01-02" or "15:04:05", with ".fff" when the serial has milliseconds).
// Formulas are never evaluated; their cached values are returned.
type Reader struct {
	path      string
	file      *os.File
	sheet     io.ReadCloser
	stopAhead func() // stops the goroutine inflating the sheet ahead
	sc        *scanner
	sst       *sharedStrings
	sstPart   *zip.File // OpenPrefix: the table, read as far as the rows so far need
	prefix    bool      // OpenPrefix: sst holds the table's first strings only
	styles    []dateClass
	date1904  bool

	consumed *countio.Reader // sheet XML handed to the scanner, for Done
	size     uint64          // uncompressed size of the sheet XML, from the zip directory

	lim      Limits
	expanded int64       // bytes of values yielded so far
	budget   int64       // the most they may total (Limits.MaxExpansion)
	numDates []dateClass // by column: numbers to return as dates (SetDateColumns)

	rowNum int        // number of the last row returned
	cells  []cellSpan // cells of the row being built, by column
	buf    []byte     // text of the row's non-shared values
	row    []string   // returned by Read, reused
	kinds  []CellKind // returned by Kinds, reused
	err    error      // sticky
	done   bool
}

// cellSpan locates one cell value: a shared string, or buf[start:end].
type cellSpan struct {
	kind       CellKind
	shared     bool
	start, end int
	sst        int
}

// Open opens the XLSX file at path and prepares to read its first sheet in
// workbook order. Shared strings and styles are loaded (a large shared
// string table into a temporary file, see the package doc); the sheet itself
// is streamed by Read. Close the Reader to release the file, the temporary
// file and the goroutine reading ahead. The default limits apply.
func Open(path string) (*Reader, error) {
	return OpenContext(context.Background(), path, Limits{})
}

// OpenContext is Open for a regular file only (see inputfile), with the
// given limits (zero fields: the defaults); reads fail with ctx.Err() once
// ctx is done.
func OpenContext(ctx context.Context, path string, lim Limits) (*Reader, error) {
	return openFile(ctx, path, lim, false)
}

// OpenPrefix is OpenContext for a caller that reads the first row or few, a header: the
// shared strings are read only as far as the rows read so far refer to them (writers number
// them in order of first use, so a header's are the table's first), not the whole table,
// which in a large export is most of its text. The rows are those OpenContext gives, and so
// are the errors but for a table that ends before a string a cell refers to, which names
// the cell when that row is read. A row that needs a later string reads the table's start
// again: read a whole sheet with OpenContext.
func OpenPrefix(ctx context.Context, path string, lim Limits) (*Reader, error) {
	return openFile(ctx, path, lim, true)
}

func openFile(ctx context.Context, path string, lim Limits, prefix bool) (*Reader, error) {
	f, err := inputfile.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := open(ctx, inputfile.Display(path), f, lim.withDefaults(), prefix)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func open(ctx context.Context, path string, f *os.File, lim Limits, prefix bool) (*Reader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	zr, err := zip.NewReader(inputfile.ReaderAt(ctx, f), st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: not a valid XLSX file (truncated or not a zip archive): %w", path, err)
	}
	useInflate(zr)
	info, err := locate(indexParts(zr))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := &Reader{path: path, file: f, date1904: info.date1904, lim: lim}
	parts := info.sheet.UncompressedSize64
	if info.sst != nil {
		parts += info.sst.UncompressedSize64
	}
	r.budget = lim.expansionBudget(parts)
	sst := info.sst
	if prefix {
		r.sstPart, r.prefix, sst = info.sst, true, nil // none yet: emit reads what a row needs
	}
	if r.sst, err = readSST(sst, lim); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.styles, err = readStyles(info.styles); err != nil {
		r.sst.close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.sheet, err = openPart(info.sheet, maxSheetSize); err != nil {
		r.sst.close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var src io.Reader
	src, r.stopAhead = readAhead(r.sheet, info.sheet.UncompressedSize64)
	r.consumed = &countio.Reader{R: src}
	r.size = info.sheet.UncompressedSize64
	r.sc = newScanner(r.consumed, info.sheet.UncompressedSize64)
	r.sc.skipText = true
	if err := r.seekSheetData(info.sheet.Name); err != nil {
		r.stopAhead()
		r.sheet.Close()
		r.sst.close()
		return nil, err
	}
	return r, nil
}

// seekSheetData skips the worksheet up to the first row.
func (r *Reader) seekSheetData(name string) error {
	for {
		if err := r.sc.next(); err != nil {
			return fmt.Errorf("%s: %s: %w", r.path, name, explain(err))
		}
		switch r.sc.kind {
		case tokEOF:
			r.done = true // no sheetData: an empty sheet
			return nil
		case tokStart, tokEmpty:
			if string(r.sc.name) == "sheetData" {
				r.done = r.sc.kind == tokEmpty
				return nil
			}
		}
	}
}

// Read returns the next row: one slice per <row> element, cells placed by
// their column reference, missing cells "" (Kind Empty), trailing missing
// cells trimmed (callers pad). rowNum is the spreadsheet row number
// (1-based). The returned slice is reused by the next Read; the strings are
// not. At the end Read returns io.EOF.
func (r *Reader) Read() (row []string, rowNum int, err error) {
	if r.err != nil {
		return nil, 0, r.err
	}
	if r.done {
		r.err = r.finish()
		return nil, 0, r.err
	}
	if err := r.readRow(); err != nil {
		if err == io.EOF {
			r.err = r.finish()
		} else {
			r.err = err
		}
		return nil, 0, r.err
	}
	return r.row, r.rowNum, nil
}

// Kinds returns the kinds of the cells of the last row Read returned, in
// the same positions. The slice is reused by the next Read.
func (r *Reader) Kinds() []CellKind { return r.kinds }

// finish reads what follows the sheet data to the end of the part so that
// archive/zip verifies the checksum, then reports io.EOF.
func (r *Reader) finish() error {
	r.done = true
	if r.sc.err == nil && !r.sc.eof {
		if _, err := io.Copy(io.Discard, r.sc.r); err != nil {
			return fmt.Errorf("%s: after the last row: %w", r.path, explain(err))
		}
	}
	if r.sc.err != nil {
		return fmt.Errorf("%s: after the last row: %w", r.path, explain(r.sc.err))
	}
	return io.EOF
}

// Close releases the file (and the temporary file of a large shared string
// table). Strings already returned stay valid.
func (r *Reader) Close() error {
	if r.file == nil {
		return nil
	}
	r.stopAhead()
	r.sheet.Close()
	r.sst.close()
	err := r.file.Close()
	r.file = nil
	if r.err == nil {
		r.err = fmt.Errorf("%s: reader closed", r.path)
	}
	return err
}

// explain turns low-level stream errors into something a user can act on.
func explain(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("unexpected end of data (file truncated or corrupted)")
	case errors.Is(err, zip.ErrChecksum):
		return errors.New("checksum mismatch (file corrupted)")
	}
	var ce flate.CorruptInputError
	if errors.As(err, &ce) {
		return fmt.Errorf("corrupted compressed data (%v)", err)
	}
	return err
}

// Done is the share of the sheet's XML read so far (an estimate: the scanner reads ahead a
// buffer), or -1 when the workbook does not say how large the sheet is.
func (r *Reader) Done() float64 {
	if r.size == 0 || r.consumed == nil {
		return -1
	}
	return min(float64(r.consumed.N)/float64(r.size), 1)
}
