package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress: one model per stage (rows done, rows expected, the phase it is in) drawn by one of
// two renderers, chosen by --progress:
//
//	auto  a bar on a terminal; otherwise JSON events for sdetl run (whose log lines are JSON
//	      lines on that stderr too), nothing for the other commands (a failing command's
//	      stderr stays one line, and machine consumers read the JSON report)
//	bar   a live bar per stage with rows/s and ETA, redrawn in place with \r
//	json  one JSON object per line on stderr: start, progress (every second) and end events
//	none  nothing
//
// The model is fed by the stages' callbacks (rows per table, a total where one is known, a
// phase label where a step has no row count) and drawn by a ticker, so a long step without row
// counts (an index build, the score, the reconciliation) still shows its label and elapsed time.

type progressMode string

const (
	progressAuto progressMode = "auto"
	progressBar  progressMode = "bar"
	progressJSON progressMode = "json"
	progressNone progressMode = "none"
)

func (m progressMode) String() string { return string(m) }

func (m *progressMode) Set(s string) error {
	switch progressMode(s) {
	case progressAuto, progressBar, progressJSON, progressNone:
		*m = progressMode(s)
		return nil
	}
	return fmt.Errorf("want auto, bar, json or none, not %q", s)
}

// progressUsage documents --progress.
const progressUsage = "progress on stderr: `auto` (a bar per stage on a terminal, nothing otherwise), bar, json (one JSON event per line) or none"

// progressEvent is one JSON progress event, and the model's state at that moment.
type progressEvent struct {
	Event    string  `json:"event"` // start, progress, end
	Stage    string  `json:"stage"`
	Table    string  `json:"table,omitempty"` // the table being worked on, if any
	Phase    string  `json:"phase,omitempty"` // the step, when it has no row count
	Done     int64   `json:"done"`            // rows done in this stage so far
	Total    int64   `json:"total,omitempty"` // rows expected, when known
	Share    float64 `json:"share,omitempty"` // share done 0..1, when known
	RowsPerS float64 `json:"rows_per_s"`
	ETA      float64 `json:"eta_s,omitempty"` // seconds left, when the share is known
	Elapsed  float64 `json:"elapsed_s"`
	Failed   bool    `json:"failed,omitempty"` // on the end event of a stage that failed
	Time     string  `json:"time"`
}

type progress struct {
	mu     sync.Mutex
	w      io.Writer
	mode   progressMode // bar, json or none (auto resolved)
	stage  string
	start  time.Time
	rows   map[string]int64   // rows done per table
	totals map[string]int64   // rows expected per table, where known
	shares map[string]float64 // share done per table, where the source knows it (import)
	table  string
	phase  string
	failed bool
	live   bool // a bar is drawn and not finished: the cursor is at its end
	stop   chan struct{}
	wg     sync.WaitGroup
	e      *env // whose stderr p stands in for while a bar is drawn
}

// newProgress starts the progress of one stage; done ends it.
func newProgress(e *env, stage string) *progress {
	p := &progress{w: e.stderr, mode: resolveProgress(e), stage: stage, start: time.Now(),
		rows: map[string]int64{}, totals: map[string]int64{}, shares: map[string]float64{}, stop: make(chan struct{})}
	if p.mode == progressNone {
		return p
	}
	interval := 200 * time.Millisecond
	if p.mode == progressBar { // other lines written to stderr meanwhile go above the bar
		p.e, e.stderr = e, p
	}
	if p.mode == progressJSON {
		interval = time.Second
		p.emit("start")
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				if p.mode == progressBar {
					p.drawBar(false)
				} else {
					p.emit("progress")
				}
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// resolveProgress turns auto into bar on a terminal and otherwise none, or json for a command
// whose stderr is a JSON-lines stream anyway (run, with its log lines there).
func resolveProgress(e *env) progressMode {
	m := e.progress
	if m == "" {
		m = progressAuto
	}
	if m == progressAuto {
		m = progressNone
		if isTerminal(e.stderr) {
			m = progressBar
		} else if e.autoJSON {
			m = progressJSON
		}
	}
	return m
}

func (p *progress) update(table string, rows int) { p.updateDone(table, rows, -1) }

// updateDone records the rows done of table and, when known (0..1), its share done.
func (p *progress) updateDone(table string, rows int, done float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.table, p.phase = table, ""
	p.rows[table] = int64(rows)
	if done >= 0 {
		p.shares[table] = done
	}
}

// expect records the rows table will have when done, for the share and the ETA.
func (p *progress) expect(table string, rows int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.totals[table] = rows
}

// setPhase labels the step the stage is in, for steps without a row count.
func (p *progress) setPhase(phase string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase = phase
}

// finish ends the stage, which failed when err is not nil.
func (p *progress) finish(err error) {
	p.mu.Lock()
	p.failed = err != nil
	p.mu.Unlock()
	p.done()
}

// done ends the stage: the bar is drawn a last time and kept, the JSON gets its end event.
func (p *progress) done() {
	if p.mode == progressNone {
		return
	}
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == progressBar {
		p.drawBar(true)
		if p.e != nil {
			p.e.stderr = p.w
		}
	} else {
		p.emit("end")
	}
}

// Write is stderr while a bar is drawn: a line written by the stage clears the bar first, and
// the next tick draws it again below the line.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live {
		io.WriteString(p.w, "\r\033[K")
		p.live = false
	}
	return p.w.Write(b)
}

// snapshot is the model's state now; p.mu is held.
func (p *progress) snapshot(event string) progressEvent {
	el := time.Since(p.start)
	ev := progressEvent{Event: event, Stage: p.stage, Table: p.table, Phase: p.phase, Elapsed: el.Seconds(), Time: time.Now().UTC().Format(time.RFC3339Nano)}
	for _, n := range p.rows {
		ev.Done += n
	}
	known := len(p.totals) > 0
	for _, n := range p.totals {
		ev.Total += n
	}
	switch {
	case known && ev.Total > 0:
		ev.Share = min(1, float64(ev.Done)/float64(ev.Total))
	case known:
		ev.Share = 1
	case len(p.shares) > 0 && p.table != "":
		ev.Share = p.shares[p.table] // the current table's: the stage's other tables are not known yet
	}
	if event == "end" {
		ev.Phase, ev.Failed = "", p.failed
		if !p.failed {
			ev.Share = 1
		}
	}
	if s := el.Seconds(); s > 0 {
		ev.RowsPerS = float64(ev.Done) / s
	}
	if ev.Share > 0.01 && ev.Share < 1 {
		ev.ETA = (time.Duration(float64(el)/ev.Share) - el).Seconds()
	}
	return ev
}

func (p *progress) emit(event string) {
	b, _ := json.Marshal(p.snapshot(event))
	p.w.Write(append(b, '\n'))
}

// drawBar redraws the stage's line in place; final keeps it and moves on to the next line.
func (p *progress) drawBar(final bool) {
	ev := p.snapshot("progress")
	if final {
		ev = p.snapshot("end")
	}
	const width = 24
	var bar string
	if ev.Share > 0 {
		n := int(ev.Share * width)
		bar = "[" + strings.Repeat("#", n) + strings.Repeat("-", width-n) + fmt.Sprintf("] %3.0f%%", 100*ev.Share)
	} else { // no share known: a bouncing marker shows it is alive
		i := int(time.Since(p.start)/(200*time.Millisecond)) % (2 * (width - 1))
		if i >= width {
			i = 2*(width-1) - i
		}
		bar = "[" + strings.Repeat("-", i) + "*" + strings.Repeat("-", width-1-i) + "]     "
	}
	line := fmt.Sprintf("%-9s %s", p.stage, bar)
	if ev.Done > 0 || ev.Total > 0 {
		line += fmt.Sprintf(" %s rows", count(ev.Done, ev.Total))
	}
	if ev.Done > 0 {
		line += fmt.Sprintf(", %.0f rows/s", ev.RowsPerS)
	}
	switch {
	case final && ev.Failed:
		line += fmt.Sprintf(", FAILED after %s", time.Duration(ev.Elapsed*float64(time.Second)).Round(100*time.Millisecond))
	case final:
		line += fmt.Sprintf(", done in %s", time.Duration(ev.Elapsed*float64(time.Second)).Round(100*time.Millisecond))
	default:
		if ev.ETA > 0 {
			line += fmt.Sprintf(", ETA %s", time.Duration(ev.ETA*float64(time.Second)).Round(time.Second))
		}
		switch {
		case ev.Phase != "":
			line += "  " + ev.Phase
		case ev.Table != "":
			line += "  " + ev.Table
		}
		line += fmt.Sprintf(" (%s)", time.Duration(ev.Elapsed*float64(time.Second)).Round(time.Second))
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	if final {
		fmt.Fprintln(p.w)
	}
	p.live = !final
}

func count(done, total int64) string {
	if total > 0 {
		return fmt.Sprintf("%d/%d", done, total)
	}
	return fmt.Sprint(done)
}

// phase runs fn as a stage without row counts: labelled, timed, and drawn like the others.
func phase[T any](e *env, stage, label string, fn func() (T, error)) (T, error) {
	p := newProgress(e, stage)
	p.setPhase(label)
	v, err := fn()
	p.finish(err)
	return v, err
}
