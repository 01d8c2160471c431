package csvfile

import (
	"errors"
	"fmt"
)

// Limits bound the memory one record can take, whatever the file holds: without them a file of
// one 2 GB line is assembled in memory whole before anything can say it is wrong. The defaults
// are far beyond any real export (a spreadsheet cell holds at most 32,767 characters) and keep
// the reader's own peak under about three times MaxRecordBytes.
type Limits struct {
	MaxFieldBytes  int // the longest field, after unquoting
	MaxRecordBytes int // the longest record as it is in the file (quotes and line ends included)
}

// The command-line flags that set the limits; LimitError names them so that the one-line error
// says what to raise.
const (
	FlagMaxFieldBytes  = "max-field-bytes"
	FlagMaxRecordBytes = "max-record-bytes"
)

// DefaultLimits are used where a Limits field is zero.
var DefaultLimits = Limits{MaxFieldBytes: 16 << 20, MaxRecordBytes: 32 << 20}

func (l Limits) withDefaults() Limits {
	if l.MaxFieldBytes <= 0 {
		l.MaxFieldBytes = DefaultLimits.MaxFieldBytes
	}
	if l.MaxRecordBytes <= 0 {
		l.MaxRecordBytes = DefaultLimits.MaxRecordBytes
	}
	return l
}

// The kinds of LimitError, for errors.Is (as Error's kinds are).
var (
	ErrFieldTooLong  = errors.New("field longer than --" + FlagMaxFieldBytes)
	ErrRecordTooLong = errors.New("record longer than --" + FlagMaxRecordBytes)
)

// LimitError is a record or field beyond a limit. Like Error it is fatal for the file.
type LimitError struct {
	File   string
	Row    int // the record's data row: the first record (the header) is row 0
	Line   int // 1-based physical line where the record starts
	Column int // 1-based field where the limit was crossed
	Flag   string
	Max    int
}

func (e *LimitError) Error() string {
	what := "field"
	if e.Flag == FlagMaxRecordBytes {
		what = "record"
	}
	row := fmt.Sprintf("row %d", e.Row)
	if e.Row == 0 {
		row = "header row"
	}
	return fmt.Sprintf("%s: %s (line %d), column %d: %s longer than %d bytes (limit --%s)", e.File, row, e.Line, e.Column, what, e.Max, e.Flag)
}

// Unwrap returns the kind of limit, so errors.Is(err, csvfile.ErrFieldTooLong) works.
func (e *LimitError) Unwrap() error {
	if e.Flag == FlagMaxRecordBytes {
		return ErrRecordTooLong
	}
	return ErrFieldTooLong
}
