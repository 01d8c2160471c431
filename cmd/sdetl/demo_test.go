package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemo runs the newcomer's command at a small scale: it starts the local PostgreSQL under
// the work dir (the way `sdetl demo` does on a fresh machine), loads, and says how to connect;
// `pg down` stops the cluster again.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL cluster")
	}
	// The cluster runs as an unprivileged user when the tests run as root: it must be able to
	// reach the work dir (t.TempDir's parent is private to root).
	parent, err := os.MkdirTemp("", "sdetl-demo-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(parent, 0o711)
	t.Cleanup(func() { os.RemoveAll(parent) })
	work := filepath.Join(parent, "w")
	t.Cleanup(func() { sdetl(t, "pg", "down", "--workdir", work) })

	out := mustSdetl(t, "demo", "--scale", "0.01", "--format", "csv", "--workdir", work)
	for _, want := range []string{"staged = loaded + quarantined", "psql \"host=", "sdetl pg down",
		"KPIs of schema servicedesk (23 in", " 1 SLA compliance", "23 Summary", "not available (comment_quality is empty)"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if out := mustSdetl(t, "pg", "status", "--workdir", work); !strings.HasPrefix(out, "running") {
		t.Errorf("pg status after demo: %q", out)
	}
	mustSdetl(t, "pg", "down", "--workdir", work)
	if out := mustSdetl(t, "pg", "status", "--workdir", work); !strings.HasPrefix(out, "stopped") {
		t.Errorf("pg status after down: %q", out)
	}
}
