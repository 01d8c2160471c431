package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/store"
)

// Exit codes: part of the interface, documented in the README.
const (
	exitOK        = 0
	exitError     = 1 // runtime error (bad input, unreachable database, ...)
	exitUsage     = 2
	exitPreflight = 3 // preflight failed
	exitBreaker   = 4 // circuit breaker halted
	exitGate      = 5 // quality gate failed
	exitReconcile = 6 // canary or reconciliation failed; the live schema is untouched
)

// env carries what every subcommand gets.
type env struct {
	stdout, stderr io.Writer
}

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, e *env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"run", "--exports DIR [--pg DSN] [--dry-run]", "import, judge, clean and load the exports into PostgreSQL", cmdRun},
		{"demo", "[--scale F]", "generate exports and run the pipeline on a local throwaway PostgreSQL", cmdDemo},
		{"generate", "--out DIR [--scale F] [--seed N] [--format xlsx|csv]", "write synthetic exports with known dirt and truth.json", cmdGenerate},
		{"import", "--exports DIR", "stage the exports losslessly with lineage and the scope filter", cmdImport},
		{"profile", "[--sample N]", "profile every staged column against the contract; exit 4 if the breaker would halt", cmdProfile},
		{"score", "[--store stage|clean|pg]", "the quality score (0-100) of a store, one implementation for all three", cmdScore},
		{"clean", "[--changes]", "write the clean store: typed values, quarantine, change log", cmdClean},
		{"load", "[--pg DSN]", "load the clean store into PostgreSQL and make it live", cmdLoad},
		{"quarantine", "list|export|release", "review quarantined rows, export them to fix, release the fixes", cmdQuarantine},
		{"spec", "init --from FILE... [--out spec.yaml]", "draft a contract for new exports by profiling them", cmdSpec},
		{"pg", "up|down|status|dsn", "manage the local PostgreSQL kept under the work dir", cmdPg},
		{"version", "", "print the version", cmdVersion},
	}
}

// usageError is a problem with the command line (exit 2).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// exitCodeError carries a specific exit code.
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string { return e.err.Error() }
func (e exitCodeError) Unwrap() error { return e.err }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil { // a bug must still end in one readable line and a code
			fmt.Fprintf(stderr, "sdetl: internal error: %v (please report it with the command you ran)\n", r)
			if os.Getenv("SDETL_DEBUG") != "" {
				stderr.Write(debug.Stack())
			}
			code = exitError
		}
	}()
	e := &env{stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			return exitFor(stderr, err)
		}
	}
	fmt.Fprintf(stderr, "sdetl: unknown command %q (see sdetl help)\n", args[0])
	return exitUsage
}

// exitFor prints err as one line on stderr and returns the exit code it stands for.
func exitFor(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "sdetl: %s\n", ue.msg)
		return exitUsage
	}
	code := exitError
	var ce exitCodeError
	switch {
	case errors.As(err, &ce):
		code = ce.code
	case errors.Is(err, clean.ErrReconcile), errors.Is(err, postgres.ErrReconcile):
		code = exitReconcile
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "sdetl: interrupted; nothing half-written was left behind")
		return exitError
	}
	fmt.Fprintf(stderr, "sdetl: %s\n", oneLine(err.Error()))
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

func usage(w io.Writer) {
	fmt.Fprintln(w, "sdetl — service-desk exports to PostgreSQL, typed, checked and reconciled.")
	fmt.Fprintln(w, "\nUsage: sdetl <command> [flags]   (sdetl <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %-44s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\nExit codes: 0 ok, 1 error, 2 usage, 3 preflight failed, 4 circuit breaker halted,")
	fmt.Fprintln(w, "5 quality gate failed, 6 canary or reconciliation failed (live schema untouched).")
}

// flags is the common flag set of a subcommand.
type flags struct {
	*flag.FlagSet
	workdir  string
	specFile string
	json     bool
	pg       string
}

func newFlags(e *env, name, args, summary string) *flags {
	f := &flags{FlagSet: flag.NewFlagSet("sdetl "+name, flag.ContinueOnError)}
	f.SetOutput(e.stderr)
	f.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: sdetl %s %s\n\n%s\n\nFlags:\n", name, args, summary)
		f.PrintDefaults()
	}
	f.StringVar(&f.workdir, "workdir", ".sdetl", "work directory for the staging and clean stores and the local PostgreSQL")
	return f
}

func (f *flags) withSpec() *flags {
	f.StringVar(&f.specFile, "spec", "", "data contract YAML file (default: the built-in ServiceDesk contract)")
	return f
}

func (f *flags) withJSON() *flags {
	f.BoolVar(&f.json, "json", false, "print the report as JSON")
	return f
}

func (f *flags) withPG() *flags {
	f.StringVar(&f.pg, "pg", "", "PostgreSQL DSN (default: $SDETL_PG_DSN, the PG* environment, else the local PostgreSQL under --workdir)")
	return f
}

func (f *flags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if f.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", f.Name(), f.Arg(0))}
	}
	return nil
}

// parseWithFiles parses flags and returns the arguments after them (flags may not follow).
func (f *flags) parseWithFiles(args []string) ([]string, error) {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError{err.Error()}
	}
	return f.Args(), nil
}

func (f *flags) spec() (*contract.Spec, error) { return contract.Load(f.specFile) }

func (f *flags) path(name string) string { return filepath.Join(f.workdir, name) }

// lock takes the work dir's lock: two commands never write the same artifacts at once.
func (f *flags) lock() (unlock func(), err error) { return store.LockDir(f.workdir) }

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdVersion(_ context.Context, e *env, args []string) error {
	f := newFlags(e, "version", "", "Print the version.")
	if err := f.parse(args); err != nil {
		return err
	}
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	fmt.Fprintf(e.stdout, "sdetl %s\n", v)
	return nil
}
