// Package report owns the small pieces every human-readable report shares: shortening example
// values for a table cell, and a writer that keeps the first write error so a printer checks
// once at the end instead of after every line.
package report

import "io"

// Shorten keeps the first n runes of s, marking a cut with "…".
func Shorten(s string, n int) string {
	i := 0
	for at := range s {
		if i == n {
			return s[:at] + "…"
		}
		i++
	}
	return s
}

// Writer passes writes through until the first error, then drops them; Err reports it.
type Writer struct {
	W   io.Writer
	err error
}

func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.W.Write(p)
	w.err = err
	return n, err
}

// Err is the first write error, if any.
func (w *Writer) Err() error { return w.err }
