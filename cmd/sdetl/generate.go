package main

import (
	"context"
	"fmt"
	"maps"
	"slices"

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
	if err := f.parse(args); err != nil {
		return err
	}
	switch {
	case *out == "":
		return usageError{"generate: --out DIR is required"}
	case o.Scale <= 0:
		return usageError{"generate: --scale must be > 0"}
	case o.Format != "xlsx" && o.Format != "csv":
		return usageError{"generate: --format must be xlsx or csv"}
	case o.Dialect != "legacy" && o.Dialect != "2026":
		return usageError{"generate: --dialect must be legacy or 2026"}
	case o.Dirt != "realistic" && o.Dirt != "none":
		return usageError{"generate: --dirt must be realistic or none"}
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
