package main

import (
	"context"
	"fmt"
	"io"

	"github.com/sdetl/sdetl/internal/stage"
)

func cmdImport(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "import", "--exports DIR | FILE... [flags]",
		"Stage the exports (tickets, comments, timesheets, roster.csv; .xlsx or .csv) losslessly,\nwith source file and row for every value, applying the scope filter.").withWorkdir().withSpec().withJSON().withFiles()
	exports := f.String("exports", "", "directory holding the exports")
	fresh := f.Bool("fresh", false, "start a new staging store instead of adding to the existing one")
	limits := f.withLimits()
	hf := f.withHealth()
	f.withEncoding()
	files, err := f.parse(args)
	if err != nil {
		return err
	}
	if (*exports == "") == (len(files) == 0) {
		return usageError{"import: give --exports DIR or export files, not both"}
	}
	s, unlock, err := f.setup(true)
	if err != nil {
		return err
	}
	defer unlock()
	p := newProgress(e, "import")
	res, err := stage.Import(ctx, stage.Options{Spec: s, Dir: *exports, Files: files, Out: f.work.stage(), Fresh: *fresh, Limits: *limits, Progress: p.updateDone, Health: hf.limits(f.work)})
	p.finish(err)
	if err != nil {
		return err
	}
	if f.json {
		return printReport(ctx, e.stdout, res, nil)
	}
	printImport(e.stdout, res)
	return nil
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
