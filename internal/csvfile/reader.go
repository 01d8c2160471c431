// Package csvfile owns reading CSV exports: a strict RFC 4180 reader (comma separator, UTF-8,
// optional BOM) that returns every byte of a field as written, CR, LF, CRLF and NUL inside quotes
// included, and reports syntax and encoding errors with their line and column.
//
// It is hand-written rather than built on encoding/csv because that reader drops the CR of a CRLF
// inside quoted fields and skips empty lines; the clean stage, not the reader, decides what
// whitespace means.
//
// The reader does not compare field counts between records: the caller checks len(fields)
// against the header and quarantines the record, so one bad row does not stop the file.
//
// Line ends: LF and CRLF, or CR alone in a file whose first lines end that way (old Mac Excel
// saves them), decided once per file from its start so that header and data split alike. Blank
// lines (a line end with nothing before it, outside quotes) hold no fields and are skipped, and
// counted (Blank). Fields and records are bounded (Limits), so memory is bounded on any input.
package csvfile

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/sdetl/sdetl/internal/countio"
	"github.com/sdetl/sdetl/internal/inputfile"
)

// bufSize is large so that ReadSlice finds most lines without assembling them in r.long.
const bufSize = 64 << 10

var bom = []byte("\xEF\xBB\xBF")

// Reader reads records from a CSV stream. It is not safe for concurrent use.
type Reader struct {
	name    string
	br      *bufio.Reader
	src     *countio.Reader
	closer  io.Closer
	line    int   // physical lines consumed so far
	start   int   // line where the record being read starts
	started bool  // the BOM check and the line-end detection have been done
	eol     byte  // '\n' (LF or CRLF line ends) or '\r' (CR-only)
	err     error // sticky: after an error every Read returns it
	lim     Limits
	// encoding is the file's (Encodings); the parser reads its decoded UTF-8.
	encoding string
	records  int // records returned so far
	blank    int // blank lines skipped

	rec    []byte   // field bytes of the current record, unquoted and concatenated
	ends   []int    // end offset in rec of each field
	fields []string // returned by Read, reused
	long   []byte   // assembles a physical line longer than the bufio buffer
}

// Open opens the CSV file at path with the default limits. The path names the file in errors.
func Open(path string) (*Reader, error) {
	return OpenContext(context.Background(), path, Limits{})
}

// OpenContext opens the CSV file at path, which must be a regular file (see inputfile), with the
// given limits (zero fields: the defaults). Reads fail with ctx.Err() once ctx is done.
func OpenContext(ctx context.Context, path string, lim Limits) (*Reader, error) {
	return OpenEncoding(ctx, path, lim, UTF8)
}

// OpenEncoding is OpenContext for a file in encoding enc (see Encodings; "" is UTF-8). A file
// that is not text at all, or UTF-16 declared as something else, is refused here with a
// *NotTextError, before any record is read.
func OpenEncoding(ctx context.Context, path string, lim Limits, enc string) (*Reader, error) {
	enc, err := NormalizeEncoding(enc)
	if err != nil {
		return nil, err
	}
	f, err := inputfile.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 4096)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, fmt.Errorf("%s: %w", inputfile.Display(path), err)
	}
	if why := notText(head[:n], enc); why != "" {
		f.Close()
		return nil, &NotTextError{File: inputfile.Display(path), Why: why}
	}
	if enc == UTF8 {
		r := NewReader(inputfile.Reader(ctx, f), inputfile.Display(path))
		r.lim = lim.withDefaults()
		r.closer = f
		return r, nil
	}
	// Count the file's bytes under the decoder, so that progress is a share of the file.
	c := &countio.Reader{R: inputfile.Reader(ctx, f)}
	rd, err := decoder(c, enc)
	if err != nil {
		f.Close()
		return nil, err
	}
	r := &Reader{name: inputfile.Display(path), br: bufio.NewReaderSize(rd, bufSize), src: c, eol: '\n',
		lim: lim.withDefaults(), closer: f, encoding: enc}
	return r, nil
}

// NewReader reads CSV from rd with the default limits; name identifies the input in errors. A
// UTF-8 BOM at the start of the stream is skipped.
func NewReader(rd io.Reader, name string) *Reader {
	c := &countio.Reader{R: rd}
	return &Reader{name: name, br: bufio.NewReaderSize(c, bufSize), src: c, eol: '\n', lim: DefaultLimits}
}

// SetLimits replaces the limits (zero fields: the defaults) for the records read from now on.
func (r *Reader) SetLimits(l Limits) { r.lim = l.withDefaults() }

// Blank is the number of blank lines skipped so far.
func (r *Reader) Blank() int { return r.blank }

// Offset is how many bytes of the input the records returned so far consumed (for progress).
func (r *Reader) Offset() int64 {
	if r.encoding != "" && r.encoding != UTF8 {
		return r.src.N // bytes of the file decoded so far; the buffer holds decoded text
	}
	return r.src.N - int64(r.br.Buffered())
}

// Encoding is the file's encoding (Encodings).
func (r *Reader) Encoding() string {
	if r.encoding == "" {
		return UTF8
	}
	return r.encoding
}

// Close closes the file opened by Open; for a Reader from NewReader it does nothing.
func (r *Reader) Close() error {
	c := r.closer
	if c == nil {
		return nil
	}
	r.closer = nil
	return c.Close()
}

// Read returns the next record and the 1-based line on which it starts (a quoted field may span
// lines, so record ordinals and line numbers differ). At the end of input it returns io.EOF.
//
// A blank line is no record: it is skipped and counted (Blank). A terminator at the end of the
// file does not start another record; a last line without a terminator is still a record. The
// record terminator (LF or CRLF outside quotes; CR in a CR-only file) is not part of the last
// field; otherwise a CR not followed by LF is data, and so is an LF in a CR-only file.
//
// The returned slice is reused by the next call: copy it to keep it. The strings themselves are
// immutable and safe to keep (they share one allocation per record).
//
// Syntax errors (a bare quote in an unquoted field, text after a closing quote, an unclosed
// quote) and invalid UTF-8 are returned as *Error, a field or record beyond the limits as
// *LimitError; both are fatal for the file.
func (r *Reader) Read() (fields []string, line int, err error) {
	if r.err != nil {
		return nil, 0, r.err
	}
	line, err = r.readRecord()
	if err != nil {
		r.err = err
		return nil, 0, err
	}
	r.records++
	s := string(r.rec)
	r.fields = r.fields[:0]
	start := 0
	for _, end := range r.ends {
		r.fields = append(r.fields, s[start:end])
		start = end
	}
	return r.fields, line, nil
}

// readRecord parses one record into r.rec and r.ends and returns its start line.
func (r *Reader) readRecord() (int, error) {
	budget := r.lim.MaxRecordBytes // raw bytes the record may still take
	var line []byte
	var err error
	for {
		r.start = r.line + 1
		if line, err = r.readLine(budget, 1, false, r.start); err != nil {
			return 0, err
		}
		if len(line) > terminatorLen(line, r.eol) {
			break
		}
		r.blank++ // a blank line: no fields at all, so no record
	}
	budget -= len(line)
	start := r.line
	r.rec = r.rec[:0]
	r.ends = r.ends[:0]
	end := len(line) - terminatorLen(line, r.eol) // content ends here; line[end:] is the terminator
	pos := 0
	for {
		fieldStart := len(r.rec)
		if pos < end && line[pos] == '"' {
			qLine, qCol := r.line, pos+1
			pos++
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 {
					// The field goes on past this line: its terminator is data.
					r.rec = append(r.rec, line[pos:]...)
					if err := r.checkField(fieldStart, start); err != nil {
						return 0, err
					}
					if line, err = r.readLine(budget, len(r.ends)+1, true, start); err != nil {
						if err == io.EOF {
							return 0, r.errorf(qLine, qCol, ErrQuote)
						}
						return 0, err
					}
					budget -= len(line)
					end = len(line) - terminatorLen(line, r.eol)
					pos = 0
					continue
				}
				r.rec = append(r.rec, line[pos:pos+i]...)
				pos += i + 1
				if pos < end && line[pos] == '"' { // "" is one quote
					r.rec = append(r.rec, '"')
					pos++
					continue
				}
				break
			}
			if err := r.checkField(fieldStart, start); err != nil {
				return 0, err
			}
			if pos < end && line[pos] != ',' {
				return 0, r.errorf(r.line, pos+1, ErrTrailingQuote)
			}
		} else {
			i := bytes.IndexByte(line[pos:end], ',')
			if i < 0 {
				i = end - pos
			}
			field := line[pos : pos+i]
			if q := bytes.IndexByte(field, '"'); q >= 0 {
				return 0, r.errorf(r.line, pos+q+1, ErrBareQuote)
			}
			r.rec = append(r.rec, field...)
			if err := r.checkField(fieldStart, start); err != nil {
				return 0, err
			}
			pos += i
		}
		r.ends = append(r.ends, len(r.rec))
		if pos >= end {
			return start, nil
		}
		pos++ // the comma; a comma at the end of the line leaves one empty field to read
	}
}

// checkField fails if the field being read (from fieldStart in r.rec) is past the limit.
func (r *Reader) checkField(fieldStart, startLine int) error {
	if len(r.rec)-fieldStart <= r.lim.MaxFieldBytes {
		return nil
	}
	return &LimitError{File: r.name, Row: r.records, Line: startLine, Column: len(r.ends) + 1,
		Flag: FlagMaxFieldBytes, Max: r.lim.MaxFieldBytes}
}

// readLine returns the next physical line with its line end (absent only on the last line),
// valid until the next call, after checking it is UTF-8. It returns io.EOF only when no byte is
// left. A line longer than budget is not assembled: that is a LimitError for the record, whose
// column is field plus the fields the line starts before the limit (quoted: the line continues
// a quoted field; startLine: where the record starts).
func (r *Reader) readLine(budget, field int, quoted bool, startLine int) ([]byte, error) {
	if !r.started {
		r.started = true
		r.detect()
	}
	line, err := r.br.ReadSlice(r.eol)
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		for err == bufio.ErrBufferFull && len(r.long) <= budget {
			line, err = r.br.ReadSlice(r.eol)
			r.long = append(r.long, line...)
		}
		line = r.long
		if cap(r.long) > 4*bufSize {
			r.long = nil // do not keep a huge line's buffer for the rest of the file
		}
	}
	if len(line) > budget {
		return nil, &LimitError{File: r.name, Row: r.records, Line: startLine,
			Column: field + fieldsBefore(line[:budget], quoted), Flag: FlagMaxRecordBytes, Max: r.lim.MaxRecordBytes}
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", r.name, err)
	}
	if r.line == 0 {
		line = bytes.TrimPrefix(line, bom)
	}
	if len(line) == 0 {
		return nil, io.EOF // err is io.EOF here: ReadSlice returns data or an error
	}
	r.line++
	// Check per line, before unquoting, so the column points at the raw byte. A line end never
	// splits a valid UTF-8 sequence, so checking line by line is exact.
	if !utf8.Valid(line) {
		return nil, &NotUTF8Error{Err: r.errorf(r.line, invalidAt(line)+1, ErrInvalidUTF8).(*Error), Byte: line[invalidAt(line)]}
	}
	return line, nil
}

// detect decides the file's line end from its first buffer: CR-only if, outside quotes, it has
// a CR and no LF at all (a CR directly before the buffer's end might be the start of a CRLF and
// does not count). Any LF keeps the RFC 4180 rule, under which a lone CR is data.
func (r *Reader) detect() {
	b, _ := r.br.Peek(bufSize)
	quoted, cr := false, false
	for i, c := range b {
		switch c {
		case '"':
			quoted = !quoted
		case '\n':
			if !quoted {
				return
			}
		case '\r':
			if !quoted && (i+1 < len(b) || len(b) < bufSize) {
				cr = true
			}
		}
	}
	if cr {
		r.eol = '\r'
	}
}

// fieldsBefore counts the field separators in b outside quotes.
func fieldsBefore(b []byte, quoted bool) int {
	n := 0
	for _, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			n++
		}
	}
	return n
}

func (r *Reader) errorf(line, col int, kind error) error {
	return &Error{File: r.name, StartLine: r.start, Line: line, Column: col, Err: kind}
}

// terminatorLen is the length of the line's end: LF or CRLF, or CR when eol is CR (0 on a last
// line without one).
func terminatorLen(line []byte, eol byte) int {
	n := len(line)
	if n == 0 || line[n-1] != eol {
		return 0
	}
	if eol == '\n' && n >= 2 && line[n-2] == '\r' {
		return 2
	}
	return 1
}

// invalidAt returns the offset of the first byte of b that is not part of valid UTF-8.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		c, n := utf8.DecodeRune(b[i:])
		if c == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}
