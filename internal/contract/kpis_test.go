package contract

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/kpi"
)

// TestServiceDeskKPIBands: the built-in contract states SPEC 6.2's thresholds for every KPI that
// has a status, and they are the ones internal/kpi ships, so the YAML is the policy people read
// and the code's defaults cannot drift from it unnoticed.
func TestServiceDeskKPIBands(t *testing.T) {
	got := ServiceDesk().KPIParams().Bands
	want := map[string]kpi.Band{}
	for _, d := range kpi.Defs() {
		if d.RAG != nil {
			want[d.Name] = kpi.Band{Green: d.RAG.Green, Red: d.RAG.Red}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("servicedesk.yaml kpis differ from SPEC 6.2 in internal/kpi (-kpi +yaml):\n%s", diff)
	}
}

func TestKPIBandOverrides(t *testing.T) {
	s, err := Parse([]byte(tinySpec + "kpis: {sla_compliance: {green: 99, red: 97}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := s.KPIParams()
	d, _ := kpi.ByName("sla_compliance")
	if got := p.WithBand(d).RAG.Judge(96); got != kpi.Red {
		t.Errorf("96%% against green 99 red 97: %s, want red", got)
	}
	if d.RAG.Judge(96) != kpi.Green {
		t.Error("WithBand changed the shipped thresholds")
	}
	other, _ := kpi.ByName("fcr")
	if got := p.WithBand(other).RAG; got.Green != 70 || got.Red != 60 {
		t.Errorf("fcr, not in kpis:, got %+v; want SPEC's 70/60", got)
	}
	if s, _ := Parse([]byte(tinySpec)); s.KPIParams().Bands != nil {
		t.Error("a contract without kpis: has bands")
	}
}

func TestKPIBandValidation(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"kpis: {sla_complience: {green: 95, red: 90}}", `no KPI named "sla_complience"`},
		{"kpis: {monthly_volume: {green: 1, red: 2}}", "informational"},
		{"kpis: {sla_compliance: {green: 90, red: 95}}", "green (90) must be at least red (95)"},
		{"kpis: {avg_resolution_days: {green: 5, red: 3}}", "green (5) must be at most red (3)"},
		{"kpis: {fcr: {green: 70}}", "want both green and red"},
		{"kpis: {fcr: {green: 70, red: 60, amber: 65}}", "amber"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tinySpec + tt.yaml + "\n"))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want one mentioning %q", tt.yaml, err, tt.want)
		}
	}
}
