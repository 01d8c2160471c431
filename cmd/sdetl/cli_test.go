package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/store"
)

// The CLI as a newcomer meets it: help on stdout, one default per flag, flags anywhere, one
// "sdetl:" prefix, and every ending named.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"run", "--help"}, {"help", "run"}, {"run", "-h"}} {
		code, out, errs := sdetl(t, args...)
		if code != exitOK || errs != "" || !strings.HasPrefix(out, "Usage: sdetl run ") {
			t.Errorf("sdetl %v: exit %d, stdout %q, stderr %q; want the run help on stdout", args, code, out, errs)
		}
		if n := strings.Count(out, "default"); !strings.Contains(out, "-min-quality") || strings.Contains(out, "(default -1)") || n == 0 {
			t.Errorf("sdetl %v: --min-quality help shows a placeholder default:\n%s", args, out)
		}
	}
	for _, cmd := range []string{"generate", "version", "spec"} {
		_, out, _ := sdetl(t, "help", cmd)
		if strings.Contains(out, "-workdir") {
			t.Errorf("sdetl help %s offers --workdir, which it does not use:\n%s", cmd, out)
		}
	}
	if _, out, _ := sdetl(t, "help", "spec"); strings.Count(out, "\n") < 3 {
		t.Errorf("sdetl help spec is one line: %q", out)
	}
	for _, cmd := range []string{"pg", "quarantine"} {
		if code, out, _ := sdetl(t, cmd, "--help"); code != exitOK || !strings.HasPrefix(out, "Usage: sdetl "+cmd) {
			t.Errorf("sdetl %s --help: exit %d, stdout %q", cmd, code, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--exports", "x", "--min-quality", "101"}, "outside 0..100"},
		{[]string{"run", "--exports", "x", "--min-quality", "high"}, "not a number"},
		{[]string{"run", "--nope"}, "flag provided but not defined"},
		{[]string{"version", "extra"}, `unexpected argument "extra"`},
		{[]string{"generate", "--out", "x", "--scale", "0"}, "scale"},
		{[]string{"generate", "--out", "x", "--format", "ods"}, "format"},
	}
	for _, tt := range tests {
		code, _, errs := sdetl(t, tt.args...)
		if code != exitUsage || !strings.Contains(errs, tt.want) || strings.Count(errs, "sdetl") != strings.Count(errs, "sdetl help")+1 {
			t.Errorf("sdetl %v: exit %d, stderr %q; want exit 2, one sdetl: prefix and %q", tt.args, code, errs, tt.want)
		}
	}
}

// TestFlagsAfterFiles: import takes its flags before, between or after the files.
func TestFlagsAfterFiles(t *testing.T) {
	work := t.TempDir()
	f := newFlags(&env{stdout: os.Stdout, stderr: os.Stderr}, "import", "", "").withWorkdir().withJSON().withFiles()
	files, err := f.parse([]string{"a.csv", "--json", "b.xlsx", "--workdir", work, "--", "--odd.csv"})
	if err != nil || !f.json || string(f.work) != work || strings.Join(files, " ") != "a.csv b.xlsx --odd.csv" {
		t.Errorf("parse: files %q json %v workdir %q err %v", files, f.json, f.work, err)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := sdetl(t, "version")
	if code != exitOK || !strings.HasPrefix(out, "sdetl ") || !strings.Contains(out, "go1.") {
		t.Errorf("sdetl version: exit %d, %q; want the build info with the Go version", code, out)
	}
}

func TestInterruptedExits130(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb strings.Builder
	dir, _ := os.MkdirTemp(t.TempDir(), "exports")
	os.WriteFile(filepath.Join(dir, "x.csv"), []byte("a\n1\n"), 0o644)
	code := run(ctx, []string{"import", "--workdir", t.TempDir(), filepath.Join(dir, "x.csv")}, &out, &errb)
	if code != exitInterrupted || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q; want 130 and interrupted", code, errb.String())
	}
}

// TestPgDownRefusesWhileLocked: a run holds the work dir's lock; pg down must not stop the
// database under it unless forced.
func TestPgDownRefusesWhileLocked(t *testing.T) {
	work := t.TempDir()
	unlock, err := store.LockDir(work)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	code, _, errs := sdetl(t, "pg", "down", "--workdir", work)
	if code == exitOK || !strings.Contains(errs, "refused") || !strings.Contains(errs, "--force") {
		t.Errorf("pg down under a lock: exit %d, stderr %q; want a refusal naming --force", code, errs)
	}
	if code, _, errs := sdetl(t, "run", "--exports", t.TempDir(), "--workdir", work); code != exitPreflight || !strings.Contains(errs, "in use") {
		t.Errorf("run on a busy work dir: exit %d, stderr %q; want exit 3 (preflight)", code, errs)
	}
	if _, _, errs := sdetl(t, "pg", "down", "--force", "--workdir", work); strings.Contains(errs, "refused") {
		t.Errorf("pg down --force was refused: %q", errs)
	}
}

// TestRunReportSaysHowItEnded: run.json and run --json carry the outcome, the exit code and
// the error, also when the run fails before the load.
func TestRunReportSaysHowItEnded(t *testing.T) {
	work := t.TempDir()
	// A reachable database: run checks the schema's ownership there before it reads anything.
	code, out, _ := sdetl(t, "run", "--exports", t.TempDir(), "--pg", pgtest.DSN(t), "--workdir", work, "--json", "--skip-preflight")
	var rep struct {
		Outcome  string  `json:"outcome"`
		ExitCode int     `json:"exit_code"`
		Error    string  `json:"error"`
		Load     *string `json:"load"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("run --json printed no report (%v): %q", err, out)
	}
	if code != exitError || rep.Outcome != "error" || rep.ExitCode != exitError || !strings.Contains(rep.Error, "no tickets export") {
		t.Errorf("exit %d, report %+v", code, rep)
	}
	b, err := os.ReadFile(filepath.Join(work, "run.json"))
	if err != nil || !strings.Contains(string(b), `"outcome": "error"`) {
		t.Errorf("run.json: %v %s", err, b)
	}
}

// TestJSONReportsSayHowTheyEnded: a single-stage command's JSON report carries the ending too.
func TestJSONReportsSayHowTheyEnded(t *testing.T) {
	roster := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(roster, []byte("Name,Email,username\nAnn,ann@example.com,ann\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustSdetl(t, "import", roster, "--workdir", t.TempDir(), "--json")
	var rep struct {
		Files    []json.RawMessage `json:"files"`
		Outcome  string            `json:"outcome"`
		ExitCode *int              `json:"exit_code"`
		Error    *string           `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Files) != 1 || rep.Outcome != "ok" || rep.ExitCode == nil || *rep.ExitCode != 0 || rep.Error == nil {
		t.Errorf("import --json: %v %+v\n%s", err, rep, out)
	}
}
