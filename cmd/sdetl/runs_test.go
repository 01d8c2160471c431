package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestPruneRuns: the run records beyond the newest N are removed, oldest first, with their
// logs, and only records sdetl made: a directory not named as a run id, or one without a
// run.json, stays, and so does a log file of no pruned run.
func TestPruneRuns(t *testing.T) {
	w := workdir(t.TempDir())
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 5 {
		id := newRunID(t0.Add(time.Duration(i) * time.Millisecond))
		ids = append(ids, id)
		os.MkdirAll(w.runDir(id), 0o755)
		os.MkdirAll(w.logs(), 0o755)
		writeFile(t, w.logs(), id+".jsonl", "{}\n")
		writeFile(t, w.runDir(id), "run.json", "{}")
	}
	os.MkdirAll(filepath.Join(w.runs(), "notes"), 0o755)
	writeFile(t, filepath.Join(w.runs(), "notes"), "run.json", "{}") // not a run id
	os.MkdirAll(w.runDir(newRunID(t0.Add(-time.Hour))), 0o755)       // no run.json: not a record
	writeFile(t, w.logs(), "notes.jsonl", "{}\n")
	gone, err := pruneRuns(w, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gone, ids[:3]) {
		t.Errorf("pruned %v, want the oldest three %v", gone, ids[:3])
	}
	left, _ := runIDs(w)
	if !slices.Equal(left, ids[3:]) {
		t.Errorf("kept %v, want %v", left, ids[3:])
	}
	var logs []string
	ents, _ := os.ReadDir(w.logs())
	for _, e := range ents {
		logs = append(logs, e.Name())
	}
	if want := []string{ids[3] + ".jsonl", ids[4] + ".jsonl", "notes.jsonl"}; !slices.Equal(logs, want) {
		t.Errorf("logs/ holds %v, want the kept runs' logs and the foreign file %v", logs, want)
	}
	if ents, _ := os.ReadDir(w.runs()); len(ents) != 4 {
		t.Errorf("%d entries left in runs/, want the 2 records and the 2 foreign directories", len(ents))
	}
	if _, err := findRun(w, "nope"); err == nil {
		t.Error("an unknown run was found")
	}
	if id, err := findRun(w, ""); err != nil || id != ids[4] {
		t.Errorf("the latest is %q (%v), want %s", id, err, ids[4])
	}
}
