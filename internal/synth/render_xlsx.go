package synth

import (
	"bufio"
	"fmt"

	"github.com/sdetl/sdetl/internal/xlsx"
)

// xlsxRenderer writes the first (only) worksheet. Timestamps of the tickets export are date
// cells, integers and hours number cells, everything else (day-first text included) string
// cells; a missing value is no cell, an explicit empty string (empty_string) an empty string
// cell.
type xlsxRenderer struct {
	w     *xlsx.Writer
	cells []xlsx.Cell
}

func newXLSXRenderer(w *bufio.Writer) (*xlsxRenderer, error) {
	xw, err := xlsx.NewWriter(w)
	if err != nil {
		return nil, err
	}
	return &xlsxRenderer{w: xw}, nil
}

func (x *xlsxRenderer) header(names []string) error {
	x.cells = x.cells[:0]
	for _, n := range names {
		x.cells = append(x.cells, xlsx.Str(n))
	}
	return x.w.WriteRow(x.cells)
}

func (x *xlsxRenderer) row(r *row) error {
	if r.line != "" {
		return fmt.Errorf("synth: a verbatim line cannot be written to XLSX")
	}
	x.cells = x.cells[:0]
	for i := range r.cells {
		c := &r.cells[i]
		switch c.kind {
		case kNone:
			x.cells = append(x.cells, xlsx.Cell{})
		case kStr:
			x.cells = append(x.cells, xlsx.Str(c.raw))
		case kNum:
			x.cells = append(x.cells, xlsx.Num(c.raw))
		case kTime:
			x.cells = append(x.cells, xlsx.DateCell(c.t, xlsx.DateTime))
		}
	}
	return x.w.WriteRow(x.cells)
}

func (x *xlsxRenderer) close() error { return x.w.Close() }
