package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// runLog is one run's structured log: JSON lines in <workdir>/logs/<run id>.jsonl and on
// stderr as --log-stderr says (logMode). Every line carries the run id and the stage the run
// is in; the run's error is logged once, on the line that ends it. No DSN is ever logged, only
// describeDSN's redacted form.
type runLog struct {
	*slog.Logger
	id    string
	path  string
	stage *atomic.Value
	file  *os.File
	since time.Time
}

func (w workdir) logs() string { return w.path("logs") }

// runIDLayout is a run id's time: UTC to the millisecond, so ids sort as the runs started.
const runIDLayout = "20060102T150405.000Z"

func newRunID(now time.Time) string {
	b := make([]byte, 3)
	rand.Read(b)
	return now.UTC().Format(runIDLayout) + "-" + hex.EncodeToString(b)
}

// runID is the log's run id, or a new one when the run keeps no log (the demo).
func (l *runLog) runID(now time.Time) string {
	if l == nil {
		return newRunID(now)
	}
	return l.id
}

// logMode is --log-stderr: which of the run's log lines also go to stderr.
//
//	auto  (the default) not a terminal: every line, as JSON (beside the JSON progress events);
//	      a terminal: text, warnings and errors only (the bars already show each stage's
//	      start, end and seconds, which is what the info lines say)
//	all   (a bare --log-stderr) every line: JSON, or text on a terminal
//	none  (--log-stderr=false) none: stderr keeps the one error line
type logMode string

const (
	logAuto logMode = "auto"
	logAll  logMode = "all"
	logNone logMode = "none"
)

func (m logMode) String() string   { return string(m) }
func (m logMode) IsBoolFlag() bool { return true } // a bare --log-stderr is "true"

func (m *logMode) Set(s string) error {
	switch s {
	case "auto":
		*m = logAuto
	case "all", "true", "1":
		*m = logAll
	case "none", "false", "0":
		*m = logNone
	default:
		return fmt.Errorf("want auto, all (or a bare --log-stderr) or none (false), not %q", s)
	}
	return nil
}

// logStderrUsage documents --log-stderr.
const logStderrUsage = "which log lines also go to stderr (they always go to <workdir>/logs): `auto` (JSON lines when stderr is not a terminal; on a terminal,\nwarnings and errors as text), all (a bare --log-stderr: every line, text on a terminal) or none (--log-stderr=false)"

func openRunLog(w workdir, e *env, mode logMode) (*runLog, error) {
	now := time.Now()
	l := &runLog{id: newRunID(now), stage: &atomic.Value{}, since: now}
	l.stage.Store("start")
	if err := os.MkdirAll(w.logs(), 0o700); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	l.path = filepath.Join(w.logs(), l.id+".jsonl")
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("run log: %w", err)
	}
	l.file = f
	hs := []slog.Handler{slog.NewJSONHandler(f, nil)}
	// The lines go to whatever stderr is when they are written: while a bar is drawn that is
	// the bar, which clears itself so the line lands above it.
	errw := stderrOf{e}
	switch {
	case mode == logNone:
	case isTerminal(e.stderr):
		level := slog.LevelWarn
		if mode == logAll {
			level = slog.LevelInfo
		}
		hs = append(hs, slog.NewTextHandler(errw, &slog.HandlerOptions{Level: level}))
	default:
		hs = append(hs, slog.NewJSONHandler(errw, nil))
	}
	l.Logger = slog.New(&stageHandler{fanout(hs), l.stage}).With("run_id", l.id)
	return l, nil
}

// enter logs the end of the previous stage and the start of the next.
func (l *runLog) enter(stage string) {
	if l == nil {
		return
	}
	now := time.Now()
	if prev := l.stage.Load().(string); prev != "start" {
		l.Info("stage done", "seconds", now.Sub(l.since).Seconds())
	}
	l.stage.Store(stage)
	l.since = now
	if stage != "" {
		l.Info("stage started")
	}
}

// warn logs a warning; a nil log (the demo keeps none) logs nothing.
func (l *runLog) warn(msg string, attrs ...any) {
	if l != nil {
		l.Warn(msg, attrs...)
	}
}

func (l *runLog) close() {
	if l != nil && l.file != nil {
		l.file.Sync()
		l.file.Close()
	}
}

// isTerminal reports whether w (through the wrappers this package puts around stderr) is a
// terminal.
func isTerminal(w io.Writer) bool {
	for {
		switch x := w.(type) {
		case *lockedWriter:
			w = x.w
		case *progress:
			w = x.w
		case *os.File:
			st, err := x.Stat()
			return err == nil && st.Mode()&os.ModeCharDevice != 0
		default:
			return false
		}
	}
}

// lockedWriter is the process's stderr: the progress ticker and the run's log lines write from
// different goroutines, and each line must reach a pipe whole, never interleaved with another.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// stderrOf writes to e's stderr as it is at the time of the write.
type stderrOf struct{ e *env }

func (s stderrOf) Write(b []byte) (int, error) { return s.e.stderr.Write(b) }

// stageHandler adds the run's current stage to every record.
type stageHandler struct {
	slog.Handler
	stage *atomic.Value
}

func (h *stageHandler) Handle(ctx context.Context, r slog.Record) error {
	if s, _ := h.stage.Load().(string); s != "" {
		r.AddAttrs(slog.String("stage", s))
	}
	return h.Handler.Handle(ctx, r)
}

func (h *stageHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &stageHandler{h.Handler.WithAttrs(as), h.stage}
}

func (h *stageHandler) WithGroup(name string) slog.Handler {
	return &stageHandler{h.Handler.WithGroup(name), h.stage}
}

// fanout sends every record to each handler.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range f {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	var first error
	for _, h := range f {
		if h.Enabled(ctx, r.Level) {
			if err := h.Handle(ctx, r.Clone()); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func (f fanout) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}

// endRunLog is the run's last line: how it ended and, once, the error.
func endRunLog(l *runLog, rep *runReport, err error) {
	attrs := []any{"outcome", rep.Outcome, "exit_code", rep.ExitCode, "seconds", rep.Seconds}
	if err != nil {
		l.Error("run ended", append(attrs, "error", oneLine(err.Error()))...)
		return
	}
	l.Info("run ended", attrs...)
}
