package csvfile

import "fmt"

// Error is a syntax or encoding error at a position in the input. It is fatal: the file cannot be
// split into records reliably past it, so every later Read returns the same error.
type Error struct {
	File   string // the name given to NewReader, or the path given to Open
	Line   int    // 1-based physical line of the offending byte (not the record's start line)
	Column int    // 1-based byte offset in that line; a leading BOM is not counted
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}
