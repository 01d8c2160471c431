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
package csvfile

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/sdetl/sdetl/internal/countio"
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
	started bool  // the BOM check has been done
	err     error // sticky: after an error every Read returns it

	rec    []byte   // field bytes of the current record, unquoted and concatenated
	ends   []int    // end offset in rec of each field
	fields []string // returned by Read, reused
	long   []byte   // assembles a physical line longer than the bufio buffer
}

// Open opens the CSV file at path. The path names the file in errors.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r := NewReader(f, path)
	r.closer = f
	return r, nil
}

// NewReader reads CSV from rd; name identifies the input in errors. A UTF-8 BOM at the start of
// the stream is skipped.
func NewReader(rd io.Reader, name string) *Reader {
	c := &countio.Reader{R: rd}
	return &Reader{name: name, br: bufio.NewReaderSize(c, bufSize), src: c}
}

// Offset is how many bytes of the input the records returned so far consumed (for progress).
func (r *Reader) Offset() int64 { return r.src.N - int64(r.br.Buffered()) }

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
// An empty line is a record with one empty field; a terminator at the end of the file does not
// start another record; a last line without a terminator is still a record. The record
// terminator (LF or CRLF outside quotes) is not part of the last field; a CR not followed by LF is
// data.
//
// The returned slice is reused by the next call: copy it to keep it. The strings themselves are
// immutable and safe to keep (they share one allocation per record).
//
// Syntax errors (a bare quote in an unquoted field, text after a closing quote, an unclosed
// quote) and invalid UTF-8 are returned as *Error and are fatal for the file.
func (r *Reader) Read() (fields []string, line int, err error) {
	if r.err != nil {
		return nil, 0, r.err
	}
	line, err = r.readRecord()
	if err != nil {
		r.err = err
		return nil, 0, err
	}
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
	r.start = r.line + 1
	line, err := r.readLine()
	if err != nil {
		return 0, err
	}
	start := r.line
	r.rec = r.rec[:0]
	r.ends = r.ends[:0]
	end := len(line) - terminatorLen(line) // content ends here; line[end:] is the terminator
	pos := 0
	for {
		if pos < end && line[pos] == '"' {
			qLine, qCol := r.line, pos+1
			pos++
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 {
					// The field goes on past this line: its terminator is data.
					r.rec = append(r.rec, line[pos:]...)
					if line, err = r.readLine(); err != nil {
						if err == io.EOF {
							return 0, r.errorf(qLine, qCol, ErrQuote)
						}
						return 0, err
					}
					end = len(line) - terminatorLen(line)
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
			pos += i
		}
		r.ends = append(r.ends, len(r.rec))
		if pos >= end {
			return start, nil
		}
		pos++ // the comma; a comma at the end of the line leaves one empty field to read
	}
}

// readLine returns the next physical line with its LF (absent only on the last line), valid until
// the next call, after checking it is UTF-8. It returns io.EOF only when no byte is left.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		line = r.long
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", r.name, err)
	}
	if !r.started {
		r.started = true
		line = bytes.TrimPrefix(line, bom)
	}
	if len(line) == 0 {
		return nil, io.EOF // err is io.EOF here: ReadSlice returns data or an error
	}
	r.line++
	// Check per line, before unquoting, so the column points at the raw byte. An LF never
	// splits a valid UTF-8 sequence, so checking line by line is exact.
	if !utf8.Valid(line) {
		return nil, r.errorf(r.line, invalidAt(line)+1, ErrInvalidUTF8)
	}
	return line, nil
}

func (r *Reader) errorf(line, col int, kind error) error {
	return &Error{File: r.name, StartLine: r.start, Line: line, Column: col, Err: kind}
}

// terminatorLen is the length of the line's LF or CRLF terminator (0 on a last line without one).
func terminatorLen(line []byte) int {
	n := len(line)
	if n == 0 || line[n-1] != '\n' {
		return 0
	}
	if n >= 2 && line[n-2] == '\r' {
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
