// Package health owns the run's health checks: free disk on the work dir above a floor,
// available memory above a floor, sdetl's own resident memory below a ceiling, and the stage's
// database connection alive, checked when a long stage starts and every N rows while it runs,
// so that a run stops cleanly, with a clear reason and its own exit code, instead of failing
// half-way when the machine runs out. Judge is a pure function over probed Facts; Probe reads
// the machine.
package health

import (
	"errors"
	"fmt"

	"github.com/sdetl/sdetl/internal/outcome"
)

// Limits are what a run needs to go on. A zero bound is not checked.
type Limits struct {
	Dir         string // the work dir whose file system must keep MinFreeDisk
	MinFreeDisk uint64 // bytes free on Dir's file system (f_bavail)
	MinFreeMem  uint64 // bytes of MemAvailable
	MaxRSS      uint64 // bytes of sdetl's own resident memory (VmRSS)
	Every       int    // check every this many rows
}

// Defaults: 512 MiB of disk and 256 MiB of memory, no ceiling on sdetl's own memory (it
// streams: its memory does not grow with the input), every 10,000 rows.
func Defaults(dir string) Limits {
	return Limits{Dir: dir, MinFreeDisk: 512 << 20, MinFreeMem: 256 << 20, Every: 10000}
}

// Facts are what one probe saw. An error means the fact could not be read.
type Facts struct {
	FreeDisk uint64
	DiskErr  error
	MemAvail uint64
	MemErr   error
	RSS      uint64
	RSSErr   error
	// Conn is the stage's database connection check, when the stage has one; nil: no
	// connection, or it answered.
	ConnErr error
}

// Error is a failed health check: its stage, what is wrong and the fix. It is outcome.ErrHealth.
type Error struct {
	Stage, Problem, Fix string
}

func (e *Error) Error() string {
	where := ""
	if e.Stage != "" {
		where = " in " + e.Stage
	}
	return fmt.Sprintf("health check failed%s: %s; stopped cleanly, live schema untouched (fix: %s)", where, e.Problem, e.Fix)
}

func (e *Error) Is(target error) bool { return target == outcome.ErrHealth }

// Judge decides a probe against the limits: nil, or the first failing check as an *Error. A
// check that could not be made fails too: gates fail closed.
func Judge(stage string, l Limits, f Facts) error {
	fail := func(problem, fix string) error { return &Error{Stage: stage, Problem: problem, Fix: fix} }
	if f.ConnErr != nil {
		return fail(fmt.Sprintf("the PostgreSQL connection does not answer: %v", f.ConnErr),
			"check the server (sdetl preflight), then run again")
	}
	if l.MinFreeDisk > 0 {
		switch {
		case f.DiskErr != nil:
			return fail(fmt.Sprintf("free disk of %s: %v", l.Dir, f.DiskErr), "make the work dir readable, or pass another --workdir")
		case f.FreeDisk < l.MinFreeDisk:
			return fail(fmt.Sprintf("only %s free on %s, need %s: stopping before the disk fills", mib(f.FreeDisk), l.Dir, mib(l.MinFreeDisk)),
				"free space there (sdetl backup prune, old exports), or use a --workdir on a larger disk; --health-min-disk sets the floor")
		}
	}
	if l.MinFreeMem > 0 {
		switch {
		case f.MemErr != nil:
			return fail(fmt.Sprintf("available memory: %v", f.MemErr), "run where /proc/meminfo is readable, or --health-min-mem 0")
		case f.MemAvail < l.MinFreeMem:
			return fail(fmt.Sprintf("only %s of memory available, need %s: stopping before the system runs out", mib(f.MemAvail), mib(l.MinFreeMem)),
				"stop what else is using memory, or run on a larger machine; --health-min-mem sets the floor")
		}
	}
	if l.MaxRSS > 0 {
		switch {
		case f.RSSErr != nil:
			return fail(fmt.Sprintf("sdetl's resident memory: %v", f.RSSErr), "run where /proc/self/status is readable, or --health-max-rss 0")
		case f.RSS > l.MaxRSS:
			return fail(fmt.Sprintf("sdetl uses %s of memory, above the ceiling of %s", mib(f.RSS), mib(l.MaxRSS)),
				"raise --health-max-rss, or report it: sdetl streams, so its memory should not grow with the input")
		}
	}
	return nil
}

// Check probes and judges once, outside any stage.
func (l Limits) Check() error { return Judge("", l, l.Probe(nil)) }

// Probe reads the facts the limits need (only those), and pings with ping when given.
func (l Limits) Probe(ping func() error) Facts {
	var f Facts
	if l.MinFreeDisk > 0 {
		f.FreeDisk, f.DiskErr = FreeDisk(l.Dir)
	}
	if l.MinFreeMem > 0 {
		f.MemAvail, f.MemErr = MemAvailable()
	}
	if l.MaxRSS > 0 {
		f.RSS, f.RSSErr = ResidentMemory()
	}
	if ping != nil {
		f.ConnErr = ping()
	}
	return f
}

// Checker checks one stage: Now at its start, Tick once per row. A nil Checker checks nothing.
type Checker struct {
	l     Limits
	stage string
	ping  func() error
	n     int
}

// For returns the checker of a stage; ping, when not nil, checks the stage's database
// connection (it must be safe to call between the stage's own statements).
func (l Limits) For(stage string, ping func() error) *Checker {
	if l == (Limits{}) {
		return nil
	}
	return &Checker{l: l, stage: stage, ping: ping}
}

// Now probes and judges.
func (c *Checker) Now() error {
	if c == nil {
		return nil
	}
	return Judge(c.stage, c.l, c.l.Probe(c.ping))
}

// Tick counts a row and checks every Every rows.
func (c *Checker) Tick() error {
	if c == nil {
		return nil
	}
	if c.n++; c.l.Every <= 0 || c.n%c.l.Every != 0 {
		return nil
	}
	return c.Now()
}

// Ticker returns a function to call once per row: it checks every l.Every rows.
func (l Limits) Ticker() func() error { return l.For("", nil).Tick }

// IsHealth reports whether err is a failed health check.
func IsHealth(err error) bool { return errors.Is(err, outcome.ErrHealth) }

func mib(b uint64) string { return fmt.Sprintf("%d MiB", b>>20) }
