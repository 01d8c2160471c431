package health

import (
	"errors"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/outcome"
)

// TestJudge: every check over made-up facts, no broken machine needed.
func TestJudge(t *testing.T) {
	l := Limits{Dir: "/work", MinFreeDisk: 512 << 20, MinFreeMem: 256 << 20, MaxRSS: 1 << 30, Every: 10}
	ok := Facts{FreeDisk: 600 << 20, MemAvail: 300 << 20, RSS: 100 << 20}
	if err := Judge("load", l, ok); err != nil {
		t.Fatalf("healthy facts: %v", err)
	}
	cases := []struct {
		name  string
		edit  func(*Facts)
		limit func(*Limits)
		want  string
	}{
		{"disk below the floor", func(f *Facts) { f.FreeDisk = 100 << 20 }, nil, "only 100 MiB free on /work, need 512 MiB"},
		{"disk unreadable", func(f *Facts) { f.DiskErr = errors.New("no such file") }, nil, "free disk of /work: no such file"},
		{"memory below the floor", func(f *Facts) { f.MemAvail = 10 << 20 }, nil, "only 10 MiB of memory available, need 256 MiB"},
		{"memory unreadable", func(f *Facts) { f.MemErr = errors.New("no /proc") }, nil, "available memory: no /proc"},
		{"own memory above the ceiling", func(f *Facts) { f.RSS = 2 << 30 }, nil, "sdetl uses 2048 MiB of memory, above the ceiling of 1024 MiB"},
		{"own memory unreadable", func(f *Facts) { f.RSSErr = errors.New("no status") }, nil, "resident memory: no status"},
		{"connection gone", func(f *Facts) { f.ConnErr = errors.New("conn closed") }, nil, "the PostgreSQL connection does not answer: conn closed"},
	}
	for _, c := range cases {
		f, lim := ok, l
		c.edit(&f)
		if c.limit != nil {
			c.limit(&lim)
		}
		err := Judge("load", lim, f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
			continue
		}
		if !errors.Is(err, outcome.ErrHealth) || !strings.Contains(err.Error(), "health check failed in load") || !strings.Contains(err.Error(), "(fix: ") {
			t.Errorf("%s: %q is not a health failure naming the stage and the fix", c.name, err)
		}
	}
	// A zero bound is not checked, whatever the facts say.
	bad := Facts{FreeDisk: 0, MemAvail: 0, RSS: 1 << 40, DiskErr: errors.New("x"), MemErr: errors.New("y"), RSSErr: errors.New("z")}
	if err := Judge("clean", Limits{Dir: "/work"}, bad); err != nil {
		t.Errorf("no bounds: %v", err)
	}
}

// TestChecker: a check at the start, then every Every rows; a nil checker checks nothing.
func TestChecker(t *testing.T) {
	var nilChecker *Checker
	if nilChecker.Now() != nil || nilChecker.Tick() != nil || (Limits{}).For("x", nil) != nil {
		t.Fatal("a zero Limits must give a checker that checks nothing")
	}
	pings := 0
	c := Limits{Dir: t.TempDir(), MinFreeDisk: 1, Every: 3}.For("canary", func() error { pings++; return nil })
	for i := 1; i <= 7; i++ {
		if err := c.Tick(); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	if pings != 2 {
		t.Errorf("%d pings over 7 rows every 3, want 2", pings)
	}
	c = Limits{Dir: t.TempDir(), MinFreeDisk: 1 << 62, Every: 3}.For("import", nil)
	for i := 1; i <= 3; i++ {
		err := c.Tick()
		if (err != nil) != (i == 3) {
			t.Errorf("row %d: err %v", i, err)
		}
	}
}

// TestProbe reads this machine: the facts the limits ask for, and only those.
func TestProbe(t *testing.T) {
	dir := t.TempDir()
	f := Limits{Dir: dir, MinFreeDisk: 1, MinFreeMem: 1, MaxRSS: 1}.Probe(nil)
	if f.DiskErr != nil || f.MemErr != nil || f.RSSErr != nil || f.FreeDisk == 0 || f.MemAvail == 0 || f.RSS == 0 {
		t.Fatalf("probe: %+v", f)
	}
	if f := (Limits{Dir: dir + "/missing"}).Probe(nil); f.DiskErr != nil || f.FreeDisk != 0 {
		t.Errorf("a limit not set was probed: %+v", f)
	}
	if err := (Limits{Dir: dir + "/missing", MinFreeDisk: 1}).Check(); err == nil || !strings.Contains(err.Error(), "free disk of") {
		t.Errorf("an unreadable work dir: %v", err)
	}
	if d := Defaults(dir); d.MinFreeDisk != 512<<20 || d.MinFreeMem != 256<<20 || d.MaxRSS != 0 || d.Every != 10000 {
		t.Errorf("defaults %+v, want the documented 512 MiB disk, 256 MiB memory, no RSS ceiling, every 10,000 rows", d)
	}
}
