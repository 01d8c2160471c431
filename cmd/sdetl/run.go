package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/spec"
	"github.com/sdetl/sdetl/internal/stage"
)

// runReport is what `sdetl run` did, also written to <workdir>/run.json.
type runReport struct {
	Exports  string               `json:"exports"`
	Database string               `json:"database"`
	Schema   string               `json:"schema"`
	Import   *stage.Result        `json:"import"`
	Clean    *clean.Report        `json:"clean"`
	Load     *postgres.LoadResult `json:"load"`
	Tables   []tableSummary       `json:"tables"`
	Seconds  float64              `json:"seconds"`
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
	dsn, err := resolveDSN(ctx, e, f)
	if err != nil {
		return err
	}
	unlock, err := f.lock()
	if err != nil {
		return err
	}
	defer unlock()
	rep, err := pipeline(ctx, e, s, *exports, f.workdir, dsn, *fresh)
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(e.stdout, rep)
	}
	printRun(e.stdout, rep)
	return nil
}

// pipeline runs import -> clean -> load and the final reconciliation.
func pipeline(ctx context.Context, e *env, s *spec.Spec, exports, workdir, dsn string, fresh bool) (*runReport, error) {
	start := time.Now()
	rep := &runReport{Exports: exports, Database: describeDSN(dsn), Schema: s.Schema}
	var err error
	if rep.Import, err = importStage(ctx, e, s, exports, filepath.Join(workdir, stageFile), fresh); err != nil {
		return nil, err
	}
	if rep.Clean, err = cleanStage(ctx, e, s, workdir, false); err != nil {
		return nil, err
	}
	if rep.Load, err = loadStage(ctx, e, s, workdir, dsn); err != nil {
		return nil, err
	}
	live, err := postgres.Counts(ctx, dsn, s)
	if err != nil {
		return nil, err
	}
	var bad []string
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
	rep.Seconds = time.Since(start).Seconds()
	if err := writeJSONFile(filepath.Join(workdir, "run.json"), rep); err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w: %v", postgres.ErrReconcile, bad)
	}
	return rep, nil
}

func printRun(w io.Writer, r *runReport) {
	fmt.Fprintf(w, "scope filter: %s\n\n", r.Import.Scope)
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
		for _, k := range sortedKeys(r.Clean.Quarantine) {
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
		for _, k := range sortedKeys(per) {
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
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := printJSON(tmp, v); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
