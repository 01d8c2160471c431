package main

import (
	"context"

	"github.com/sdetl/sdetl/internal/quality"
)

func cmdScore(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "score", "[flags]",
		"Compute the quality score (0-100) of the staging store, the clean store or the loaded\n"+
			"PostgreSQL schema: one implementation, the same rules everywhere.").withWorkdir().withSpec().withJSON().withPG()
	which := f.String("store", "clean", "stage, clean or pg")
	var min optFloat
	f.Var(&min, "min-quality", "exit 5 when the score is below `N`, 0..100 (default: report only)")
	if _, err := f.parse(args); err != nil {
		return err
	}
	if *which != "stage" && *which != "clean" && *which != "pg" {
		return usageError{"score: --store must be stage, clean or pg"}
	}
	s, unlock, err := f.setup(false)
	if err != nil {
		return err
	}
	defer unlock()
	var r *quality.Report
	if *which == "pg" {
		var dsn string
		if dsn, err = resolveDSN(ctx, e, f); err == nil {
			r, err = scorePG(ctx, s, dsn)
		}
	} else {
		r, err = scoreStore(ctx, s, *which, f.work)
	}
	if err != nil {
		return err
	}
	var gate error
	if min.set && min.v > 0 {
		gate = quality.Gate(r, min.v) // wraps outcome.ErrGate below the gate
	}
	if f.json {
		err = printReport(ctx, e.stdout, r, gate)
	} else {
		err = quality.Print(e.stdout, r)
	}
	if err != nil {
		return err
	}
	return gate
}
