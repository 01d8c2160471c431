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
	"sync/atomic"
	"time"
)

// runLog is one run's structured log: JSON lines in <workdir>/logs/<run id>.jsonl and, with
// --log-stderr, on stderr (text on a terminal, JSON otherwise). Every line carries the run id
// and the stage the run is in; the run's error is logged once, on the line that ends it. No
// DSN is ever logged, only describeDSN's redacted form.
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

func openRunLog(w workdir, stderr io.Writer, toStderr bool) (*runLog, error) {
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
	if toStderr {
		if isTerminal(stderr) {
			hs = append(hs, slog.NewTextHandler(stderr, nil))
		} else {
			hs = append(hs, slog.NewJSONHandler(stderr, nil))
		}
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

func (l *runLog) close() {
	if l != nil && l.file != nil {
		l.file.Sync()
		l.file.Close()
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

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
