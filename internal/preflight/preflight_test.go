package preflight

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// healthy is a machine where every check passes.
func healthy() Facts {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	return Facts{
		WorkDir: "/w", FreeDisk: 10 << 30, MemAvail: 4 << 30,
		Inputs:   []Input{{Table: "tickets", Path: "/e/tickets.xlsx", Format: "xlsx", Bytes: 4 << 20}, {Table: "comments", Path: "/e/comments.csv", Format: "csv", Bytes: 10 << 20}},
		DB:       DB{Target: "host=h", VersionNum: 150005, Version: "15.5", ServerNow: now, RoundTrip: 2 * time.Millisecond},
		Tools:    []Tool{{Name: "pg_dump", Path: "/usr/bin/pg_dump", Major: 15, Version: "15.5"}, {Name: "pg_restore", Path: "/usr/bin/pg_restore", Major: 16, Version: "16.1"}},
		Stage:    Store{Path: "/w/stage.db", Exists: true, Result: "ok"},
		LocalNow: now.Add(time.Millisecond), NeedsDB: true, NeedsInputs: true,
	}
}

func status(r *Report, name string) Check {
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{Name: name, Status: "absent"}
}

func TestHealthyPasses(t *testing.T) {
	r := Evaluate(healthy(), DefaultLimits())
	if !r.OK(true) {
		t.Fatalf("a healthy machine: %+v", r.Checks)
	}
	if len(r.Checks) != 11 {
		t.Errorf("%d checks, want 11: %+v", len(r.Checks), r.Checks)
	}
}

func TestEachBrokenFactFails(t *testing.T) {
	boom := errors.New("boom")
	cases := map[string]struct {
		check   string
		want    Status
		breakIt func(*Facts)
	}{
		"read-only work dir":   {"work dir", Fail, func(f *Facts) { f.WorkDirErr = boom }},
		"lock held":            {"lock", Fail, func(f *Facts) { f.LockHeld = true }},
		"disk unknown":         {"disk", Fail, func(f *Facts) { f.DiskErr = boom }},
		"disk short":           {"disk", Fail, func(f *Facts) { f.FreeDisk = 50 << 20 }},
		"disk tight":           {"disk", Warn, func(f *Facts) { f.FreeDisk = 70 << 20; f.Inputs = f.Inputs[:1] }},
		"memory unknown":       {"memory", Fail, func(f *Facts) { f.MemErr = boom }},
		"memory short":         {"memory", Fail, func(f *Facts) { f.MemAvail = 100 << 20 }},
		"memory tight":         {"memory", Warn, func(f *Facts) { f.MemAvail = 300 << 20 }},
		"no inputs":            {"inputs", Fail, func(f *Facts) { f.Inputs = nil }},
		"bad header":           {"inputs", Fail, func(f *Facts) { f.Inputs[1].Err = errors.New("comments.csv: no column CMT-Text") }},
		"corrupt stage":        {"staging store", Fail, func(f *Facts) { f.Stage.Result = "*** in database main ***" }},
		"stage unreadable":     {"staging store", Fail, func(f *Facts) { f.Stage.Err = boom }},
		"unreachable":          {"postgres", Fail, func(f *Facts) { f.DB.Err = boom }},
		"old server":           {"postgres", Fail, func(f *Facts) { f.DB.VersionNum = 110000 }},
		"no create":            {"privileges", Fail, func(f *Facts) { f.DB.CreateErr = boom }},
		"no grant":             {"privileges", Fail, func(f *Facts) { f.DB.GrantErr = boom }},
		"clock off a minute":   {"clock", Warn, func(f *Facts) { f.LocalNow = f.LocalNow.Add(time.Minute) }},
		"clock off an hour":    {"clock", Fail, func(f *Facts) { f.LocalNow = f.LocalNow.Add(-time.Hour) }},
		"clock unknown":        {"clock", Fail, func(f *Facts) { f.DB.ClockProbeErr = boom }},
		"pg_dump missing":      {"pg_dump", Fail, func(f *Facts) { f.Tools[0].Err = errors.New("pg_dump not found on PATH") }},
		"pg_dump older":        {"pg_dump", Fail, func(f *Facts) { f.Tools[0].Major = 14 }},
		"pg_restore unknown v": {"pg_restore", Fail, func(f *Facts) { f.Tools[1].Major = 0 }},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f := healthy()
			f.Inputs = append([]Input(nil), f.Inputs...)
			f.Tools = append([]Tool(nil), f.Tools...)
			c.breakIt(&f)
			r := Evaluate(f, DefaultLimits())
			got := status(r, c.check)
			if got.Status != c.want {
				t.Fatalf("%s: %s, want %s (%+v)", c.check, got.Status, c.want, got)
			}
			if got.Fix == "" || strings.Contains(got.Fix, "\n") {
				t.Errorf("want a one-line fix, got %q", got.Fix)
			}
			if c.want == Fail && (r.OK(false) || r.Failed != 1) {
				t.Errorf("one FAIL, report OK=%v failed=%d", r.OK(false), r.Failed)
			}
			if c.want == Warn && (!r.OK(false) || r.OK(true)) {
				t.Errorf("a WARN passes, and fails only when strict")
			}
			if p := r.Problems(true); len(p) != 1 || !strings.Contains(p[0], "fix: ") {
				t.Errorf("problems %q", p)
			}
		})
	}
}

func TestUnreachableDatabaseSkipsWhatNeedsIt(t *testing.T) {
	f := healthy()
	f.DB.Err = errors.New("dial: connection refused")
	r := Evaluate(f, DefaultLimits())
	if status(r, "privileges").Status != "absent" || status(r, "clock").Status != "absent" {
		t.Errorf("privileges and clock cannot be judged without a connection: %+v", r.Checks)
	}
	if status(r, "pg_dump").Status != Pass {
		t.Errorf("pg_dump is judged on its own: %+v", status(r, "pg_dump"))
	}
}

func TestEstimate(t *testing.T) {
	f := Facts{StageBytes: 100, Inputs: []Input{{Format: "xlsx", Bytes: 10}, {Format: "csv", Bytes: 10}}}
	n := Estimate(f)
	if n.Staging != 166 || n.Clean != 166 || n.Backups != 166 || n.Postgres != 0 || n.Total != 498 {
		t.Errorf("%+v", n)
	}
	f.LocalPGDir = true
	if n := Estimate(f); n.Postgres != 249 || n.Total != 747 {
		t.Errorf("with the local cluster: %+v", n)
	}
}

func TestSkew(t *testing.T) {
	server := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if s := SkewOf(server.Add(time.Second+50*time.Millisecond), server, 100*time.Millisecond); s != time.Second {
		t.Errorf("skew %v", s)
	}
}
