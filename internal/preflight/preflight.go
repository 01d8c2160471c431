// Package preflight judges whether a run can succeed on this machine before it touches
// anything: each check is a pure function over facts the adapters probed (free disk, memory,
// the database, the PostgreSQL client tools, the inputs, the staging store, the work-dir lock,
// the clocks), so every verdict can be tested without breaking a machine.
package preflight

import (
	"fmt"
	"strings"
	"time"
)

// Status is a check's verdict.
type Status string

const (
	Pass Status = "PASS"
	Warn Status = "WARN"
	Fail Status = "FAIL"
)

// Check is one verdict: what was checked, what was found, and on WARN or FAIL the fix in one
// line.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Report is every check, in a fixed order, and the verdict over them.
type Report struct {
	Checks   []Check `json:"checks"`
	Failed   int     `json:"failed"`
	Warned   int     `json:"warned"`
	Estimate Need    `json:"disk_estimate"`
}

// OK reports whether a run may go on: no FAIL, and with strict no WARN either.
func (r *Report) OK(strict bool) bool {
	return r.Failed == 0 && (!strict || r.Warned == 0)
}

// Problems is the WARN and FAIL checks as one line each ("name: detail (fix: ...)"), the FAILs
// first, for an error message.
func (r *Report) Problems(strict bool) []string {
	var out []string
	for _, want := range []Status{Fail, Warn} {
		if want == Warn && !strict {
			break
		}
		for _, c := range r.Checks {
			if c.Status == want {
				out = append(out, fmt.Sprintf("%s: %s (fix: %s)", c.Name, c.Detail, c.Fix))
			}
		}
	}
	return out
}

// Facts are what the probes found. A probe that could not find out sets its Err: a check over
// an unknown fact fails, it never passes by default.
type Facts struct {
	WorkDir     string
	WorkDirErr  error  // the work dir (or where it would be created) is not writable
	FreeDisk    uint64 // bytes available to us on the work dir's file system
	DiskErr     error
	Inputs      []Input
	StageBytes  int64 // the existing staging store, 0 if none
	CleanBytes  int64 // the existing clean store, 0 if none
	LocalPGDir  bool  // the PostgreSQL data directory lives under the work dir
	MemAvail    uint64
	MemErr      error
	DB          DB
	Tools       []Tool // pg_dump, pg_restore
	Stage       Store
	LockHeld    bool  // another process holds the work dir's lock
	LockErr     error // the lock could not even be tried
	LocalNow    time.Time
	NeedsDB     bool // false for commands that never reach PostgreSQL
	NeedsInputs bool // false when no exports were named
}

// Input is one export the run would read.
type Input struct {
	Table, Path string
	Format      string // xlsx or csv
	Bytes       int64
	Err         error // unreadable, or its header matches no contract table
}

// DB is what a short connection to PostgreSQL told.
type DB struct {
	Target        string // where, without credentials
	Err           error  // not reachable (within the probe's timeout)
	Elapsed       time.Duration
	VersionNum    int    // server_version_num, e.g. 150005
	Version       string // server_version, e.g. "15.5 (Debian 15.5-0+deb12u1)"
	CreateErr     error  // CREATE SCHEMA refused (tried in a rolled-back transaction)
	GrantErr      error  // GRANT on that schema refused
	ServerNow     time.Time
	RoundTrip     time.Duration // of the query that read ServerNow
	ClockProbeErr error
}

// Tool is a PostgreSQL client program found (or not) on PATH.
type Tool struct {
	Name, Path string
	Major      int // 0 when unknown
	Version    string
	Err        error
}

// Store is the staging store's integrity check.
type Store struct {
	Path   string
	Exists bool
	Result string // PRAGMA integrity_check's first line: "ok" when sound
	Err    error
}

// Limits are the thresholds the checks judge against.
type Limits struct {
	MinMem, WarnMem uint64        // bytes of available memory: FAIL below MinMem, WARN below WarnMem
	DiskHeadroom    float64       // WARN when free disk is below need * DiskHeadroom
	ClockWarn       time.Duration // WARN when the clocks differ by more
	ClockFail       time.Duration // FAIL when they differ by more
}

// DefaultLimits: 256 MiB of memory to run at all (the health check's floor), 512 MiB to be
// comfortable (a scale-1 run peaks near 100 MiB, a raw export near 280 MiB); free disk 1.5x the
// estimate; clocks within 5 s (WARN) and 5 minutes (FAIL: run times and ledger entries
// would be misordered against the database's).
func DefaultLimits() Limits {
	return Limits{MinMem: 256 << 20, WarnMem: 512 << 20, DiskHeadroom: 1.5, ClockWarn: 5 * time.Second, ClockFail: 5 * time.Minute}
}

// Evaluate runs every check over the facts.
func Evaluate(f Facts, l Limits) *Report {
	r := &Report{Estimate: Estimate(f)}
	add := func(c Check) {
		r.Checks = append(r.Checks, c)
		switch c.Status {
		case Fail:
			r.Failed++
		case Warn:
			r.Warned++
		}
	}
	add(checkWorkDir(f))
	add(checkLock(f))
	add(checkDisk(f, r.Estimate, l))
	add(checkMemory(f, l))
	if f.NeedsInputs {
		add(checkInputs(f))
	}
	add(checkStage(f))
	if f.NeedsDB {
		add(checkDB(f))
		if f.DB.Err == nil {
			add(checkPrivileges(f))
			add(checkClock(f, l))
		}
		for _, t := range f.Tools {
			add(checkTool(f, t))
		}
	}
	return r
}

func pass(name, detail string) Check { return Check{Name: name, Status: Pass, Detail: detail} }

func fail(name, detail, fix string) Check {
	return Check{Name: name, Status: Fail, Detail: detail, Fix: fix}
}

func warn(name, detail, fix string) Check {
	return Check{Name: name, Status: Warn, Detail: detail, Fix: fix}
}

func checkWorkDir(f Facts) Check {
	if f.WorkDirErr != nil {
		return fail("work dir", fmt.Sprintf("%s is not writable: %v", f.WorkDir, f.WorkDirErr),
			"pass --workdir DIR on a writable file system, or fix the permissions or mount of "+f.WorkDir)
	}
	return pass("work dir", f.WorkDir+" is writable")
}

func checkLock(f Facts) Check {
	switch {
	case f.LockErr != nil:
		return fail("lock", fmt.Sprintf("cannot try the work dir's lock: %v", f.LockErr), "make "+f.WorkDir+" writable")
	case f.LockHeld:
		return fail("lock", "work dir "+f.WorkDir+" is in use by another sdetl process",
			"wait for it to finish (or use another --workdir); a dead process releases the lock by itself")
	}
	return pass("lock", "no other run holds "+f.WorkDir)
}

func checkMemory(f Facts, l Limits) Check {
	if f.MemErr != nil {
		return fail("memory", fmt.Sprintf("cannot read available memory: %v", f.MemErr), "run on Linux with /proc mounted")
	}
	d := fmt.Sprintf("%s available", MiB(f.MemAvail))
	switch {
	case f.MemAvail < l.MinMem:
		return fail("memory", d+", need "+MiB(l.MinMem), "stop other processes or run on a machine with more memory")
	case f.MemAvail < l.WarnMem:
		return warn("memory", d+", "+MiB(l.WarnMem)+" recommended", "stop other processes before a large run")
	}
	return pass("memory", d)
}

func checkInputs(f Facts) Check {
	if len(f.Inputs) == 0 {
		return fail("inputs", "no exports found", "pass --exports DIR holding the exports the contract names")
	}
	var bad, names []string
	var total int64
	for _, in := range f.Inputs {
		if in.Err != nil {
			bad = append(bad, in.Err.Error())
			continue
		}
		names = append(names, in.Table+"="+in.Format)
		total += in.Bytes
	}
	if len(bad) > 0 {
		return fail("inputs", strings.Join(bad, "; "), "re-export the named file from the service desk, or fix its header row")
	}
	return pass("inputs", fmt.Sprintf("%d readable with recognised headers (%s), %s", len(names), strings.Join(names, " "), MiB(uint64(total))))
}

func checkStage(f Facts) Check {
	s := f.Stage
	switch {
	case !s.Exists:
		return pass("staging store", "none yet ("+s.Path+" will be created)")
	case s.Err != nil:
		return fail("staging store", fmt.Sprintf("%s: integrity check could not run: %v", s.Path, s.Err),
			"restore it with sdetl restore, or start over with sdetl run --fresh")
	case s.Result != "ok":
		return fail("staging store", fmt.Sprintf("%s: integrity_check says %q", s.Path, s.Result),
			"restore it with sdetl restore, or start over with sdetl run --fresh")
	}
	return pass("staging store", s.Path+": integrity_check ok")
}

func checkDB(f Facts) Check {
	d := f.DB
	if d.Err != nil {
		return fail("postgres", fmt.Sprintf("not reachable: %v", d.Err),
			"start the server or correct --pg / $SDETL_PG_DSN (sdetl pg up starts the local one)")
	}
	if d.VersionNum < 120000 {
		return fail("postgres", fmt.Sprintf("%s: server %s is older than 12", d.Target, d.Version), "upgrade PostgreSQL to 12 or newer")
	}
	return pass("postgres", fmt.Sprintf("%s: PostgreSQL %s, connected in %s", d.Target, d.Version, d.Elapsed.Round(time.Millisecond)))
}

func checkPrivileges(f Facts) Check {
	d := f.DB
	switch {
	case d.CreateErr != nil:
		return fail("privileges", fmt.Sprintf("cannot create schemas: %v", d.CreateErr),
			"GRANT CREATE ON DATABASE <db> TO <the loading role>")
	case d.GrantErr != nil:
		return fail("privileges", fmt.Sprintf("cannot grant on a new schema: %v", d.GrantErr),
			"load as a role that owns what it creates (not a restricted one)")
	}
	return pass("privileges", "may create schemas and grant on them (tried, rolled back)")
}

func checkClock(f Facts, l Limits) Check {
	d := f.DB
	if d.ClockProbeErr != nil {
		return fail("clock", fmt.Sprintf("cannot read the server's clock: %v", d.ClockProbeErr), "check the connection")
	}
	skew := SkewOf(f.LocalNow, d.ServerNow, d.RoundTrip)
	abs := skew
	if abs < 0 {
		abs = -abs
	}
	detail := fmt.Sprintf("this machine's clock is %s %s the server's", abs.Round(time.Millisecond), map[bool]string{true: "ahead of", false: "behind"}[skew >= 0])
	fix := "synchronise both clocks with NTP (timedatectl set-ntp true)"
	switch {
	case abs > l.ClockFail:
		return fail("clock", detail, fix)
	case abs > l.ClockWarn:
		return warn("clock", detail, fix)
	}
	return pass("clock", detail)
}

// SkewOf is local minus server time, taking the server's reading as made half-way through the
// round trip that ended at local.
func SkewOf(local, server time.Time, rtt time.Duration) time.Duration {
	return local.Add(-rtt / 2).Sub(server)
}

func checkTool(f Facts, t Tool) Check {
	name := t.Name
	fix := "install the PostgreSQL client of the server's major version or newer (Debian: apt-get install postgresql-client) and put it on PATH"
	switch {
	case t.Err != nil:
		return fail(name, t.Err.Error(), fix)
	case t.Major == 0:
		return fail(name, fmt.Sprintf("%s: cannot tell its version from %q", t.Path, t.Version), fix)
	}
	server := f.DB.VersionNum / 10000
	if f.DB.Err == nil && t.Major < server {
		return fail(name, fmt.Sprintf("%s is version %d, older than the server's %d: it cannot dump that server", t.Path, t.Major, server), fix)
	}
	return pass(name, fmt.Sprintf("%s (%s)", t.Path, t.Version))
}

// MiB renders bytes for people.
func MiB(b uint64) string {
	switch {
	case b >= 10<<30:
		return fmt.Sprintf("%.0f GiB", float64(b)/(1<<30))
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
