package synth

import (
	"bufio"
	"encoding/csv"
	"fmt"
)

// renderer writes one export file: the header row, then the data rows.
type renderer interface {
	header(names []string) error
	row(r *row) error
	close() error
}

func newRenderer(format string, w *bufio.Writer) (renderer, error) {
	switch format {
	case "csv":
		return newCSVRenderer(w), nil
	case "xlsx":
		return newXLSXRenderer(w)
	}
	return nil, fmt.Errorf("synth: unknown format %q", format)
}

// csvRenderer writes RFC 4180 with LF record ends. encoding/csv's writer keeps CR, LF and NUL
// inside quoted fields exactly as given, which the text defects rely on.
type csvRenderer struct {
	w   *bufio.Writer
	cw  *csv.Writer
	rec []string
	// blankEvery > 0 writes a blank line before every blankEvery-th row, and blankAtEnd one
	// after the last: real exports have them (issue 15), and the importer must skip them
	// without a row. blanks counts what was written, for the truth.
	blankEvery, rows int
	blankAtEnd       bool
	blanks           int
}

func newCSVRenderer(w *bufio.Writer) *csvRenderer {
	return &csvRenderer{w: w, cw: csv.NewWriter(w)}
}

func (c *csvRenderer) header(names []string) error { return c.cw.Write(names) }

func (c *csvRenderer) row(r *row) error {
	if r.line != "" {
		// A malformed line (field_count) is written verbatim, bypassing the quoting.
		c.cw.Flush()
		if err := c.cw.Error(); err != nil {
			return err
		}
		c.w.WriteString(r.line)
		return c.w.WriteByte('\n')
	}
	if c.rows++; c.blankEvery > 0 && c.rows%c.blankEvery == 0 {
		if err := c.blank(); err != nil {
			return err
		}
	}
	c.rec = c.rec[:0]
	for i := range r.cells {
		c.rec = append(c.rec, r.cells[i].raw)
	}
	return c.cw.Write(c.rec)
}

func (c *csvRenderer) close() error {
	if c.blankAtEnd {
		if err := c.blank(); err != nil {
			return err
		}
	}
	c.cw.Flush()
	return c.cw.Error()
}

func (c *csvRenderer) blank() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	c.blanks++
	return c.w.WriteByte('\n')
}
