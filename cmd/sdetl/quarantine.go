package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/inputfile"
	"github.com/sdetl/sdetl/internal/report"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
)

func cmdQuarantine(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "quarantine", "list|export|release [flags]",
		"Review and fix quarantined rows.\n"+
			"  list                         show them (from the clean store)\n"+
			"  export --table T --out F.csv write one table's rows as CSV to fix by hand\n"+
			"  release --table T --file F   re-ingest the fixed rows; then run sdetl clean and sdetl load").withWorkdir().withSpec().withJSON()
	action, args := splitAction(args)
	if wantsHelp(action, args) {
		args = []string{"--help"}
	}
	table := f.String("table", "", "table (comments, tickets, ...)")
	rule := f.String("rule", "", "list: only this rule")
	limit := f.Int("limit", 50, "list: at most this many rows (0 = all)")
	out := f.String("out", "", "export: the CSV file to write")
	file := f.String("file", "", "release: the fixed CSV or XLSX file")
	if _, err := f.parse(args); err != nil {
		return err
	}
	// Only release writes the work dir; list and export read the clean store.
	s, unlock, err := f.setup(action == "release")
	if err != nil {
		return err
	}
	defer unlock()
	cleanPath := f.work.clean()
	switch action {
	case "list":
		var rows []*clean.QuarantinedRow
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		if !f.json {
			fmt.Fprintln(tw, "table\tsource\tcolumn\trule\traw value\treason")
		}
		n := 0
		err := clean.Quarantine(ctx, cleanPath, *table, *rule, func(q *clean.QuarantinedRow) error {
			if n++; *limit > 0 && n > *limit {
				return nil
			}
			if f.json {
				rows = append(rows, q)
				return nil
			}
			fmt.Fprintf(tw, "%s\t%s:%d\t%s\t%s\t%q\t%s\n", q.Table, inputfile.Display(q.File), q.Row, q.Column, q.Rule, report.Shorten(q.Raw, 30), inputfile.Display(report.Shorten(q.Reason, 60)))
			return nil
		})
		if err != nil {
			return err
		}
		if f.json {
			shown := struct {
				Rows  []*clean.QuarantinedRow `json:"rows"`
				Total int                     `json:"total"` // rows matching, beyond --limit too
			}{rows, n}
			if shown.Rows == nil {
				shown.Rows = []*clean.QuarantinedRow{}
			}
			return printReport(ctx, e.stdout, shown, nil)
		}
		tw.Flush()
		if *limit > 0 && n > *limit {
			fmt.Fprintf(e.stdout, "... %d rows in all (--limit 0 shows every one)\n", n)
		}
		return nil
	case "export":
		t := s.Table(*table)
		if t == nil || *out == "" {
			return usageError{"quarantine export: --table (a contract table) and --out FILE are required"}
		}
		var n int
		err := store.WriteFile(*out, 0o644, true, func(w io.Writer) (err error) {
			n, err = clean.ExportQuarantine(ctx, cleanPath, t, w)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %d quarantined %s rows to %s; fix them, then: sdetl quarantine release --table %s --file %s\n", n, t.Name, *out, t.Name, *out)
		fmt.Fprintf(e.stdout, "cells starting with = + - @ tab CR or ' carry one added leading ' so a spreadsheet shows them as text; release removes it\n")
		return nil
	case "release":
		if *table == "" || *file == "" {
			return usageError{"quarantine release: --table and --file are required"}
		}
		res, err := stage.Release(ctx, stage.ReleaseOptions{Spec: s, Stage: f.work.stage(), Table: *table, File: *file})
		if err != nil {
			return err
		}
		if f.json {
			return printReport(ctx, e.stdout, res, nil)
		}
		fmt.Fprintf(e.stdout, "released %d %s rows into the staging store; now run: sdetl clean && sdetl load\n", res.Released, res.Table)
		return nil
	}
	return usageError{"quarantine: want one of list, export, release (see sdetl help quarantine)"}
}
