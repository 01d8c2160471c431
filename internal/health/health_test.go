package health

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	if err := Defaults(dir).Check(); err != nil {
		t.Fatalf("defaults on this machine: %v", err)
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
