package main

import (
	"context"

	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/stage"
)

func cmdProfile(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "profile", "[flags]",
		"Profile every column of the staging store: inferred type and confidence, nulls and sentinels,\n"+
			"distinct values, min/max, date-format evidence, and the comparison with the contract.\n"+
			"Exits 4 when the circuit breaker would halt a run.").withWorkdir().withSpec().withJSON()
	sample := f.Int("sample", 0, "profile about N rows per table, spread over the whole table (0 = every row)")
	if _, err := f.parse(args); err != nil {
		return err
	}
	s, unlock, err := f.setup(false)
	if err != nil {
		return err
	}
	defer unlock()
	r, err := stage.Profile(ctx, s, f.work.stage(), *sample)
	if err != nil {
		return err
	}
	halt := r.Breaker.Err() // wraps outcome.ErrBreaker when the breaker would halt
	if f.json {
		err = printReport(ctx, e.stdout, r, halt)
	} else {
		err = profile.Print(e.stdout, r)
	}
	if err != nil {
		return err
	}
	return halt
}
