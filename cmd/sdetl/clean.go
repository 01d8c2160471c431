package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/stage"
)

func cmdClean(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "clean", "[flags]",
		"Write a new clean store from the staging store: canonical typed values, a quarantine of\nevery row that cannot be fixed, a change log. The staging store is never modified.").withWorkdir().withSpec().withJSON()
	changes := f.Bool("changes", false, "also record every changed cell (before/after)")
	hf := f.withHealth()
	if _, err := f.parse(args); err != nil {
		return err
	}
	s, unlock, err := f.setup(true)
	if err != nil {
		return err
	}
	defer unlock()
	// Read each date column as its own evidence decided (order, which numbers are dates), as
	// a run does: the same staged values must clean the same way by either command.
	h := hf.limits(f.work)
	p, err := stage.ProfileChecked(ctx, s, f.work.stage(), 0, h.For("profile", nil))
	if err != nil {
		return err
	}
	if _, err := applyDateOrders(s, p); err != nil {
		return err
	}
	rep, err := cleanStage(ctx, e, s, f.work, *changes, time.Time{}, false, h, nil, nil) // no run's record: a run will not reuse it
	if err != nil {
		return err
	}
	if f.json {
		return printReport(ctx, e.stdout, rep, nil)
	}
	printClean(e.stdout, rep)
	return nil
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
	per := changesPerRule(r)
	for _, k := range slices.Sorted(maps.Keys(per)) {
		fmt.Fprintf(w, "  %-20s %d\n", k, per[k])
	}
}

// changesPerRule counts the changed cells of a clean report per rule.
func changesPerRule(r *clean.Report) map[string]int {
	per := map[string]int{}
	for _, c := range r.Changes {
		per[c.Rule] += c.Count
	}
	return per
}
