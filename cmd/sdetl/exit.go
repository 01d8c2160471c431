package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/store"
)

// Exit codes: part of the interface, documented in the README.
const (
	exitOK          = 0
	exitError       = 1 // runtime error (bad input, unreachable database, ...)
	exitUsage       = 2
	exitPreflight   = 3 // preflight failed
	exitBreaker     = 4 // circuit breaker halted
	exitGate        = 5 // quality gate failed
	exitReconcile   = 6 // canary or reconciliation failed; the live schema is untouched
	exitHealth      = 7 // a health check failed mid-run (disk, memory, connection); the live schema is untouched
	exitInterrupted = 130
)

// usageError is a problem with the command line (exit 2).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// ending is how a command ended: the one mapping from an error to an exit code and a name,
// used for the exit status and for every JSON report alike. ctx is the command's context: once
// it is cancelled (Ctrl-C, SIGTERM), whatever error a stage returned is an interruption.
func ending(ctx context.Context, err error) (code int, name string) {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK, "ok"
	case errors.As(err, &ue):
		return exitUsage, "usage"
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return exitInterrupted, "interrupted"
	case errors.Is(err, outcome.ErrPreflight):
		return exitPreflight, "preflight_failed"
	case errors.Is(err, outcome.ErrHealth):
		return exitHealth, "health_failed"
	case errors.Is(err, outcome.ErrBreaker):
		return exitBreaker, "breaker_halted"
	case errors.Is(err, outcome.ErrGate):
		return exitGate, "gate_failed"
	case errors.Is(err, outcome.ErrCanary):
		return exitReconcile, "canary_failed"
	case errors.Is(err, outcome.ErrReconcile):
		return exitReconcile, "reconciliation_failed"
	}
	return exitError, "error"
}

// exitWith prints err as one line on stderr and returns the exit code it stands for.
func exitWith(ctx context.Context, stderr io.Writer, err error) int {
	code, name := ending(ctx, err)
	var full *store.DiskFullError
	switch {
	case code == exitOK:
	case name == "interrupted":
		fmt.Fprintln(stderr, "sdetl: interrupted; nothing half-written was left behind")
	case errors.As(err, &full): // what filled up, first: the wrapping around it only hides it
		fmt.Fprintf(stderr, "sdetl: %s\n", oneLine(full.Error()))
	default:
		fmt.Fprintf(stderr, "sdetl: %s\n", oneLine(err.Error()))
	}
	return code
}

// oneLine makes an error one line that is safe on a terminal: whitespace runs collapse to a
// space and any other control character (an ANSI escape in a file name, say) is shown escaped,
// as %q would, so that input can never rewrite the operator's screen.
func oneLine(s string) string {
	return escapeControls(strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " "))
}

// escapeControls replaces each non-printable rune by its Go escape (\x1b, \u200b).
func escapeControls(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsPrint(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}
