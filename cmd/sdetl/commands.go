package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// env carries what every subcommand gets.
type env struct {
	stdout, stderr io.Writer
	progress       progressMode // --progress
	autoJSON       bool         // --progress auto is json when stderr is not a terminal (run)
}

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, e *env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"run", "--exports DIR [--pg DSN] [--dry-run]", "import, judge, clean and load the exports into PostgreSQL", cmdRun},
		{"preflight", "[--exports DIR] [--strict]", "check disk, memory, PostgreSQL, pg_dump, inputs and the work dir before a run", cmdPreflight},
		{"demo", "[--scale F]", "generate exports and run the pipeline on a local throwaway PostgreSQL", cmdDemo},
		{"generate", "--out DIR [--scale F] [--seed N] [--format xlsx|csv]", "write synthetic exports with known dirt and truth.json", cmdGenerate},
		{"import", "--exports DIR", "stage the exports losslessly with lineage and the scope filter", cmdImport},
		{"profile", "[--sample N]", "profile every staged column against the contract; exit 4 if the breaker would halt", cmdProfile},
		{"score", "[--store stage|clean|pg]", "the quality score (0-100) of a store, one implementation for all three", cmdScore},
		{"clean", "[--changes]", "write the clean store: typed values, quarantine, change log", cmdClean},
		{"load", "[--pg DSN]", "load the clean store into a new generation in PostgreSQL and make it live", cmdLoad},
		{"rollback", "[--to RUN]", "make a previous generation live again, in one short swap", cmdRollback},
		{"generations", "[--json]", "list the live and retained generations with their runs, rows and scores", cmdGenerations},
		{"report", "[RUN] [--out FILE] [--list]", "write the HTML report of a past run (default the latest), as run wrote it", cmdReport},
		{"kpi", "[--json] [--only NAMES]", "the 23 KPIs against the live schema, with green/amber/red status", cmdKPI},
		{"quarantine", "list|export|release", "review quarantined rows, export them to fix, release the fixes", cmdQuarantine},
		{"spec", "init --from FILE... [--out spec.yaml]", "draft a contract for new exports by profiling them", cmdSpec},
		{"backup", "[stage|pg|all]|list|verify|prune", "verified backups of the staging store and the live schema, with manifests", cmdBackup},
		{"restore", "ID|MANIFEST", "restore a verified backup (the staging store, or PostgreSQL live through a new generation)", cmdRestore},
		{"pg", "up|down|status|dsn", "manage the local PostgreSQL kept under the work dir", cmdPg},
		{"version", "", "print the version", cmdVersion},
	}
}

// run runs one command line and returns its exit code; main only adds the signal context.
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
	e := &env{stdout: stdout, stderr: &lockedWriter{w: stderr}, progress: progressAuto}
	if len(args) == 0 {
		usage(stdout)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "--help":
		usage(stdout)
		return exitOK
	case "help": // sdetl help [command]: the command's own help, on stdout
		if len(rest) == 0 {
			usage(stdout)
			return exitOK
		}
		name, rest = rest[0], []string{"--help"}
	}
	for _, c := range commands {
		if c.name == name {
			return exitWith(ctx, e.stderr, c.run(ctx, e, rest))
		}
	}
	fmt.Fprintf(stderr, "sdetl: unknown command %q (see sdetl help)\n", name)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "sdetl — service-desk exports to PostgreSQL, typed, checked and reconciled.")
	fmt.Fprintln(w, "\nUsage: sdetl <command> [flags]   (sdetl help <command> or sdetl <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %-44s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\nExit codes: 0 ok, 1 error, 2 usage, 3 preflight failed, 4 circuit breaker halted,")
	fmt.Fprintln(w, "5 quality gate failed, 6 canary or reconciliation failed (live schema untouched),")
	fmt.Fprintln(w, "7 health check failed mid-run (disk, memory or connection; live schema untouched), 130 interrupted.")
}
