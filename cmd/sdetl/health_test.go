package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestHealthStopsRun: a run whose health check fails (sdetl's memory ceiling set so low it
// trips at once) stops in the import, not the clean stage, with exit 7 and one line naming
// the stage, what and the fix; run.json says health_failed; the staging store of the run
// before and the live schema are as they were.
func TestHealthStopsRun(t *testing.T) {
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	a, _ := generate(t, synth.Options{Scale: 0.01, Seed: 31, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	b, _ := generate(t, synth.Options{Scale: 0.01, Seed: 32, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	mustSdetl(t, "run", "--exports", a, "--pg", dsn, "--workdir", work, "--no-backup")
	live := liveRowHash(t, dsn)
	stage := hashOf(t, filepath.Join(work, "stage.db"))

	code, _, errs := sdetl(t, "run", "--exports", b, "--fresh", "--pg", dsn, "--workdir", work, "--no-backup", "--health-max-rss", "1MiB", "--health-every", "10")
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	last := lines[len(lines)-1]
	if code != exitHealth || !strings.HasPrefix(last, "sdetl: health check failed in import: sdetl uses ") ||
		!strings.Contains(last, "above the ceiling of 1 MiB") || !strings.Contains(last, "live schema untouched (fix: ") {
		t.Fatalf("exit %d, last line %q", code, last)
	}
	var rep runReport
	js, _ := os.ReadFile(filepath.Join(work, "run.json"))
	if err := json.Unmarshal(js, &rep); err != nil || rep.Outcome != "health_failed" || rep.ExitCode != exitHealth {
		t.Fatalf("run.json: %v outcome %q exit %d", err, rep.Outcome, rep.ExitCode)
	}
	if liveRowHash(t, dsn) != live {
		t.Fatal("live changed")
	}
	if hashOf(t, filepath.Join(work, "stage.db")) != stage {
		t.Fatal("the staging store changed")
	}
	if left, _ := filepath.Glob(filepath.Join(work, "*.tmp*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	// Bounds this machine meets: the same run goes through.
	mustSdetl(t, "run", "--exports", b, "--fresh", "--pg", dsn, "--workdir", work, "--no-backup", "--health-min-disk", "1MiB", "--health-every", "10")
	if liveRowHash(t, dsn) == live {
		t.Fatal("the healthy run did not go live")
	}
}
