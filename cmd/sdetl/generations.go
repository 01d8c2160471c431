package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sdetl/sdetl/internal/postgres"
)

func cmdGenerations(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "generations", "[flags]",
		"List the contract's generations in PostgreSQL: the live one and those retained for rollback,\nwith their run id, when they were created, row counts, quality score and input hashes.").withWorkdir().withSpec().withJSON().withPG()
	if _, err := f.parse(args); err != nil {
		return err
	}
	s, dsn, unlock, err := f.setupDB(ctx, e, false)
	if err != nil {
		return err
	}
	defer unlock()
	gens, err := postgres.Generations(ctx, dsn, s)
	if err != nil {
		return err
	}
	if f.json {
		if gens == nil {
			gens = []postgres.Generation{}
		}
		return printJSON(e.stdout, gens)
	}
	if len(gens) == 0 {
		fmt.Fprintf(e.stdout, "no generations of %s yet\n", s.Schema)
		return nil
	}
	fmt.Fprintf(e.stdout, "%-6s %-4s %-25s %-20s %7s  %s\n", "run", "live", "schema", "created", "score", "rows")
	for _, g := range gens {
		live, score := "", "-"
		if g.Live {
			live = "yes"
		}
		if g.Score != nil {
			score = fmt.Sprintf("%.2f", *g.Score)
		}
		var rows []string
		for _, t := range slices.Sorted(maps.Keys(g.Rows)) {
			rows = append(rows, fmt.Sprintf("%s=%d", t, g.Rows[t]))
		}
		fmt.Fprintf(e.stdout, "%-6d %-4s %-25s %-20s %7s  %s\n", g.Run, live, g.Schema, g.Created.UTC().Format("2006-01-02 15:04:05"), score, strings.Join(rows, " "))
		for _, in := range g.Inputs {
			fmt.Fprintf(e.stdout, "       input %s sha256 %s\n", in.Path, in.SHA256)
		}
	}
	return nil
}
