package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/filesum"
	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
)

// runReport is what `sdetl run` did, also written to <workdir>/run.json.
type runReport struct {
	Exports    string               `json:"exports"`
	Database   string               `json:"database"`
	Schema     string               `json:"schema"`
	DryRun     bool                 `json:"dry_run"`
	Import     *stage.Result        `json:"import"`
	Profile    *profile.Report      `json:"profile"`
	DateOrders []string             `json:"date_orders_by_evidence"`
	Scores     scores               `json:"scores"`
	Clean      *clean.Report        `json:"clean"`
	Canary     *canaryReport        `json:"canary"`
	Load       *postgres.LoadResult `json:"load"`
	Tables     []tableSummary       `json:"tables"`
	Plan       *plan                `json:"plan,omitempty"`
	Backup     string               `json:"backup,omitempty"`    // the staging store's backup made before the load
	Reused     []string             `json:"reused,omitempty"`    // what an unchanged re-run kept instead of redoing, and why
	RunID      int64                `json:"run_id,omitempty"`    // the ledger's (sdetl.runs)
	Recovered  []string             `json:"recovered,omitempty"` // what was cleaned up after killed runs
	Seconds    float64              `json:"seconds"`
	Stages     []stageTime          `json:"stages"`           // seconds per stage, in order
	Report     string               `json:"report,omitempty"` // the HTML report (report.html)
	// The run's id (its record <workdir>/runs/<id>/ and its log logs/<id>.jsonl, whose lines
	// carry it as run_id) and when it ended.
	ID      string    `json:"id"`
	EndedAt time.Time `json:"ended_at"`
	// How the run ended: outcome ok, usage, error, preflight_failed, breaker_halted,
	// gate_failed, canary_failed, reconciliation_failed, health_failed or interrupted; the exit
	// code; the error line, if any.
	Outcome  string `json:"outcome"`
	ExitCode int    `json:"exit_code"`
	Error    string `json:"error"`
	// The live schema's KPIs when this run made it live (liveKPIs), or why there are none: for
	// the HTML report and the metrics, not run.json (sdetl kpi --json has them).
	kpis     []kpi.Result
	kpiError string
}

// scores are the quality reports before cleaning, after cleaning and after loading.
type scores struct {
	Gate     float64         `json:"gate"`
	Stage    *quality.Report `json:"stage"`
	Clean    *quality.Report `json:"clean"`
	Postgres *quality.Report `json:"postgres"`
}

// tableSummary reconciles one table end to end. Read and InScope are this run's files;
// Staged is everything the staging store holds (earlier exports included).
type tableSummary struct {
	Table       string `json:"table"`
	Read        int    `json:"rows_read"`
	InScope     int    `json:"rows_in_scope"`
	Staged      int    `json:"rows_staged"`
	Loaded      int64  `json:"rows_loaded"`
	Quarantined int64  `json:"rows_quarantined"`
	Reconciled  bool   `json:"reconciled"`
}

func cmdRun(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "run", "--exports DIR [flags]",
		"Run the pipeline: import the exports, clean them, load them into PostgreSQL, and reconcile\nevery row end to end (rows in scope = rows loaded + rows quarantined).").withWorkdir().withSpec().withJSON().withPG()
	exports := f.String("exports", "", "directory holding the exports (required)")
	fresh := f.Bool("fresh", false, "start a new staging store instead of adding to the existing one")
	dry := f.Bool("dry-run", false, "do everything but the load; rehearse the load on a sample in a throwaway schema and print the plan")
	noCanary := f.Bool("no-canary", false, "skip the canary (a stratified 10% sample loaded and checked in a throwaway schema before the full load)")
	seed := f.Uint64("canary-seed", 1, "the canary sample's `seed`: the same seed draws the same rows")
	var cq stringsFlag
	f.Var(&cq, "canary-query", "an SQL `file` the canary must see execute on the sample (repeatable; tables unqualified or as {{schema}}.table)")
	var minQ optFloat
	adopt := f.String("adopt-schema", "", adoptUsage)
	noBackup := f.Bool("no-backup", false, "do not back up the staging store before the load (sdetl backup does it alone)")
	skipPreflight := f.Bool("skip-preflight", false, "do not run the preflight checks first (sdetl preflight runs them alone)")
	var mig migrateFlags
	f.withMigrate(&mig, true)
	f.Var(&minQ, "min-quality", "quality gate `N`, 0..100: the clean store's score must reach this (default: the contract's gate, 80 for the built-in one)")
	limits := f.withLimits()
	hf := f.withHealth()
	f.withEncoding()
	mf := f.withMetrics()
	keepRuns := f.Int("keep-runs", defaultKeepRuns, "keep the records of the newest `N` runs in <workdir>/runs (what sdetl report renders); older ones are pruned after the run")
	logStderr := logAuto
	f.Var(&logStderr, "log-stderr", logStderrUsage)
	if _, err := f.parse(args); err != nil {
		return err
	}
	if *exports == "" {
		return usageError{"run: --exports DIR is required"}
	}
	if *keepRuns < 1 {
		return usageError{"run: --keep-runs must be at least 1 (this run's record)"}
	}
	s, _, err := f.setup(false)
	if err != nil {
		return err
	}
	o := runOptions{exports: *exports, work: f.work, fresh: *fresh, dryRun: *dry, minQuality: s.Quality.Gate, adopt: *adopt, limits: *limits,
		noCanary: *noCanary, canarySeed: *seed, canaryQueries: cq, mig: mig, noBackup: *noBackup, keepRuns: *keepRuns, health: hf.limits(f.work),
		sums: filesum.Open(f.work.sumsJSON()), settling: &sync.WaitGroup{}}
	if minQ.set {
		o.minQuality = minQ.v
	}
	// The metrics exist from here, so a run that stops before the pipeline (a busy work dir,
	// a failed preflight) still writes and pushes them, with its outcome.
	started := time.Now()
	var finishMetrics func(context.Context, *runReport, time.Time) error
	if o.metrics, finishMetrics, err = startMetrics(e, mf); err != nil {
		return err
	}
	stopped := func(err error) error {
		rep := &runReport{Exports: o.exports, Schema: s.Schema, DryRun: o.dryRun}
		rep.ExitCode, rep.Outcome = ending(ctx, err)
		if merr := finishMetrics(ctx, rep, started); merr != nil {
			fmt.Fprintf(e.stderr, "sdetl: %s\n", oneLine(merr.Error())) // the run's own error is the one that counts
		}
		return err
	}
	// A busy work dir is found before the local PostgreSQL is started for the preflight.
	if err := f.work.busy(); err != nil {
		return stopped(err)
	}
	if o.dsn, err = resolveDSN(ctx, e, f); err != nil {
		return stopped(err)
	}
	// Preflight before the lock and before anything is read or written: a run that cannot
	// succeed here stops in seconds, not after import and clean.
	if !*skipPreflight {
		o.metrics.Enter("preflight")
		began := time.Now()
		if err := runPreflight(ctx, e, s, f.work, o.exports, o.dsn, o.sums); err != nil {
			return stopped(err)
		}
		o.preflightSeconds = time.Since(began).Seconds()
	}
	unlock, err := f.work.lock()
	if err != nil {
		return stopped(err)
	}
	defer unlock()
	// Piped, stderr is a stream of JSON lines, the log's and the progress events (told apart
	// by "msg" and "event"), then the one sdetl: error line if the run fails.
	e.autoJSON = logStderr != logNone
	if o.log, err = openRunLog(f.work, e, logStderr); err != nil {
		return stopped(err)
	}
	defer o.log.close()
	o.log.Info("run started", "exports", o.exports, "database", describeDSN(o.dsn), "schema", s.Schema, "dry_run", o.dryRun)
	rep, err := pipeline(ctx, e, s, o)
	o.settling.Wait()
	if rep != nil && rep.Import != nil { // a run refused before reading anything writes nothing
		settleSums(ctx, o, rep) // what the load's settling did not get to (a run that stopped before it)
		o.sums.Save()           // a cache: losing it costs one hash per file next time, so its error is not the run's
	}
	if merr := finishMetrics(ctx, rep, started); err == nil {
		err = merr
	}
	o.enter("")
	endRunLog(o.log, rep, err)
	if f.json {
		printJSON(e.stdout, rep)
	} else {
		printRun(e.stdout, rep)
		printReportPath(e.stdout, rep)
	}
	return err
}

func printRun(w io.Writer, r *runReport) {
	if r.Import == nil {
		return // the import failed: the error line says why
	}
	fmt.Fprintf(w, "scope filter: %s\n", r.Import.Scope)
	for _, d := range r.DateOrders {
		fmt.Fprintf(w, "date order: %s\n", d)
	}
	if r.Profile != nil && r.Profile.Breaker.Halt {
		fmt.Fprintln(w, "\nCIRCUIT BREAKER: the run halted before cleaning; nothing was loaded.")
		for _, t := range r.Profile.Breaker.Trips {
			fmt.Fprintf(w, "  %s\n", t.Message)
			for _, x := range t.Examples {
				fmt.Fprintf(w, "    e.g. %s\n", x)
			}
		}
		return
	}
	printScores(w, r)
	if c := r.Canary; c != nil && !c.Skipped && c.Observed != nil {
		verdict := "passed"
		if len(c.Failures) > 0 {
			verdict = fmt.Sprintf("FAILED %d checks", len(c.Failures))
		}
		fmt.Fprintf(w, "canary: %s (%.0f%% sample, seed %d:", verdict, 100*c.Share, c.Seed)
		for _, t := range c.Observed.Tables {
			fmt.Fprintf(w, " %s %d", t.Table, t.Rows)
		}
		fmt.Fprintf(w, "; %d queries) in %.1fs\n", c.Queries, c.Seconds)
		for _, f := range c.Failures {
			fmt.Fprintf(w, "  %s\n", f.Message)
		}
	}
	if r.Plan != nil {
		printPlan(w, r.Plan)
		return
	}
	if r.Load == nil || r.Tables == nil {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-11s %10s %10s %10s %10s %12s  %s\n", "table", "read", "in scope", "staged", "loaded", "quarantined", "staged = loaded + quarantined")
	for _, t := range r.Tables {
		ok := "yes"
		if !t.Reconciled {
			ok = "NO"
		}
		fmt.Fprintf(w, "%-11s %10d %10d %10d %10d %12d  %s\n", t.Table, t.Read, t.InScope, t.Staged, t.Loaded, t.Quarantined, ok)
	}
	for _, a := range r.Import.Files {
		if a.Skipped {
			fmt.Fprintf(w, "(%s: %s)\n", a.Path, a.Scope)
		}
	}
	if len(r.Clean.Quarantine) > 0 {
		fmt.Fprint(w, "\nquarantined rows by rule:")
		for _, k := range slices.Sorted(maps.Keys(r.Clean.Quarantine)) {
			fmt.Fprintf(w, "  %s %d", k, r.Clean.Quarantine[k])
		}
		fmt.Fprintln(w)
	}
	if len(r.Clean.Changes) > 0 {
		per := changesPerRule(r.Clean)
		fmt.Fprint(w, "cells changed by rule:")
		for _, k := range slices.Sorted(maps.Keys(per)) {
			fmt.Fprintf(w, "  %s %d", k, per[k])
		}
		fmt.Fprintln(w, "   (per column: sdetl clean --json, or run.json)")
	}
	if r.Load.NothingToDo {
		fmt.Fprintf(w, "\nnothing to do: schema %s at %s already holds exactly these rows (%.1fs)\n", r.Schema, r.Database, r.Seconds)
		return
	}
	fmt.Fprintf(w, "\nloaded generation %s (run %d) and made it live as %s at %s in %.1fs\n", r.Load.Generation, r.RunID, r.Schema, r.Database, r.Seconds)
	if sw := r.Load.Swap; sw != nil {
		fmt.Fprintf(w, "swap: %s in %s (%d attempt(s))", sw.To, sw.Duration.Round(time.Millisecond), sw.Attempts)
		if sw.From != "" {
			fmt.Fprintf(w, "; the previous live schema is retained as %s", sw.From)
		}
		fmt.Fprintln(w)
	}
	for _, d := range r.Load.Dropped {
		fmt.Fprintf(w, "dropped old generation %s\n", d)
	}
	for _, x := range r.Load.Warnings {
		fmt.Fprintf(w, "warning: %s\n", x)
	}
}

// printReportPath names the HTML report, once it is written.
func printReportPath(w io.Writer, r *runReport) {
	if r != nil && r.Report != "" {
		if _, err := os.Stat(r.Report); err == nil {
			fmt.Fprintf(w, "report: %s\n", r.Report)
		}
	}
}

// writeJSONFile writes v to path atomically (temp, fsync, rename).
func writeJSONFile(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return store.WriteFile(path, 0o644, true, func(w io.Writer) error { return printJSON(w, v) })
}
