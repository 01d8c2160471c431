package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/pgcluster"
	"github.com/sdetl/sdetl/internal/postgres"
)

// localDB is the database the local default cluster serves.
const localDB = "sdetl"

func cmdPg(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "pg", "up|down|status|dsn [flags]",
		"Manage the local PostgreSQL kept under the work dir (unix socket only, no TCP).\n"+
			"  up      start it (initialising it the first time) and print how to connect\n"+
			"  down    stop it; refused while a command holds the work dir (see --force);\n"+
			"          with --purge also remove the work dir: everything sdetl (or sdetl demo) made there\n"+
			"  status  running or stopped\n"+
			"  dsn     print its DSN").withWorkdir()
	force := f.Bool("force", false, "down: stop the database even while a command (e.g. sdetl run) is using the work dir")
	purge := f.Bool("purge", false, "down: then remove the work dir and everything sdetl made in it (refused if it holds anything else)")
	action, args := splitAction(args)
	if wantsHelp(action, args) {
		args = []string{"--help"}
	}
	if _, err := f.parse(args); err != nil {
		return err
	}
	c, err := pgcluster.New(f.work.pg())
	if err != nil {
		return err
	}
	switch action {
	case "up":
		dsn, err := localDSN(ctx, e, f.work)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "local PostgreSQL is up: psql \"%s\"\n", dsn)
	case "down":
		if *purge && *force {
			return usageError{"pg down: --purge cannot be combined with --force (a running command would lose its files)"}
		}
		if !*force {
			// A run holds the work dir's lock from start to end: stopping the database under it
			// would fail its load half-way.
			unlock, err := f.work.lock()
			if err != nil {
				return fmt.Errorf("pg down: refused, a command is using %s (wait for it, or pass --force): %w", f.work, err)
			}
			defer unlock()
		}
		if err := c.Stop(ctx); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "local PostgreSQL is stopped")
		if *purge {
			if _, err := os.Stat(string(f.work)); err != nil {
				return err
			}
			n, err := f.work.purge()
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "removed %s (%.1f MB)\n", f.work, float64(n)/1e6)
		}
	case "status":
		if c.Running() {
			fmt.Fprintf(e.stdout, "running: psql \"%s\"\n", c.DSN(localDB))
		} else {
			fmt.Fprintln(e.stdout, "stopped")
		}
	case "dsn":
		fmt.Fprintln(e.stdout, c.DSN(localDB))
	default:
		return usageError{"pg: want one of up, down, status, dsn (see sdetl help pg)"}
	}
	return nil
}

// localDSN starts (if needed) the local cluster under workdir and returns its DSN.
func localDSN(ctx context.Context, e *env, w workdir) (string, error) {
	if _, err := pgcluster.FindBinaries(); err != nil {
		return "", fmt.Errorf("%w: %w", outcome.ErrPreflight, err)
	}
	dir, err := filepath.Abs(w.pg())
	if err != nil {
		return "", err
	}
	c, err := pgcluster.New(dir)
	if err != nil {
		return "", err
	}
	if !c.Running() {
		fmt.Fprintf(e.stderr, "sdetl: starting the local PostgreSQL in %s (stop it with: %s pg down --workdir %s)\n", dir, self(), w)
		if err := c.Init(ctx); err != nil {
			return "", err
		}
		if err := c.Start(ctx); err != nil {
			return "", err
		}
	}
	if err := c.CreateDatabase(ctx, localDB); err != nil {
		return "", err
	}
	return c.DSN(localDB), nil
}

// resolveDSN picks the database: --pg, then $SDETL_PG_DSN, then the PG* environment, else the
// local default cluster (started if needed).
func resolveDSN(ctx context.Context, e *env, f *flags) (string, error) {
	if f.pg != "" {
		return f.pg, nil
	}
	if d := os.Getenv("SDETL_PG_DSN"); d != "" {
		return d, nil
	}
	for _, v := range []string{"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"} {
		if os.Getenv(v) != "" {
			return "", nil // pgx reads the PG* environment itself
		}
	}
	return localDSN(ctx, e, f.work)
}

// describeDSN says where a DSN points, without the password.
func describeDSN(dsn string) string {
	if dsn == "" {
		return "the PG* environment"
	}
	return postgres.Redact(dsn)
}
