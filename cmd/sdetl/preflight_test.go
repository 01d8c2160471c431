package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/preflight"
	"github.com/sdetl/sdetl/internal/synth"
)

func preflightJSON(t *testing.T, args ...string) (int, *preflight.Report, string) {
	t.Helper()
	code, out, errs := sdetl(t, append([]string{"preflight", "--json"}, args...)...)
	var r preflight.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("preflight --json printed no report (%v): %q %q", err, out, errs)
	}
	return code, &r, errs
}

func checkNamed(r *preflight.Report, name string) preflight.Check {
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	return preflight.Check{Name: name, Status: "absent"}
}

// wantFail asserts that a preflight (or run) exited 3 with the named check FAILing with a fix.
func wantFail(t *testing.T, code int, r *preflight.Report, check string) {
	t.Helper()
	c := checkNamed(r, check)
	if code != exitPreflight || c.Status != preflight.Fail || c.Fix == "" {
		t.Errorf("exit %d, %s: %+v (want exit 3, FAIL with a fix)", code, check, c)
	}
}

// runStopsBeforeTouching: sdetl run, under the same broken condition, exits 3 and leaves the
// work dir as it found it (no store, no run.json).
func runStopsBeforeTouching(t *testing.T, work string, args ...string) string {
	t.Helper()
	before, _ := os.ReadDir(work)
	code, _, errs := sdetl(t, append([]string{"run", "--workdir", work}, args...)...)
	after, _ := os.ReadDir(work)
	if code != exitPreflight || !strings.Contains(errs, "preflight failed") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("run: exit %d, stderr %q; want exit 3 on one line", code, errs)
	}
	if len(after) != len(before) {
		t.Errorf("run touched the work dir: %v -> %v", before, after)
	}
	return errs
}

func TestPreflight(t *testing.T) {
	exports, _ := generate(t, synth.Options{Scale: 0.01, Seed: 5, Format: "xlsx", Dialect: "legacy", Dirt: "none"})
	dsn := pgtest.DSN(t)

	t.Run("passes on this machine", func(t *testing.T) {
		code, r, _ := preflightJSON(t, "--exports", exports, "--pg", dsn, "--workdir", t.TempDir())
		if code != 0 || r.Failed != 0 || len(r.Checks) != 11 {
			t.Fatalf("exit %d: %+v", code, r.Checks)
		}
		_, out, _ := sdetl(t, "preflight", "--exports", exports, "--pg", dsn, "--workdir", t.TempDir())
		if !strings.Contains(out, "CHECK") || !strings.Contains(out, "0 failed") {
			t.Errorf("table: %s", out)
		}
	})

	t.Run("missing pg_dump", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir()) // no PostgreSQL client on PATH
		work := t.TempDir()
		code, r, _ := preflightJSON(t, "--exports", exports, "--pg", dsn, "--workdir", work)
		wantFail(t, code, r, "pg_dump")
		if !strings.Contains(checkNamed(r, "pg_dump").Detail, "not found on PATH") {
			t.Errorf("%+v", checkNamed(r, "pg_dump"))
		}
		runStopsBeforeTouching(t, work, "--exports", exports, "--pg", dsn)
	})

	t.Run("unreachable database", func(t *testing.T) {
		work := t.TempDir()
		bad := "host=127.0.0.1 port=1 user=u password=s3cret-pw dbname=x"
		start := time.Now()
		code, r, _ := preflightJSON(t, "--exports", exports, "--pg", bad, "--workdir", work)
		if took := time.Since(start); took > 4*time.Second {
			t.Errorf("an unreachable database took %v to find", took)
		}
		wantFail(t, code, r, "postgres")
		start = time.Now()
		errs := runStopsBeforeTouching(t, work, "--exports", exports, "--pg", bad)
		if took := time.Since(start); took > 4*time.Second {
			t.Errorf("run took %v to stop", took)
		}
		if strings.Contains(errs, "s3cret-pw") {
			t.Errorf("the password leaked: %s", errs)
		}
	})

	t.Run("read-only work dir", func(t *testing.T) {
		work := readOnlyDir(t)
		code, r, _ := preflightJSON(t, "--exports", exports, "--pg", dsn, "--workdir", work)
		wantFail(t, code, r, "work dir")
		runStopsBeforeTouching(t, work, "--exports", exports, "--pg", dsn)
	})

	t.Run("disk estimate above free", func(t *testing.T) {
		work := smallDir(t, "1m") // the real statfs probe sees 1 MiB; the exports need more
		code, r, _ := preflightJSON(t, "--exports", exports, "--pg", dsn, "--workdir", work)
		wantFail(t, code, r, "disk")
		if r.Estimate.Total <= 1<<20 {
			t.Errorf("estimate %+v", r.Estimate)
		}
		runStopsBeforeTouching(t, work, "--exports", exports, "--pg", dsn)
	})

	t.Run("strict passes a clean machine", func(t *testing.T) {
		// A WARN with --strict exits 3: the unit tests judge a tight machine; here a clean one exits 0.
		code, _, _ := preflightJSON(t, "--exports", exports, "--pg", dsn, "--workdir", t.TempDir(), "--strict")
		if code != 0 {
			t.Errorf("strict on a clean machine: exit %d", code)
		}
	})
}

// mountTmpfs mounts a tmpfs with opts on a new directory, unmounted at cleanup; it skips the
// test when this process may not mount (not root).
func mountTmpfs(t *testing.T, opts string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	os.Mkdir(dir, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// readOnlyDir is a directory no write can go to: a read-only mount (root ignores permission
// bits), or mode 0555 for anyone else.
func readOnlyDir(t *testing.T) string {
	if os.Geteuid() == 0 {
		return mountTmpfs(t, "size=1m,ro")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	return dir
}

func smallDir(t *testing.T, size string) string { return mountTmpfs(t, "size="+size) }
