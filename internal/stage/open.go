package stage

import (
	"context"
	"strings"
)

// Export is one export file opened exactly as Import reads it: same readers, same header row,
// same data row numbers, same field-count rule. Tools that look at an export before there is a
// contract for it (sdetl spec init) read it through here, so what they see is what Import stages.
type Export struct {
	Header []string // the header row as read (BOM and surrounding spaces included)
	Format string   // "xlsx" or "csv"
	src    source
}

// OpenExport opens an .xlsx or .csv export and reads its header row.
func OpenExport(path string) (*Export, error) {
	header, src, err := openSource(context.Background(), path, Limits{})
	if err != nil {
		return nil, err
	}
	format := "xlsx"
	if _, ok := src.(*csvSource); ok {
		format = "csv"
	}
	return &Export{Header: header, Format: format, src: src}, nil
}

// Read returns the next data row, its 1-based data row number and, for CSV, the line where it
// starts; io.EOF at the end. XLSX rows may be shorter than the header (trailing empty cells are
// omitted). The slice is reused by the next call.
func (e *Export) Read() (row []string, dataRow, line int, err error) {
	return e.src.Read()
}

// Misfit says why Import would reject row instead of staging it (a wrong field count, quarantined
// as field_count), or "" when Import stages it.
func (e *Export) Misfit(row []string) string {
	return fieldCountProblem(row, len(e.Header), e.Format)
}

// Close releases the file.
func (e *Export) Close() error { return e.src.Close() }

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
