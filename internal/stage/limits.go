package stage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/sdetl/sdetl/internal/csvfile"
	"github.com/sdetl/sdetl/internal/inputfile"
	"github.com/sdetl/sdetl/internal/spec"
	"github.com/sdetl/sdetl/internal/xlsx"
)

// Limits bound what the readers hold and yield per field, record, cell, row and workbook (see
// csvfile.Limits and xlsx.Limits); zero fields take the readers' defaults. Together with the
// readers' rule that only regular files are read, they bound the memory of an import and the
// growth of the staging store whatever a file holds (docs/design.md, "Hostile input").
type Limits struct {
	CSV  csvfile.Limits
	XLSX xlsx.Limits
}

// serialDateColumns marks the header positions of the columns the contract types as a date or
// timestamp: an XLSX reader returns their numbers as dates in a 1904 workbook.
func serialDateColumns(t *spec.Table, m *spec.Mapping, n int) []bool {
	cols := make([]bool, n)
	for i, p := range m.Source {
		if p >= 0 && p < n && (t.Columns[i].Type == spec.Date || t.Columns[i].Type == spec.Timestamp) {
			cols[p] = true
		}
	}
	return cols
}

// hashFile returns the SHA-256 and size of a regular file, stopping when ctx is done: it is the
// first read of every export, so a FIFO or /dev/zero must be refused here.
func hashFile(ctx context.Context, path string) (string, int64, error) {
	f, err := inputfile.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, inputfile.Reader(ctx, f))
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", inputfile.Display(path), err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
