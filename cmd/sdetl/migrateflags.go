package main

import (
	"time"

	"github.com/sdetl/sdetl/internal/postgres"
)

// migrateFlags are the flags of the commands that change which generation is live (run, load,
// rollback).
type migrateFlags struct {
	grantRoles  stringList
	keep        int
	force       bool
	lockWait    time.Duration
	lockTimeout time.Duration
	swapRetries int
	parallel    int
}

// withMigrate adds the swap flags; load adds the generation flags too.
func (f *flags) withMigrate(m *migrateFlags, load bool) *flags {
	f.Var(&m.grantRoles, "grant-role", "`role` to grant USAGE and SELECT on the new live schema before the swap (repeatable), e.g. the dashboards' read-only role")
	f.DurationVar(&m.lockWait, "lock-wait", 0, "how long to wait for another sdetl run on this database to finish before giving up")
	f.DurationVar(&m.lockTimeout, "lock-timeout", postgres.DefaultLockTimeout, "PostgreSQL lock_timeout of each swap attempt and of each drop of an old generation")
	f.IntVar(&m.swapRetries, "swap-retries", 3, "how many more times a swap that timed out on a lock is tried, with backoff")
	if load {
		f.IntVar(&m.keep, "keep", 2, "previous generations to retain for rollback; older ones are dropped after the swap")
		f.BoolVar(&m.force, "force", false, "load a new generation even when the live one already holds exactly these rows")
		f.IntVar(&m.parallel, "parallel", 2, "connections copying tables at once")
	}
	return f
}

// apply copies the flags into load options.
func (m *migrateFlags) apply(o *postgres.LoadOptions) {
	o.GrantRoles, o.Keep, o.Force = m.grantRoles, m.keep, m.force
	o.LockTimeout, o.SwapRetries, o.Parallel = m.lockTimeout, m.swapRetries, m.parallel
}
