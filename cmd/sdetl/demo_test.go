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
	if !strings.Contains(out, "pg down --purge --workdir "+work) {
		t.Errorf("demo output lacks the one command that removes what it made:\n%s", out)
	}
	mustSdetl(t, "pg", "down", "--workdir", work)
	if out := mustSdetl(t, "pg", "status", "--workdir", work); !strings.HasPrefix(out, "stopped") {
		t.Errorf("pg status after down: %q", out)
	}

	// --purge refuses while the work dir holds a file sdetl did not make, and removes nothing.
	foreign := filepath.Join(work, "notes.txt")
	os.WriteFile(foreign, []byte("mine"), 0o644)
	if code, _, errs := sdetl(t, "pg", "down", "--purge", "--workdir", work); code == 0 || !strings.Contains(errs, "notes.txt") ||
		strings.Count(errs, "\n") != 1 {
		t.Errorf("purge with a foreign file: exit %d, stderr %q; want a refusal naming it", code, errs)
	}
	if _, err := os.Stat(filepath.Join(work, "stage.db")); err != nil {
		t.Errorf("a refused purge removed stage.db: %v", err)
	}
	os.Remove(foreign)
	own := filepath.Join(work, "exports", "mine.csv") // nor one in the generated exports
	os.WriteFile(own, []byte("a,b\n"), 0o644)
	if code, _, errs := sdetl(t, "pg", "down", "--purge", "--workdir", work); code == 0 || !strings.Contains(errs, "mine.csv") {
		t.Errorf("purge with a foreign export: exit %d, stderr %q", code, errs)
	}
	os.Remove(own)

	// Then one command removes everything the demo made, the work dir included; the parent and
	// a file beside the work dir are left alone.
	beside := filepath.Join(parent, "keep.txt")
	os.WriteFile(beside, []byte("keep"), 0o644)
	mustSdetl(t, "pg", "up", "--workdir", work)
	out = mustSdetl(t, "pg", "down", "--purge", "--workdir", work)
	if !strings.Contains(out, "local PostgreSQL is stopped") || !strings.Contains(out, "removed "+work) {
		t.Errorf("purge: %q", out)
	}
	if _, err := os.Stat(work); !os.IsNotExist(err) {
		t.Errorf("work dir still there after purge: %v", err)
	}
	if _, err := os.Stat(beside); err != nil {
		t.Errorf("purge touched a file beside the work dir: %v", err)
	}
}
