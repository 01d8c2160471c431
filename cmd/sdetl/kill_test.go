package main

import (
	"context"
	"crypto/sha256"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestCleanSurvivesKill kills `sdetl clean` with SIGKILL at random points: the staging store
// must never change, and the clean store must always be either the previous complete one or a
// complete new one — never a partial file. The next run removes the killed run's temp file.
// A kill counts only if it landed mid-write (the process died by the signal, leaving its temp
// file behind); the test fails unless 8 kills did, so it cannot pass by killing too early or
// too late.
func TestCleanSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills subprocesses")
	}
	dir, _ := generate(t, synth.Options{Scale: 0.05, Seed: 11, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	work := t.TempDir()
	mustSdetl(t, "import", "--exports", dir, "--workdir", work)
	mustSdetl(t, "clean", "--workdir", work)
	stagePath, cleanPath := workdir(work).stage(), workdir(work).clean()
	stageHash := hashOf(t, stagePath)
	want := cleanCounts(t, cleanPath)

	start := time.Now()
	mustSdetl(t, "clean", "--workdir", work)
	full := time.Since(start)

	rng := rand.New(rand.NewPCG(1, 2))
	const kills, attempts = 8, 24
	midWrite := 0
	for i := 0; i < attempts && midWrite < kills; i++ {
		cmd := exec.Command(os.Args[0], "clean", "--workdir", work)
		cmd.Env = append(os.Environ(), "SDETL_TEST_AS_MAIN=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for the write to begin (its temp file appears), then kill at a random point of
		// the first half of a full run's time, so the kill lands while the file is written.
		for deadline := time.Now().Add(10 * full); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if tmps, _ := filepath.Glob(filepath.Join(work, ".*.tmp-*")); len(tmps) > 0 {
				break
			}
		}
		time.Sleep(time.Duration(rng.Int64N(int64(full)/2 + 1)))
		cmd.Process.Kill()
		err := cmd.Wait()
		tmps, _ := filepath.Glob(filepath.Join(work, ".*.tmp-*"))
		if ee, ok := err.(*exec.ExitError); ok && !ee.Exited() && len(tmps) > 0 {
			midWrite++
		}
		if hashOf(t, stagePath) != stageHash {
			t.Fatalf("kill %d: the staging store changed", i)
		}
		if got := cleanCounts(t, cleanPath); got != want {
			t.Fatalf("kill %d: clean store counts %v, want %v", i, got, want)
		}
	}
	if midWrite < kills {
		t.Fatalf("only %d of %d attempts killed a clean mid-write: the test did not test its property", midWrite, attempts)
	}
	t.Logf("%d of %d kills landed mid-write", midWrite, kills)
	mustSdetl(t, "clean", "--workdir", work)
	if tmps, _ := filepath.Glob(filepath.Join(work, ".*.tmp-*")); len(tmps) != 0 {
		t.Errorf("temp files left after a clean run: %v", tmps)
	}
}

func hashOf(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// cleanCounts opens the clean store (failing on a partial or corrupt file) and counts rows.
func cleanCounts(t *testing.T, path string) [5]int {
	t.Helper()
	db, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRowContext(context.Background(), "PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("clean store integrity: %q %v", ok, err)
	}
	var c [5]int
	for i, tb := range []string{"tickets", "comments", "timesheets", "roster", "quarantine"} {
		if err := db.QueryRow("SELECT count(*) FROM " + store.Quote(tb)).Scan(&c[i]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}
