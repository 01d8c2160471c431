package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"testing"

	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
)

// TestEnding: the one mapping from how a command ended to its exit code, through any depth of
// wrapping.
func TestEnding(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("run: load comments: %w", err) }
	tests := []struct {
		err  error
		code int
		name string
	}{
		{nil, exitOK, "ok"},
		{flag.ErrHelp, exitOK, "ok"},
		{usageError{"bad flag"}, exitUsage, "usage"},
		{errors.New("disk on fire"), exitError, "error"},
		{wrap(fmt.Errorf("%w: work dir busy", outcome.ErrPreflight)), exitPreflight, "preflight_failed"},
		{wrap(fmt.Errorf("%w: schema crm is not sdetl's", postgres.ErrNotOwned)), exitPreflight, "preflight_failed"},
		{wrap(fmt.Errorf("%w: 3 columns mismatch", outcome.ErrBreaker)), exitBreaker, "breaker_halted"},
		{wrap(fmt.Errorf("%w: score 42", quality.ErrGate)), exitGate, "gate_failed"},
		{wrap(fmt.Errorf("%w: staged 3 != 2 + 0", outcome.ErrReconcile)), exitReconcile, "reconciliation_failed"},
		{wrap(fmt.Errorf("%w: tickets.hours: type text", outcome.ErrCanary)), exitReconcile, "canary_failed"},
		{wrap(&health.Error{Stage: "load", Problem: "only 3 MiB free"}), exitHealth, "health_failed"},
		{wrap(context.Canceled), exitInterrupted, "interrupted"},
	}
	for _, tt := range tests {
		if code, name := ending(context.Background(), tt.err); code != tt.code || name != tt.name {
			t.Errorf("ending(%v) = %d %s, want %d %s", tt.err, code, name, tt.code, tt.name)
		}
	}
	// Once the command's context is cancelled, whatever a stage returned is an interruption
	// (e.g. "read unix ...: use of closed network connection" from a load cut short).
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code, name := ending(ctx, errors.New("use of closed network connection")); code != exitInterrupted || name != "interrupted" {
		t.Errorf("error after cancel: %d %s, want 130 interrupted", code, name)
	}
}
