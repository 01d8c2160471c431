package main

import (
	"context"
	"fmt"
	"time"

	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
)

func cmdLoad(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "load", "[flags]",
		"Load the clean store into PostgreSQL: COPY into a new schema, check counts, build the\nnatural-key indexes, score the new schema (it must not score below the clean store), then\nreplace the live schema, all in one transaction.").withWorkdir().withSpec().withJSON().withPG()
	adopt := f.String("adopt-schema", "", adoptUsage)
	if _, err := f.parse(args); err != nil {
		return err
	}
	s, unlock, err := f.setup(true)
	if err != nil {
		return err
	}
	defer unlock()
	dsn, err := resolveDSN(ctx, e, f)
	if err != nil {
		return err
	}
	// Before the clean store is read: a contract naming a schema sdetl does not own stops here.
	if err := postgres.CheckOwnership(ctx, dsn, s, *adopt); err != nil {
		return err
	}
	cleanScore, err := scoreStore(ctx, s, "clean", f.work)
	if err != nil {
		return err
	}
	var pgScore *quality.Report
	res, err := loadStage(ctx, e, postgres.LoadOptions{Spec: s, Clean: f.work.clean(), DSN: dsn,
		BeforeSwap: scoreBeforeSwap(s, cleanScore, &pgScore), AdoptSchema: *adopt})
	if err != nil {
		return err
	}
	if f.json {
		return printReport(ctx, e.stdout, res, nil)
	}
	for _, t := range res.Tables {
		fmt.Fprintf(e.stdout, "%-11s %10d rows\n", t.Table, t.Rows)
	}
	fmt.Fprintf(e.stdout, "quality: clean %.2f -> loaded %.2f\n", cleanScore.Composite, pgScore.Composite)
	fmt.Fprintf(e.stdout, "loaded into schema %s at %s in %s\n", res.Schema, describeDSN(dsn), res.Duration.Round(time.Millisecond))
	return nil
}
