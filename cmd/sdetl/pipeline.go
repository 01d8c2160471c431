package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/exports"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/stage"
)

// The work dir's artifacts.
const (
	stageFile = "stage.db"
	cleanFile = "clean.db"
)

func cmdImport(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "import", "--exports DIR | FILE... [flags]",
		"Stage the exports (tickets, comments, timesheets, roster.csv; .xlsx or .csv) losslessly,\nwith source file and row for every value, applying the scope filter.").withSpec().withJSON()
	exports := f.String("exports", "", "directory holding the exports (required)")
	fresh := f.Bool("fresh", false, "start a new staging store instead of adding to the existing one")
	limits := f.withLimits()
	files, err := f.parseWithFiles(args)
	if err != nil {
		return err
	}
	if (*exports == "") == (len(files) == 0) {
		return usageError{"import: give --exports DIR or export files, not both"}
	}
	s, err := f.spec()
	if err != nil {
		return err
	}
	unlock, err := f.lock()
	if err != nil {
		return err
	}
	defer unlock()
	p := newProgress(e.stderr, "import")
	res, err := stage.Import(ctx, stage.Options{Spec: s, Dir: *exports, Files: files, Out: f.path(stageFile), Fresh: *fresh, Limits: *limits, Progress: p.updateDone})
	p.done()
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(e.stdout, res)
	}
	printImport(e.stdout, res)
	return nil
}

func importStage(ctx context.Context, e *env, s *contract.Spec, dir, out string, fresh bool, lim exports.Limits) (*stage.Result, error) {
	p := newProgress(e.stderr, "import")
	defer p.done()
	return stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: out, Fresh: fresh, Limits: lim, Progress: p.updateDone})
}

func printImport(w io.Writer, r *stage.Result) {
	fmt.Fprintf(w, "scope filter: %s\n", r.Scope)
	fmt.Fprintf(w, "%-11s %-7s %-7s %9s %9s %9s %8s %9s %9s %9s\n", "table", "format", "dialect", "read", "in scope", "dropped", "rejected", "inserted", "updated", "unchanged")
	for _, a := range r.Files {
		if a.Skipped {
			fmt.Fprintf(w, "%-11s %-7s %-7s %s\n", a.Table, a.Format, orDash(a.Dialect), a.Scope)
			continue
		}
		fmt.Fprintf(w, "%-11s %-7s %-7s %9d %9d %9d %8d %9d %9d %9d\n", a.Table, a.Format, orDash(a.Dialect),
			a.RowsRead, a.InScope, a.DroppedScope, a.Rejected, a.Inserted, a.Updated, a.Unchanged)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cmdClean(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "clean", "[flags]",
		"Write a new clean store from the staging store: canonical typed values, a quarantine of\nevery row that cannot be fixed, a change log. The staging store is never modified.").withSpec().withJSON()
	changes := f.Bool("changes", false, "also record every changed cell (before/after)")
	if err := f.parse(args); err != nil {
		return err
	}
	s, err := f.spec()
	if err != nil {
		return err
	}
	unlock, err := f.lock()
	if err != nil {
		return err
	}
	defer unlock()
	rep, err := cleanStage(ctx, e, s, f.workdir, *changes)
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(e.stdout, rep)
	}
	printClean(e.stdout, rep)
	return nil
}

func cleanStage(ctx context.Context, e *env, s *contract.Spec, workdir string, changes bool) (*clean.Report, error) {
	p := newProgress(e.stderr, "clean")
	defer p.done()
	return clean.Run(ctx, clean.Options{Spec: s, Stage: workdir + "/" + stageFile, Out: workdir + "/" + cleanFile,
		CellChanges: changes, Progress: p.update, Health: health.Defaults(workdir)})
}

func printClean(w io.Writer, r *clean.Report) {
	fmt.Fprintf(w, "%-11s %10s %10s %12s\n", "table", "staged", "clean", "quarantined")
	for _, t := range r.Tables {
		fmt.Fprintf(w, "%-11s %10d %10d %12d\n", t.Table, t.Staged, t.Clean, t.Quarantined)
	}
	if len(r.Quarantine) > 0 {
		fmt.Fprintln(w, "quarantined rows by rule:")
		for _, k := range slices.Sorted(maps.Keys(r.Quarantine)) {
			fmt.Fprintf(w, "  %-20s %d\n", k, r.Quarantine[k])
		}
	}
	fmt.Fprintf(w, "change log: %d (table, column, rule) entries; cells changed per rule:\n", len(r.Changes))
	per := map[string]int{}
	for _, c := range r.Changes {
		per[c.Rule] += c.Count
	}
	for _, k := range slices.Sorted(maps.Keys(per)) {
		fmt.Fprintf(w, "  %-20s %d\n", k, per[k])
	}
}

func cmdLoad(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "load", "[flags]",
		"Load the clean store into PostgreSQL: COPY into a new schema, check counts, build the\nnatural-key indexes, score the new schema (it must not score below the clean store), then\nreplace the live schema, all in one transaction.").withSpec().withJSON().withPG()
	if err := f.parse(args); err != nil {
		return err
	}
	s, err := f.spec()
	if err != nil {
		return err
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
	cleanScore, err := scoreStore(ctx, s, "clean", f.workdir)
	if err != nil {
		return err
	}
	var pgScore *quality.Report
	res, err := loadStage(ctx, e, postgres.LoadOptions{Spec: s, Clean: f.path(cleanFile), DSN: dsn,
		BeforeSwap: scoreBeforeSwap(s, cleanScore, &pgScore)})
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(e.stdout, res)
	}
	for _, t := range res.Tables {
		fmt.Fprintf(e.stdout, "%-11s %10d rows\n", t.Table, t.Rows)
	}
	fmt.Fprintf(e.stdout, "quality: clean %.2f -> loaded %.2f\n", cleanScore.Composite, pgScore.Composite)
	fmt.Fprintf(e.stdout, "loaded into schema %s at %s in %s\n", res.Schema, describeDSN(dsn), res.Duration.Round(time.Millisecond))
	return nil
}

func loadStage(ctx context.Context, e *env, o postgres.LoadOptions) (*postgres.LoadResult, error) {
	p := newProgress(e.stderr, "load")
	defer p.done()
	o.Progress = p.update
	return postgres.Load(ctx, o)
}
