package main

import (
	"context"
	"fmt"
	"time"

	"github.com/sdetl/sdetl/internal/postgres"
)

func cmdRollback(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "rollback", "[--to RUN] [flags]",
		"Make a previous generation live again, by the same swap a run ends with: the live schema is\nretained in its turn (so a rollback can be rolled back) and nothing is dropped. Without --to,\nthe generation retired last; sdetl generations lists them.").withWorkdir().withSpec().withJSON().withPG()
	to := f.Int64("to", 0, "the `RUN` id whose generation becomes live")
	var mig migrateFlags
	f.withMigrate(&mig, false)
	if _, err := f.parse(args); err != nil {
		return err
	}
	s, dsn, unlock, err := f.setupDB(ctx, e, false)
	if err != nil {
		return err
	}
	defer unlock()
	run, err := postgres.BeginRun(ctx, dsn, s, "rollback", mig.lockWait)
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := postgres.Rollback(ctx, run, postgres.RollbackOptions{To: *to, GrantRoles: mig.grantRoles, LockTimeout: mig.lockTimeout, SwapRetries: mig.swapRetries})
	status := postgres.StatusOK
	if err != nil {
		status = postgres.StatusFailed
	}
	if ferr := run.Finish(ctx, status, &postgres.RunDetails{Rollback: res, Timings: map[string]float64{"rollback": time.Since(start).Seconds()}}, err); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "rolled back: %s is now run %d's generation (swap %s); the one it replaced is retained as %s\n",
		res.Schema, res.To, res.Swap.Duration.Round(time.Millisecond), res.Swap.From)
	return nil
}
