package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sdetl/sdetl/internal/synth"
)

func cmdGenerate(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "generate", "--out DIR [flags]",
		"Write synthetic exports (tickets, comments, timesheets, roster.csv) with realistic dirt,\nand truth.json: what was injected and what every stage must make of it.")
	var o synth.Options
	out := f.String("out", "", "directory to write the exports into (required)")
	f.Float64Var(&o.Scale, "scale", 1, "volume: 1 = the reference quarter after the scope filter (10,939 / 108,129 / 141,062 rows)")
	f.Int64Var(&o.Seed, "seed", 1, "random seed: the same seed gives the same files")
	f.StringVar(&o.Format, "format", "xlsx", "xlsx or csv")
	f.StringVar(&o.Dialect, "dialect", "legacy", "comments header dialect: legacy or 2026")
	f.BoolVar(&o.Raw, "raw", false, "add out-of-scope rows up to the raw export volumes")
	f.StringVar(&o.Dirt, "dirt", "realistic", "realistic or none")
	if _, err := f.parse(args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"generate: --out DIR is required"}
	}
	if err := synthOptions(&o); err != nil {
		return err
	}
	t, err := synth.Generate(ctx, *out, o)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	fmt.Fprintf(e.stdout, "wrote %s exports to %s (seed %d, scale %g, %d defects injected)\n", o.Format, *out, o.Seed, o.Scale, len(t.Defects))
	for _, name := range slices.Sorted(maps.Keys(t.Counts)) {
		c := t.Counts[name]
		fmt.Fprintf(e.stdout, "  %-11s exported %8d  in scope %8d  loaded %8d  quarantined %6d\n", name, c.Exported, c.InScope, c.Loaded, c.Quarantined)
	}
	return nil
}

// synthOptions validates generator options given on the command line: synth.Validate is the
// one check, and its complaint is a usage error.
func synthOptions(o *synth.Options) error {
	if err := o.Validate(); err != nil {
		return usageError{strings.TrimPrefix(err.Error(), "synth: ")}
	}
	return nil
}
