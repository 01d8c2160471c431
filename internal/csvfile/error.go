package csvfile

import (
	"errors"
	"fmt"
)

// The kinds of Error, for errors.Is.
var (
	ErrBareQuote     = errors.New(`bare " in unquoted field`)
	ErrTrailingQuote = errors.New("unexpected text after closing quote")
	ErrQuote         = errors.New("quoted field not closed before end of file")
	ErrInvalidUTF8   = errors.New("invalid UTF-8")
)

// Error is a syntax or encoding error at a position in the input, like encoding/csv's
// ParseError. It is fatal: the file cannot be split into records reliably past it, so every
// later Read returns the same error.
type Error struct {
	File      string // the name given to NewReader, or the path given to Open
	StartLine int    // 1-based line where the record holding the error starts
	Line      int    // 1-based physical line of the offending byte
	Column    int    // 1-based byte offset in that line; a leading BOM is not counted
	Err       error  // one of the Err* kinds above
}

func (e *Error) Error() string {
	if e.StartLine != e.Line {
		return fmt.Sprintf("%s:%d:%d: %v (record starts on line %d)", e.File, e.Line, e.Column, e.Err, e.StartLine)
	}
	return fmt.Sprintf("%s:%d:%d: %v", e.File, e.Line, e.Column, e.Err)
}

// Unwrap returns the kind of error, so errors.Is(err, csvfile.ErrInvalidUTF8) works.
func (e *Error) Unwrap() error { return e.Err }

// NotUTF8Error is invalid UTF-8 in a file read as UTF-8: the *Error naming its line and byte,
// the byte, and how to read the file instead. errors.As finds the *Error through it.
type NotUTF8Error struct {
	Err  *Error
	Byte byte
}

func (e *NotUTF8Error) Error() string {
	return fmt.Sprintf("%v (byte 0x%02X): the file is not UTF-8; a file saved by a Windows program is usually windows-1252: "+
		"set encoding: windows-1252 on its table in the contract, or pass --encoding windows-1252 (sdetl spec init proposes the encoding from the file's bytes)",
		e.Err, e.Byte)
}

// Unwrap returns the *Error, so errors.Is(err, ErrInvalidUTF8) still works.
func (e *NotUTF8Error) Unwrap() error { return e.Err }
