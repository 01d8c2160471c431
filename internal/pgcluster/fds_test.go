package pgcluster

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// A descriptor the caller passed down without close-on-exec (as flock(1) passes its lock) must
// not reach the server, which outlives sdetl.
func TestServerInheritsNoCallerDescriptor(t *testing.T) {
	lock := filepath.Join(t.TempDir(), "caller.lock")
	fd, err := syscall.Open(lock, syscall.O_RDWR|syscall.O_CREAT, 0o600) // no O_CLOEXEC, as an inherited fd
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	ctx := context.Background()
	c := newCluster(t)
	if err := c.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(c.DataDir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		t.Fatal(err)
	}
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatalf("cannot list the server's descriptors: %v", err)
	}
	for _, e := range fds {
		if target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + e.Name()); err == nil && target == lock {
			t.Fatalf("the server (pid %d) holds the caller's %s as fd %s", pid, lock, e.Name())
		}
	}
}
