package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/synth"
)

func TestListSchedule(t *testing.T) {
	for _, c := range []struct {
		jobs []float64
		n    int
		want float64
	}{
		{[]float64{4, 1, 1, 1, 1}, 2, 4}, // the big job alone, the rest on the other connection
		{[]float64{1, 1, 1, 1}, 2, 2},    // evenly
		{[]float64{1, 1, 1, 1}, 1, 4},    // serially
		{[]float64{3, 3, 2, 2, 2}, 2, 7}, // in order: 3|3, then 2 on each, then 2 on the first free
		{[]float64{5}, 4, 5},             // more connections than jobs
	} {
		if got := listSchedule(c.jobs, c.n); got != c.want {
			t.Errorf("listSchedule(%v, %d) = %v, want %v", c.jobs, c.n, got, c.want)
		}
	}
}

// TestEstimateModel: the load's estimate is the rehearsal's per-table rates times the full
// rows, scheduled on the connections, plus its measure and score scaled by the rows; measured
// stages are taken as they are.
func TestEstimateModel(t *testing.T) {
	s := contract.ServiceDesk()
	rep := &runReport{
		Clean: &clean.Report{Tables: []*clean.TableResult{{Table: "tickets", Clean: 100}, {Table: "comments", Clean: 1000}}},
		Load: &postgres.LoadResult{Tables: []postgres.TableLoad{
			{Table: "tickets", Rows: 10, Copying: time.Second},
			{Table: "comments", Rows: 100, Copying: 2 * time.Second, Indexing: time.Second},
			{Table: postgres.QuarantineTable, Rows: 50, Copying: time.Second},
		}, Seconds: map[string]float64{"reconcile": 0.5, "score": 0.25, "kpis": 0.1, "kpis_half": 0.08}},
	}
	stages := []stageTime{{"import", 3}, {"profile", 1}, {"score", 2}, {"clean", 4}, {"load", 0}}
	e := estimateRun(s, rep, stages, dryTimes{preflight: 0.5, draw: 0.2, backup: 1.5}, 2)
	got := map[string]float64{}
	var sum float64
	for _, st := range e.Stages {
		got[st.Stage] = st.Seconds
		sum += st.Seconds
	}
	// Jobs: tickets 1s x10 = 10, comments 3s x10 = 30, quarantine 1s x1 = 1 -> 10+1 | 30 = 30.
	// Rows 1150 of 160 sampled: x7.1875 for the measure and score. The KPIs: 0.1 s on 110
	// sampled rows, 0.08 s on half of them (t ~ rows^0.32), carried on to 1100 rows.
	want := map[string]float64{"preflight": 0.5, "import": 3, "profile": 1, "score": 2, "clean": 4,
		"canary": 0.2 + 1 + 3 + 0.1, "backup": 1.5, "load": 30 + 0.75*1150/160, "kpis": 0.1 * math.Pow(10, math.Log2(0.1/0.08))}
	for k, v := range want {
		if math.Abs(got[k]-v) > 1e-9 {
			t.Errorf("%s: estimated %v, want %v", k, got[k], v)
		}
	}
	if math.Abs(e.Seconds-sum) > 1e-9 || len(got) != len(want) {
		t.Errorf("total %v, stages %v", e.Seconds, got)
	}
}

// TestDryRunEstimatesTheRun: a dry run writes the estimate of every stage of the real run
// into run.json and prints it; the live schema is not created.
func TestDryRunEstimatesTheRun(t *testing.T) {
	dir, _ := generate(t, synth.Options{Scale: 0.01, Seed: 9, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	out := mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work, "--dry-run")
	b, err := os.ReadFile(filepath.Join(work, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rj struct {
		Plan struct {
			Estimate estimate `json:"estimate"`
		} `json:"plan"`
	}
	if err := json.Unmarshal(b, &rj); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range rj.Plan.Estimate.Stages {
		names = append(names, st.Stage)
		if st.Seconds < 0 || st.Basis == "" || (st.Stage != "preflight" && st.Seconds == 0) {
			t.Errorf("stage %s: %v s, basis %q", st.Stage, st.Seconds, st.Basis)
		}
	}
	if want := []string{"preflight", "import", "profile", "score", "clean", "canary", "backup", "load", "kpis"}; !slices.Equal(names, want) {
		t.Errorf("estimated stages %v, want %v", names, want)
	}
	if !strings.Contains(out, "estimated run: ") {
		t.Errorf("the plan does not print the estimate:\n%s", out)
	}
	if ents, _ := os.ReadDir(filepath.Join(work, "backups")); len(ents) != 0 {
		t.Errorf("the dry run left %d entries in backups/", len(ents))
	}
	var n int
	queryOne(t, dsn, `SELECT count(*) FROM pg_namespace WHERE nspname = 'servicedesk'`, &n)
	if n != 0 {
		t.Error("the dry run created the live schema")
	}
}
