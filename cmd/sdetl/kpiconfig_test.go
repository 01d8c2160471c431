package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/synth"
)

// withSLABand writes the built-in contract with sla_compliance's band replaced, as a user's
// contract would be: the same tables, another policy.
func withSLABand(t *testing.T, band string) string {
	t.Helper()
	b, err := os.ReadFile("../../internal/contract/servicedesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^  sla_compliance: .*$`)
	if !line.Match(b) {
		t.Fatal("servicedesk.yaml states no sla_compliance band")
	}
	path := filepath.Join(t.TempDir(), "contract.yaml")
	if err := os.WriteFile(path, line.ReplaceAll(b, []byte("  sla_compliance: "+band)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestKPIThresholdsFromContract: the contract's kpis: section decides a KPI's status. A band
// above the measured SLA compliance makes it red, one below makes it green (so at least one of
// them differs from the built-in verdict, whatever the data); the value is the same under all.
func TestKPIThresholdsFromContract(t *testing.T) {
	dir, _ := generate(t, synth.Options{Scale: 0.02, Seed: 4, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work)
	base := kpiJSON(t, dsn, work, "--only", "sla_compliance").Results[0]
	if base.Value == nil {
		t.Fatal("sla_compliance has no value")
	}
	v := *base.Value
	for _, tt := range []struct {
		band string
		want kpi.Status
	}{
		{fmt.Sprintf("{green: %g, red: %g}", v+2, v+1), kpi.Red},
		{fmt.Sprintf("{green: %g, red: %g}", v-1, v-2), kpi.Green},
		{fmt.Sprintf("{green: %g, red: %g}", v+1, v-1), kpi.Amber},
	} {
		r := kpiJSON(t, dsn, work, "--only", "sla_compliance", "--spec", withSLABand(t, tt.band)).Results[0]
		if r.Status != tt.want || r.Value == nil || *r.Value != v {
			t.Errorf("sla_compliance %v under %s: status %q value %v, want %q and the same value", v, tt.band, r.Status, r.Value, tt.want)
		}
	}
	t.Logf("built-in verdict on %v: %s", v, base.Status)

	code, out, errs := sdetl(t, "kpi", "--json", "--pg", dsn, "--workdir", work, "--spec", withSLABand(t, "{green: 90, red: 95}"))
	if code == 0 || out != "" {
		t.Fatalf("an upside-down band: exit %d, stdout %q; want refused", code, out)
	}
	if msg := strings.TrimSpace(errs); strings.Count(msg, "\n") != 0 || !strings.Contains(msg, "kpis: KPI sla_compliance: higher is better, so green (90) must be at least red (95)") {
		t.Errorf("refusal is not one line naming the KPI and the bounds:\n%s", errs)
	}
}
