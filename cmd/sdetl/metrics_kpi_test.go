package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/obs"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/synth"
)

// checkKPIGauges: after a run that made the schema live, its .prom holds every one-row KPI
// value sdetl kpi --json reports (no series for a NULL or not-available one) and, for every
// KPI with a status, the state set with 1 on that status and 0 on the others.
func checkKPIGauges(t *testing.T, mf map[string]*dto.MetricFamily, dsn, work string) {
	t.Helper()
	rep := kpiJSON(t, dsn, work)
	if rep.Values["sla_compliance"] == nil {
		t.Fatal("sdetl kpi --json has no sla_compliance value")
	}
	for name, v := range rep.Values {
		got, ok := value(mf, "sdetl_kpi_value", map[string]string{"kpi": name})
		switch {
		case v == nil && ok:
			t.Errorf("sdetl_kpi_value{kpi=%q} = %v, but the KPI is not available", name, got)
		case v != nil && (!ok || got != *v):
			t.Errorf("sdetl_kpi_value{kpi=%q} = %v (%v), sdetl kpi --json says %v", name, got, ok, *v)
		}
	}
	if f := mf["sdetl_kpi_value"]; f == nil || len(f.Metric) != countNonNil(rep.Values) {
		t.Errorf("sdetl_kpi_value has other series than sdetl kpi --json's values: %v", f)
	}
	judged := 0
	for _, r := range rep.Results {
		rag := r.Status == kpi.Green || r.Status == kpi.Amber || r.Status == kpi.Red
		for _, st := range obs.KPIStatuses {
			got, ok := value(mf, "sdetl_kpi_status", map[string]string{"kpi": r.Name, "status": st})
			want := 0.0
			if string(r.Status) == st {
				want = 1
			}
			if rag && (!ok || got != want) {
				t.Errorf("sdetl_kpi_status{kpi=%q,status=%q} = %v (%v), want %v (sdetl kpi says %s)", r.Name, st, got, ok, want, r.Status)
			}
			if !rag && ok {
				t.Errorf("sdetl_kpi_status{kpi=%q} exists, but the KPI has no status (%q)", r.Name, r.Status)
			}
		}
		if rag {
			judged++
		}
	}
	if judged == 0 {
		t.Error("no KPI has a status")
	}
}

func countNonNil(m map[string]*float64) int {
	n := 0
	for _, v := range m {
		if v != nil {
			n++
		}
	}
	return n
}

// TestDryRunKPIs: a dry run executes all 23 KPI queries against its rehearsal schema (and
// leaves no schema behind), but makes nothing live, so its .prom has no KPI series: a gauge
// there would be the previous load's value passed off as this run's.
func TestDryRunKPIs(t *testing.T) {
	exports, _ := generate(t, synth.Options{Scale: 0.02, Seed: 22, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	textdir := t.TempDir()
	mustSdetl(t, "run", "--exports", exports, "--pg", dsn, "--workdir", t.TempDir()) // a live schema with KPIs exists
	out := mustSdetl(t, "run", "--dry-run", "--json", "--exports", exports, "--pg", dsn, "--workdir", t.TempDir(), "--metrics-textfile", textdir)
	var rep runReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Load == nil || rep.Load.KPIQueries != len(kpi.Defs()) {
		t.Errorf("the dry run executed %+v KPI queries, want %d", rep.Load, len(kpi.Defs()))
	}
	conn, err := postgres.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var left int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_namespace WHERE nspname LIKE '%dryrun%'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("the dry run left %d schemas (%v)", left, err)
	}
	b, err := os.ReadFile(filepath.Join(textdir, "sdetl.prom"))
	if err != nil {
		t.Fatal(err)
	}
	mf := parseMetrics(t, bytes.NewReader(b))
	if _, ok := value(mf, "sdetl_run_outcome", map[string]string{"outcome": "ok"}); !ok {
		t.Fatal("the dry run's .prom has no outcome")
	}
	for _, name := range []string{"sdetl_kpi_value", "sdetl_kpi_status"} {
		if f := mf[name]; f != nil && len(f.Metric) > 0 {
			t.Errorf("a dry run wrote %s: %v", name, f.Metric)
		}
	}
}
