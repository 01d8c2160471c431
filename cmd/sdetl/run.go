package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/exports"
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
	Load       *postgres.LoadResult `json:"load"`
	Tables     []tableSummary       `json:"tables"`
	Plan       *plan                `json:"plan,omitempty"`
	Seconds    float64              `json:"seconds"`
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
		"Run the pipeline: import the exports, clean them, load them into PostgreSQL, and reconcile\nevery row end to end (rows in scope = rows loaded + rows quarantined).").withSpec().withJSON().withPG()
	exports := f.String("exports", "", "directory holding the exports (required)")
	fresh := f.Bool("fresh", false, "start a new staging store instead of adding to the existing one")
	dry := f.Bool("dry-run", false, "do everything but the load; rehearse the load on a sample in a throwaway schema and print the plan")
	minQ := f.Float64("min-quality", -1, "quality gate: the clean store's score must reach this (default: the contract's, 80)")
	limits := f.withLimits()
	if err := f.parse(args); err != nil {
		return err
	}
	if *exports == "" {
		return usageError{"run: --exports DIR is required"}
	}
	s, err := f.spec()
	if err != nil {
		return err
	}
	o := runOptions{exports: *exports, workdir: f.workdir, fresh: *fresh, dryRun: *dry, minQuality: s.Quality.Gate, limits: *limits}
	if *minQ >= 0 {
		o.minQuality = *minQ
	}
	dsn, err := resolveDSN(ctx, e, f)
	if err != nil {
		return err
	}
	unlock, err := f.lock()
	if err != nil {
		return err
	}
	defer unlock()
	o.dsn = dsn
	rep, err := pipeline(ctx, e, s, o)
	if rep != nil { // also when a judgement stopped the run: the report says why
		if f.json {
			printJSON(e.stdout, rep)
		} else {
			printRun(e.stdout, rep)
		}
	}
	return err
}

type runOptions struct {
	exports, workdir, dsn string
	fresh, dryRun         bool
	minQuality            float64
	limits                exports.Limits
}

// pipeline runs import -> profile -> breaker -> score -> clean -> score -> gate -> load (which
// scores the new schema before it goes live) -> reconciliation. The report is returned with
// the error when a judgement stopped the run, so the operator sees why.
func pipeline(ctx context.Context, e *env, s *contract.Spec, o runOptions) (*runReport, error) {
	start := time.Now()
	rep := &runReport{Exports: o.exports, Database: describeDSN(o.dsn), Schema: s.Schema, DryRun: o.dryRun}
	rep.Scores.Gate = o.minQuality
	finish := func(err error) (*runReport, error) {
		rep.Seconds = time.Since(start).Seconds()
		if werr := writeJSONFile(filepath.Join(o.workdir, "run.json"), rep); err == nil {
			err = werr
		}
		return rep, err
	}
	var err error
	if rep.Import, err = importStage(ctx, e, s, o.exports, filepath.Join(o.workdir, stageFile), o.fresh, o.limits); err != nil {
		return nil, err
	}
	if rep.Profile, err = stage.Profile(ctx, s, filepath.Join(o.workdir, stageFile), 0); err != nil {
		return nil, err
	}
	if halt := rep.Profile.Breaker.Err(); halt != nil {
		return finish(exitCodeError{exitBreaker, fmt.Errorf("%w; nothing was cleaned or loaded (sdetl profile shows every column)", halt)})
	}
	rep.DateOrders = applyDateOrders(s, rep.Profile)
	if rep.Scores.Stage, err = scoreStore(ctx, s, "stage", o.workdir); err != nil {
		return nil, err
	}
	if rep.Clean, err = cleanStage(ctx, e, s, o.workdir, false); err != nil {
		return nil, err
	}
	if rep.Scores.Clean, err = scoreStore(ctx, s, "clean", o.workdir); err != nil {
		return nil, err
	}
	if err := gate(rep.Scores.Clean, o.minQuality); err != nil {
		return finish(err)
	}
	lo := postgres.LoadOptions{Spec: s, Clean: filepath.Join(o.workdir, cleanFile), DSN: o.dsn,
		BeforeSwap: scoreBeforeSwap(s, rep.Scores.Clean, &rep.Scores.Postgres)}
	if o.dryRun {
		lo.DryRun, lo.SampleEvery = true, 10
		lo.BeforeSwap = scoreBeforeSwap(s, nil, &rep.Scores.Postgres) // a sample: not comparable
	}
	if rep.Load, err = loadStage(ctx, e, lo); err != nil {
		return finish(err)
	}
	if o.dryRun {
		rep.Plan = makePlan(s, rep)
		return finish(nil)
	}
	live, err := postgres.Counts(ctx, o.dsn, s)
	if err != nil {
		return nil, err
	}
	if bad := reconcile(s, rep, live); len(bad) > 0 {
		return finish(fmt.Errorf("%w: %v", postgres.ErrReconcile, bad))
	}
	return finish(nil)
}

// reconcile fills the report's per-table summary and returns the tables where staged rows !=
// loaded + quarantined rows, counted in PostgreSQL.
func reconcile(s *contract.Spec, rep *runReport, live *postgres.LiveCounts) (bad []string) {
	for _, t := range s.Tables {
		ts := tableSummary{Table: t.Name, Loaded: live.Rows[t.Name], Quarantined: live.Quarantined[t.Name]}
		for _, a := range rep.Import.Files {
			if a.Table == t.Name {
				ts.Read, ts.InScope = a.RowsRead, a.InScope
			}
		}
		for _, c := range rep.Clean.Tables {
			if c.Table == t.Name {
				ts.Staged = c.Staged
			}
		}
		ts.Reconciled = int64(ts.Staged) == ts.Loaded+ts.Quarantined
		if !ts.Reconciled {
			bad = append(bad, fmt.Sprintf("%s: staged %d != loaded %d + quarantined %d", t.Name, ts.Staged, ts.Loaded, ts.Quarantined))
		}
		rep.Tables = append(rep.Tables, ts)
	}
	return bad
}

func printRun(w io.Writer, r *runReport) {
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
	if r.Plan != nil {
		printPlan(w, r.Plan)
		return
	}
	if r.Load == nil {
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
		per := map[string]int{}
		for _, c := range r.Clean.Changes {
			per[c.Rule] += c.Count
		}
		fmt.Fprint(w, "cells changed by rule:")
		for _, k := range slices.Sorted(maps.Keys(per)) {
			fmt.Fprintf(w, "  %s %d", k, per[k])
		}
		fmt.Fprintln(w, "   (per column: sdetl clean --json, or run.json)")
	}
	fmt.Fprintf(w, "\nloaded into schema %s at %s in %.1fs\n", r.Schema, r.Database, r.Seconds)
}

// writeJSONFile writes v to path atomically (temp, fsync, rename).
func writeJSONFile(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return store.WriteFile(path, 0o644, true, func(w io.Writer) error { return printJSON(w, v) })
}
