// Package countio counts the bytes read through an io.Reader, for progress: the export readers
// (csvfile, xlsx) say how much of a file they have read without each keeping its own counter.
package countio

import "io"

// Reader passes reads through to R and counts the bytes in N.
type Reader struct {
	R io.Reader
	N int64
}

func (c *Reader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}
