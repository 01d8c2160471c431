package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/synth"
)

// smallDisk mounts a tmpfs of size (e.g. "6m") at a new directory and returns it with a
// function that remounts it at another size; unmounted when t ends.
func smallDisk(t *testing.T, size string) (dir string, resize func(size string)) {
	t.Helper()
	dir = t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0755", "sdetl-test", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount a %s tmpfs (the test needs root or CAP_SYS_ADMIN): %v %s", size, err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir, func(size string) {
		if out, err := exec.Command("mount", "-o", "remount,size="+size, dir).CombinedOutput(); err != nil {
			t.Fatalf("remount %s at %s: %v %s", dir, size, err, out)
		}
	}
}

// TestDiskFillsUp: the work dir on a small file system that fills up in the middle of a run.
// The run ends with one line naming what filled up, exit non-zero, no temporary or partial
// store left, the previous staging store and the live schema intact; the next run, with room,
// succeeds.
func TestDiskFillsUp(t *testing.T) {
	dsn := pgtest.DSN(t)
	disk, resize := smallDisk(t, "3m")
	work := filepath.Join(disk, "work")
	small, _ := generate(t, synth.Options{Scale: 0.002, Seed: 41, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	big, _ := generate(t, synth.Options{Scale: 0.05, Seed: 42, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	// Preflight would refuse the small disk and the health check would stop before it fills:
	// both off, so the disk really fills.
	base := []string{"--pg", dsn, "--workdir", work, "--no-backup", "--skip-preflight", "--health-min-disk", "0"}
	mustSdetl(t, append([]string{"run", "--exports", small}, base...)...)
	live := liveRowHash(t, dsn)
	stage := hashOf(t, filepath.Join(work, "stage.db"))
	cleanDB := hashOf(t, filepath.Join(work, "clean.db"))
	before := listFiles(t, work)

	code, _, errs := sdetl(t, append([]string{"run", "--exports", big, "--fresh"}, base...)...)
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	last := lines[len(lines)-1]
	t.Logf("exit %d: %s", code, last)
	if code == 0 || !strings.HasPrefix(last, "sdetl: disk full: ") || !strings.Contains(last, work) {
		t.Fatalf("exit %d, last line %q: want one line saying the disk filled up and naming the file", code, last)
	}
	if liveRowHash(t, dsn) != live {
		t.Fatal("live changed")
	}
	if hashOf(t, filepath.Join(work, "stage.db")) != stage || hashOf(t, filepath.Join(work, "clean.db")) != cleanDB {
		t.Fatal("the previous staging or clean store changed")
	}
	for _, f := range listFiles(t, work) {
		if strings.Contains(filepath.Base(f), ".tmp") {
			t.Errorf("temporary file left: %s", f)
		}
		// New files may only be the failed run's log and its record (each written whole).
		if !strings.HasPrefix(f, "logs/") && !strings.HasPrefix(f, "runs/") && !contains(before, f) {
			t.Errorf("file the failed run left: %s", f)
		}
	}

	resize("200m")
	mustSdetl(t, append([]string{"run", "--exports", big, "--fresh"}, base...)...)
	if liveRowHash(t, dsn) == live {
		t.Fatal("the run with room did not go live")
	}
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
