package xlsx

import "time"

// CellKind is the type of a cell as stored in the workbook.
type CellKind uint8

const (
	Empty  CellKind = iota // no cell, or a cell without a value
	String                 // shared, inline or formula string
	Number                 // number; text exactly as stored
	Bool                   // boolean
	Error                  // error value such as #N/A
	Date                   // number whose style is a date/time format
)

func (k CellKind) String() string {
	switch k {
	case Empty:
		return "empty"
	case String:
		return "string"
	case Number:
		return "number"
	case Bool:
		return "bool"
	case Error:
		return "error"
	case Date:
		return "date"
	}
	return "unknown"
}

// DateFormat selects the number format a written Date cell gets.
type DateFormat uint8

const (
	DateTime DateFormat = iota // "dd/mm/yyyy hh:mm:ss"
	DateOnly                   // "dd/mm/yyyy"
	TimeOnly                   // "hh:mm:ss"; only the time of day is written
)

// Cell is one value handed to Writer.WriteRow.
type Cell struct {
	Kind CellKind
	// Text is the value for String, the number's text as written into <v>
	// for Number (e.g. "3652948", "1.5"), "1"/"0" for Bool and the error
	// text for Error (e.g. "#N/A").
	Text string
	// Time is the wall-clock value of a Date cell (location ignored).
	Time time.Time
	// Format is the number format of a Date cell.
	Format DateFormat
}

// Str returns a String cell.
func Str(s string) Cell { return Cell{Kind: String, Text: s} }

// Num returns a Number cell whose <v> is text.
func Num(text string) Cell { return Cell{Kind: Number, Text: text} }

// DateCell returns a Date cell.
func DateCell(t time.Time, f DateFormat) Cell { return Cell{Kind: Date, Time: t, Format: f} }
