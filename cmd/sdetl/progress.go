package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress prints a live "rows, rows/s, ETA" line on a terminal and nothing otherwise (machine
// consumers read the JSON report).
type progress struct {
	w       io.Writer
	stage   string
	start   time.Time
	last    time.Time
	visible bool
	table   string
	since   time.Time // start of the current table
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

func (p *progress) update(table string, rows int) { p.updateDone(table, rows, -1) }

// updateDone also shows an ETA for the table when the share done is known.
func (p *progress) updateDone(table string, rows int, done float64) {
	if table != p.table {
		p.table, p.since = table, time.Now()
		return // no rate to show yet
	}
	if !p.visible || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	el := time.Since(p.since)
	eta := ""
	if done > 0.01 && done < 1 {
		eta = fmt.Sprintf(", %.0f%%, ETA %s", 100*done, (time.Duration(float64(el)/done) - el).Round(time.Second))
	}
	fmt.Fprintf(p.w, "\r\033[K%s %s: %d rows (%.0f rows/s%s)", p.stage, table, rows, float64(rows)/el.Seconds(), eta)
}

func (p *progress) done() {
	if p.visible && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
