package xlsx

import (
	"fmt"
	"math"
)

// Limits bound what one workbook can make the reader hold or hand out, whatever its XML says:
// without them an 18 KB workbook whose cells all reference one 16 MB shared string expanded to
// gigabytes, and a 3 MB one of empty <si/> entries built a 3 GB index. The defaults are far
// beyond any real export (Excel itself stores at most 32,767 characters in a cell).
type Limits struct {
	MaxCellBytes int // the longest value of one cell, decoded (shared strings included)
	MaxRowBytes  int // the values of one row together
	// MaxSharedStrings and MaxSharedStringBytes bound the shared string table: its entries and
	// their text together.
	MaxSharedStrings     int
	MaxSharedStringBytes int
	// MaxExpansion bounds all the values the sheet yields, together, to this multiple of the
	// uncompressed size of the sheet and shared-strings parts (but at least expansionFloor).
	// Shared strings are the one way a workbook yields more text than it stores; this keeps the
	// staging store within a stated multiple of the input.
	MaxExpansion int
}

// The command-line flags that set the limits; limit errors name them.
const (
	FlagMaxCellBytes         = "max-cell-bytes"
	FlagMaxRowBytes          = "max-row-bytes"
	FlagMaxSharedStrings     = "max-shared-strings"
	FlagMaxSharedStringBytes = "max-shared-string-bytes"
	FlagMaxExpansion         = "max-expansion"
)

// DefaultLimits are used where a Limits field is zero.
var DefaultLimits = Limits{
	MaxCellBytes:         16 << 20,
	MaxRowBytes:          32 << 20,
	MaxSharedStrings:     8 << 20,
	MaxSharedStringBytes: maxSSTSize,
	MaxExpansion:         16,
}

// expansionFloor is what any workbook may yield, however small its parts.
const expansionFloor = 64 << 20

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxCellBytes <= 0 {
		l.MaxCellBytes = d.MaxCellBytes
	}
	if l.MaxRowBytes <= 0 {
		l.MaxRowBytes = d.MaxRowBytes
	}
	if l.MaxSharedStrings <= 0 {
		l.MaxSharedStrings = d.MaxSharedStrings
	}
	if l.MaxSharedStringBytes <= 0 {
		l.MaxSharedStringBytes = d.MaxSharedStringBytes
	}
	if l.MaxExpansion <= 0 {
		l.MaxExpansion = d.MaxExpansion
	}
	return l
}

// expansionBudget is the most text a workbook with parts of these uncompressed sizes may yield.
func (l Limits) expansionBudget(parts uint64) int64 {
	if parts > math.MaxInt64/uint64(l.MaxExpansion+1) {
		return math.MaxInt64
	}
	return max(int64(parts)*int64(l.MaxExpansion), expansionFloor)
}

// limitErr is the message of a value past a limit; the caller adds the file and position.
func limitErr(what string, max int64, flag string) error {
	return fmt.Errorf("%s longer than %d bytes (limit --%s)", what, max, flag)
}
