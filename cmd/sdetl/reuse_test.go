package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/filesum"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/synth"
)

// rerunReport is what the re-run tests read back from run.json.
type rerunReport struct {
	Stages []stageTime `json:"stages"`
	Reused []string    `json:"reused"`
	Canary struct {
		Skipped bool `json:"skipped"`
	} `json:"canary"`
	Load struct {
		NothingToDo bool   `json:"nothing_to_do"`
		Generation  string `json:"generation"`
	} `json:"load"`
	Backup string `json:"backup"`
}

func readRunJSON(t *testing.T, work string) rerunReport {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(work, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r rerunReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r rerunReport) ran(stage string) bool {
	return slices.ContainsFunc(r.Stages, func(s stageTime) bool { return s.Stage == stage })
}

func lastLedgerStatus(t *testing.T, dsn string) string {
	t.Helper()
	var s string
	queryOne(t, dsn, `SELECT status FROM sdetl.runs ORDER BY run_id DESC LIMIT 1`, &s)
	return s
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	s, _, err := (*filesum.Cache)(nil).Sum(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ranEverything: the run redid profile, score, clean and the canary, and reused nothing.
func ranEverything(t *testing.T, work, why string) rerunReport {
	t.Helper()
	r := readRunJSON(t, work)
	for _, st := range []string{"profile", "score", "clean"} {
		if !r.ran(st) {
			t.Errorf("%s: the run skipped %s (stages %v)", why, st, r.Stages)
		}
	}
	if len(r.Reused) > 0 || r.Canary.Skipped {
		t.Errorf("%s: the run reused %v (canary skipped %v)", why, r.Reused, r.Canary.Skipped)
	}
	return r
}

// TestUnchangedRerun: a run on unchanged exports redoes nothing — no clean, canary, backup or
// load — changes no file and no schema, and the ledger says nothing to do; each of the
// inputs, the contract and the tool's build changing makes the next run do everything again.
func TestUnchangedRerun(t *testing.T) {
	dir, _ := generate(t, synth.Options{Scale: 0.02, Seed: 5, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	run := func(extra ...string) (string, string) {
		t.Helper()
		code, out, errs := sdetl(t, append([]string{"run", "--exports", dir, "--pg", dsn, "--workdir", work}, extra...)...)
		if code != 0 {
			t.Fatalf("run %v: exit %d\n%s\n%s", extra, code, out, errs)
		}
		return out, errs
	}
	run()
	first := ranEverything(t, work, "first run")
	before := map[string]string{}
	for _, f := range []string{"stage.db", "clean.db"} {
		before[f] = fileSHA(t, filepath.Join(work, f))
	}
	backups, _ := filepath.Glob(filepath.Join(work, "backups", "*"))
	live, schemas := liveHash(t, dsn), sdSchemas(t, dsn)

	// Unchanged: nothing redone, nothing changed, and the run says so.
	_, errs := run()
	r := readRunJSON(t, work)
	for _, st := range []string{"profile", "score", "clean"} {
		if r.ran(st) {
			t.Errorf("unchanged re-run redid %s", st)
		}
	}
	if !r.Canary.Skipped || !r.Load.NothingToDo || r.Backup != first.Backup || len(r.Reused) != 4 {
		t.Errorf("unchanged re-run: canary skipped %v, nothing to do %v, backup %q (first %q), reused %q",
			r.Canary.Skipped, r.Load.NothingToDo, r.Backup, first.Backup, r.Reused)
	}
	if !strings.Contains(errs, "unchanged, not redone: ") || !strings.Contains(errs, "nothing to do") {
		t.Errorf("the re-run does not say what it skipped and why:\n%s", errs)
	}
	if got := lastLedgerStatus(t, dsn); got != "nothing_to_do" {
		t.Errorf("ledger says %q, want nothing_to_do", got)
	}
	for f, sha := range before {
		if fileSHA(t, filepath.Join(work, f)) != sha {
			t.Errorf("the unchanged re-run changed %s", f)
		}
	}
	if now, _ := filepath.Glob(filepath.Join(work, "backups", "*")); len(now) != len(backups) {
		t.Errorf("the unchanged re-run made a backup: %d files, were %d", len(now), len(backups))
	}
	if liveHash(t, dsn) != live || sdSchemas(t, dsn) != schemas {
		t.Error("the unchanged re-run changed the database")
	}

	// --force: the kept clean store's saved profile feeds the canary, which runs (there is a load
	// to protect), and its saved measures reconcile a freshly built generation.
	run("--force")
	if r := readRunJSON(t, work); r.ran("clean") || r.Canary.Skipped || r.Load.NothingToDo || r.Load.Generation == "" {
		t.Errorf("--force on unchanged inputs: clean redone %v, canary skipped %v, nothing to do %v, generation %q",
			r.ran("clean"), r.Canary.Skipped, r.Load.NothingToDo, r.Load.Generation)
	}
	if liveHash(t, dsn) != live {
		t.Error("--force on unchanged inputs loaded different rows")
	}

	// The contract changes (one threshold): everything runs again.
	yaml, err := os.ReadFile("../../internal/contract/servicedesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(yaml), "max_length: 100000", "max_length: 99999", 1)
	if changed == string(yaml) {
		t.Fatal("the contract edit did not apply")
	}
	spec := writeFile(t, t.TempDir(), "spec.yaml", changed)
	run("--spec", spec)
	ranEverything(t, work, "changed contract")
	run("--spec", spec)
	if r := readRunJSON(t, work); r.ran("clean") {
		t.Error("a second run on the changed contract redid the clean")
	}

	// A new build of the tool: everything runs again.
	was := toolIdentity
	toolIdentity = func(ctx context.Context, c *filesum.Cache) string { return was(ctx, c) + " rebuilt" }
	run("--spec", spec)
	ranEverything(t, work, "new tool")
	toolIdentity = was

	// A new export (every description amended): everything runs again, a new generation goes live.
	run("--spec", spec) // back to this build: a full run, recorded for it
	ranEverything(t, work, "the tool back")
	path := filepath.Join(dir, "timesheets.csv")
	header, rows := readCSVFile(t, path)
	desc := indexOf(header, "TS-Description")
	for _, row := range rows {
		row[desc] += " (amended)"
	}
	writeCSVFile(t, path, header, rows)
	run("--spec", spec)
	if r := ranEverything(t, work, "changed export"); r.Load.NothingToDo || r.Load.Generation == "" {
		t.Errorf("changed export: nothing to do %v, generation %q", r.Load.NothingToDo, r.Load.Generation)
	}
}

// TestCleanStoreChangedBehindTheRun: a clean store rewritten by sdetl clean since the run
// recorded it is not reused, though the staging store is the same.
func TestCleanStoreChangedBehindTheRun(t *testing.T) {
	dir, _ := generate(t, synth.Options{Scale: 0.01, Seed: 6, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	args := []string{"run", "--exports", dir, "--pg", dsn, "--workdir", work, "--no-backup"}
	mustSdetl(t, args...)
	mustSdetl(t, "clean", "--workdir", work, "--changes")
	mustSdetl(t, args...)
	ranEverything(t, work, "clean store rewritten")
}

// TestRememberedIntegrityFailsClosed: preflight remembers that an unchanged staging store
// passed integrity_check, but a store damaged since, even with its size and modification time
// put back, is checked again and fails.
func TestRememberedIntegrityFailsClosed(t *testing.T) {
	dir, _ := generate(t, synth.Options{Scale: 0.01, Seed: 4, Format: "csv", Dialect: "legacy", Dirt: "none"})
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	for range 2 { // the second run's preflight checks the store the first made, and remembers it
		mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work, "--no-backup")
	}
	if b, _ := os.ReadFile(filepath.Join(work, "sums.json")); !strings.Contains(string(b), `"integrity_check:`) {
		t.Fatalf("no integrity_check verdict remembered:\n%s", b)
	}
	pre := []string{"preflight", "--workdir", work, "--pg", dsn}
	if out := mustSdetl(t, pre...); !strings.Contains(out, "integrity_check ok") {
		t.Fatalf("preflight on the intact store:\n%s", out)
	}
	path := filepath.Join(work, "stage.db")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Page 2, a b-tree page, gone: it starts after page 1, whose size the header gives at
	// offset 16 (big-endian; 1 means 65536).
	var hdr [2]byte
	if _, err := f.ReadAt(hdr[:], 16); err != nil {
		t.Fatal(err)
	}
	page := int64(hdr[0])<<8 | int64(hdr[1])
	if page == 1 {
		page = 65536
	}
	if _, err := f.WriteAt(make([]byte, page), page); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	code, out, _ := sdetl(t, pre...)
	if code != exitPreflight || strings.Contains(out, "integrity_check ok") {
		t.Errorf("preflight on the damaged store: exit %d\n%s", code, out)
	}
}

// changeInPlace rewrites the byte at off of path (same size) and puts the modification time
// back, so that only the content and the change time tell.
func changeInPlace(t *testing.T, path string, off int64, to byte) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{to}, off); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if now, _ := os.Stat(path); now.Size() != fi.Size() || !now.ModTime().Equal(fi.ModTime()) {
		t.Fatal("the change moved the size or the modification time")
	}
}

// TestRerunSeesSameSizeChanges: the fingerprints that let an unchanged re-run cost stats never
// hide a change that keeps the size and puts the modification time back: of an export
// (everything runs again, a new generation goes live) or of the backup a re-run would keep (a
// new one is made). And the first run already remembers the staging store's integrity_check
// (its byte-for-byte backup passed it), so the first re-run's preflight reads nothing.
func TestRerunSeesSameSizeChanges(t *testing.T) {
	dir, _ := generate(t, synth.Options{Scale: 0.01, Seed: 7, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	args := []string{"run", "--exports", dir, "--pg", dsn, "--workdir", work}
	mustSdetl(t, args...)
	first := ranEverything(t, work, "first run")
	if b, _ := os.ReadFile(filepath.Join(work, "sums.json")); !strings.Contains(string(b), `"integrity_check:`) {
		t.Error("the first run did not remember the staging store's integrity_check")
	}
	mustSdetl(t, args...)
	if r := readRunJSON(t, work); !r.Load.NothingToDo || r.Backup != first.Backup || len(r.Reused) != 4 {
		t.Fatalf("unchanged re-run: nothing to do %v, backup %q (first %q), reused %q", r.Load.NothingToDo, r.Backup, first.Backup, r.Reused)
	}

	// One letter of an export's description changed in place.
	path := filepath.Join(dir, "timesheets.csv")
	header, rows := readCSVFile(t, path)
	desc := indexOf(header, "TS-Description")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	off := -1
	for i := len(rows) - 1; i >= 0 && off < 0; i-- {
		d := rows[i][desc]
		if j := strings.IndexAny(d, "abcdefghijklmnopqrstuvwxy"); j >= 0 && strings.Contains(string(b), d) {
			off = strings.LastIndex(string(b), d) + j
		}
	}
	if off < 0 {
		t.Fatal("no description to change")
	}
	changeInPlace(t, path, int64(off), b[off]+1)
	mustSdetl(t, args...)
	changed := ranEverything(t, work, "an export changed in place, same size and mtime")
	if changed.Load.NothingToDo || changed.Load.Generation == "" || changed.Backup == first.Backup {
		t.Errorf("export changed in place: nothing to do %v, generation %q, backup %q (first %q)",
			changed.Load.NothingToDo, changed.Load.Generation, changed.Backup, first.Backup)
	}

	// The backup the next run would keep, damaged in place: not kept, a new one is made.
	mustSdetl(t, args...)
	if r := readRunJSON(t, work); !r.Load.NothingToDo || r.Backup != changed.Backup {
		t.Fatalf("unchanged re-run: nothing to do %v, backup %q, want %q", r.Load.NothingToDo, r.Backup, changed.Backup)
	}
	data := filepath.Join(work, "backups", changed.Backup+".db")
	page, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	changeInPlace(t, data, 5000, page[5000]^0xff)
	mustSdetl(t, args...)
	if r := readRunJSON(t, work); r.Backup == "" || r.Backup == changed.Backup || !r.Load.NothingToDo {
		t.Errorf("damaged backup: the run's backup %q (the damaged one %q), nothing to do %v", r.Backup, changed.Backup, r.Load.NothingToDo)
	}
}

// TestFailedCanaryKeepsTheClean: the reuse record of a run's clean store is written also when
// its canary fails (the store's hash is taken while the canary runs), with the hash of the
// store as it is, so the next run on the same inputs reuses the clean and runs the canary again.
func TestFailedCanaryKeepsTheClean(t *testing.T) {
	dir, _ := generate(t, synth.Options{Scale: 0.02, Seed: 6, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn, work := pgtest.DSN(t), t.TempDir()
	bad := writeFile(t, t.TempDir(), "backlog.sql", `SELECT "no such column" FROM tickets`)
	if code, out, errs := sdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work, "--canary-query", bad); code != 6 {
		t.Fatalf("run with a failing canary query: exit %d, want 6\n%s\n%s", code, out, errs)
	}
	ranEverything(t, work, "the canary's run")
	r := readReuse(workdir(work))
	if r == nil {
		t.Fatal("no reuse record after the failed canary")
	}
	if got := fileSHA(t, filepath.Join(work, "clean.db")); r.Clean != got || r.MadeFrom.Stage != fileSHA(t, filepath.Join(work, "stage.db")) {
		t.Errorf("reuse record: clean %s stage %s, the stores' hashes are %s and %s", r.Clean, r.MadeFrom.Stage, got, fileSHA(t, filepath.Join(work, "stage.db")))
	}
	if r.CanaryPassed != "" {
		t.Errorf("a failed canary recorded as passed: %q", r.CanaryPassed)
	}
	mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work)
	next := readRunJSON(t, work)
	if next.ran("clean") || next.Canary.Skipped || next.Load.NothingToDo {
		t.Errorf("the next run: clean redone %v, canary skipped %v, nothing to do %v (reused %q)",
			next.ran("clean"), next.Canary.Skipped, next.Load.NothingToDo, next.Reused)
	}
	if r = readReuse(workdir(work)); r == nil || r.CanaryPassed == "" {
		t.Error("the next run's passed canary is not recorded")
	}
}
