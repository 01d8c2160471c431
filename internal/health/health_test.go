package health

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	// Limits any machine meets pass (the defaults' 512 MiB of free disk need not be there).
	if err := (Limits{Dir: dir, MinFreeDisk: 1, MinFreeMem: 1}).Check(); err != nil {
		t.Fatalf("one byte of disk and memory: %v", err)
	}
	if d := Defaults(dir); d.MinFreeDisk != 512<<20 || d.MinFreeMem != 256<<20 || d.Every != 10000 {
		t.Errorf("defaults %+v, want the documented 512 MiB disk, 256 MiB memory, every 10,000 rows", d)
	}
	cases := []struct {
		name string
		l    Limits
		want string
	}{
		{"disk", Limits{Dir: dir, MinFreeDisk: 1 << 62}, "free on"},
		{"memory", Limits{Dir: dir, MinFreeMem: 1 << 62}, "memory available"},
		{"unreadable dir", Limits{Dir: dir + "/missing", MinFreeDisk: 1}, "free disk of"},
	}
	for _, c := range cases {
		err := c.l.Check()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func TestTicker(t *testing.T) {
	l := Limits{Dir: t.TempDir(), MinFreeDisk: 1 << 62, Every: 3}
	tick := l.Ticker()
	for i := 1; i <= 3; i++ {
		err := tick()
		if (err != nil) != (i == 3) {
			t.Errorf("row %d: err %v", i, err)
		}
	}
}
