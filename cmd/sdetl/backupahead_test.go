package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestBackupAheadOfTheLoad: the staging store's backup, made while the clean stage and the
// canary run, still decides before the load. A run that fails at the canary keeps no backup
// of its own; a backup that fails fails the run with the backup's error and nothing is loaded;
// a run that passes has its backup verified in backups/ and named in run.json.
func TestBackupAheadOfTheLoad(t *testing.T) {
	dir, _ := generate(t, synth.Options{Scale: 0.02, Seed: 7, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	args := func(work string, extra ...string) []string {
		return append([]string{"run", "--exports", dir, "--pg", dsn, "--workdir", work}, extra...)
	}

	failed := t.TempDir()
	bad := filepath.Join(t.TempDir(), "bad.sql")
	if err := os.WriteFile(bad, []byte("SELECT no_such_column FROM tickets"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := sdetl(t, args(failed, "--canary-query", bad)...); code != 6 {
		t.Fatalf("a canary query that fails: exit %d, want 6\n%s", code, errs)
	}
	if left, _ := filepath.Glob(filepath.Join(failed, "backups", "*")); len(left) != 0 {
		t.Errorf("a run stopped by the canary left %v in backups/", left)
	}

	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "backups"), []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := sdetl(t, args(broken)...)
	if code == 0 || !strings.Contains(errs, "backup before the load: ") || !strings.Contains(errs, "not a directory") {
		t.Fatalf("a backup that cannot be written: exit %d, want the backup's error\n%s", code, errs)
	}
	var generations int
	queryOne(t, dsn, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'servicedesk%' AND nspname <> 'servicedesk_ext'`, &generations)
	if r := readRunJSON(t, broken); r.Load.Generation != "" || generations != 0 {
		t.Errorf("a failed backup let the load start (load %+v, %d schemas)", r.Load, generations)
	}

	ok := t.TempDir()
	mustSdetl(t, args(ok)...)
	r := readRunJSON(t, ok)
	if r.Backup == "" {
		t.Fatal("run.json names no backup")
	}
	mustSdetl(t, "backup", "verify", r.Backup, "--workdir", ok)
}
