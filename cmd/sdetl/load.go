package main

import (
	"context"
	"fmt"
	"time"

	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
	rc "github.com/sdetl/sdetl/internal/reconcile"
)

func cmdLoad(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "load", "[flags]",
		"Load the clean store into PostgreSQL as a new generation: COPY into a new schema, build the\nindexes, reconcile it with the clean store, score it (it must not score below the clean\nstore), grant, then swap it in as the live schema; the previous one is retained for rollback.").withWorkdir().withSpec().withJSON().withPG()
	adopt := f.String("adopt-schema", "", adoptUsage)
	var mig migrateFlags
	f.withMigrate(&mig, true)
	hf := f.withHealth()
	if _, err := f.parse(args); err != nil {
		return err
	}
	s, dsn, unlock, err := f.setupDB(ctx, e, true)
	if err != nil {
		return err
	}
	defer unlock()
	// Before the clean store is read: a contract naming a schema sdetl does not own stops here.
	if err := postgres.CheckOwnership(ctx, dsn, s, *adopt); err != nil {
		return err
	}
	cleanScore, err := scoreStore(ctx, s, "clean", f.work)
	if err != nil {
		return err
	}
	run, err := postgres.BeginRun(ctx, dsn, s, "load", mig.lockWait)
	if err != nil {
		return err
	}
	for _, line := range run.Recovered {
		fmt.Fprintf(e.stderr, "sdetl: %s\n", line)
	}
	var pgScore *quality.Report
	lo := postgres.LoadOptions{Spec: s, Clean: f.work.clean(), DSN: dsn, Run: run,
		MeasureClean: func(ctx context.Context) (*rc.Measures, error) {
			return measureClean(ctx, s, f.work, hf.limits(f.work))
		},
		BeforeSwap: scoreBeforeSwap(s, cleanScore, &pgScore), AdoptSchema: *adopt, Health: hf.limits(f.work)}
	mig.apply(&lo)
	res, err := loadStage(ctx, e, lo)
	status, d := postgres.StatusOK, &postgres.RunDetails{Scores: map[string]float64{"clean": cleanScore.Composite}}
	switch {
	case err != nil:
		status = postgres.StatusFailed
	case res.NothingToDo:
		status = postgres.StatusNothing
	}
	if pgScore != nil {
		d.Scores["postgres"] = pgScore.Composite
	}
	if res != nil {
		d.Counts, d.Timings, d.Swap = map[string]any{"loaded": res.Tables}, res.Seconds, res.Swap
	}
	if ferr := run.Finish(ctx, status, d, err); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	if res.NothingToDo {
		fmt.Fprintf(e.stdout, "nothing to do: schema %s already holds exactly these rows (--force loads a new generation anyway)\n", s.Schema)
		return nil
	}
	if f.json {
		return printReport(ctx, e.stdout, res, nil)
	}
	for _, t := range res.Tables {
		fmt.Fprintf(e.stdout, "%-11s %10d rows\n", t.Table, t.Rows)
	}
	fmt.Fprintf(e.stdout, "quality: clean %.2f -> loaded %.2f\n", cleanScore.Composite, pgScore.Composite)
	fmt.Fprintf(e.stdout, "loaded generation %s and made it live as %s at %s in %s\n", res.Generation, res.Schema, describeDSN(dsn), res.Duration.Round(time.Millisecond))
	if sw := res.Swap; sw != nil {
		fmt.Fprintf(e.stdout, "swap: %s in %s (%d attempt(s))", sw.To, sw.Duration.Round(time.Millisecond), sw.Attempts)
		if sw.From != "" {
			fmt.Fprintf(e.stdout, "; the previous live schema is retained as %s", sw.From)
		}
		fmt.Fprintln(e.stdout)
	}
	for _, d := range res.Dropped {
		fmt.Fprintf(e.stdout, "dropped old generation %s\n", d)
	}
	for _, x := range res.Warnings {
		fmt.Fprintf(e.stdout, "warning: %s\n", x)
	}
	return nil
}
