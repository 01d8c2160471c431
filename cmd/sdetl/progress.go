package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress prints a live "rows, rows/s" line on a terminal and nothing otherwise (machine
// consumers read the JSON report).
type progress struct {
	w       io.Writer
	stage   string
	start   time.Time
	last    time.Time
	visible bool
}

func newProgress(w io.Writer, stage string) *progress {
	p := &progress{w: w, stage: stage, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.visible = true
		}
	}
	return p
}

func (p *progress) update(table string, rows int) {
	if !p.visible || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	rate := float64(rows) / time.Since(p.start).Seconds()
	fmt.Fprintf(p.w, "\r\033[K%s %s: %d rows (%.0f rows/s)", p.stage, table, rows, rate)
}

func (p *progress) done() {
	if p.visible && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
