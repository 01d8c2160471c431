package htmlreport

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/quality"
)

// TestValuesAreEscaped: every value from the data goes through html/template's escaping, so a
// hostile cell (a quarantine example, a rule, an error, a KPI label) cannot inject markup.
func TestValuesAreEscaped(t *testing.T) {
	evil := `<script>alert(1)</script>"'&`
	v := 5.0
	d := &Data{Outcome: "gate_failed", ExitCode: 5, Error: evil, Exports: evil, Schema: "servicedesk",
		Stages:     []Stage{{Name: "import", Seconds: 1, Rows: evil}},
		Scores:     []Score{{Label: "before cleaning", Report: &quality.Report{Composite: 90, Categories: []quality.CategoryResult{{Name: evil, Score: 0.9}}}}},
		Quarantine: []QuarantineRule{{Rule: evil, Rows: 3, Examples: []string{evil}}},
		Changes:    []Change{{Table: "t", Column: evil, Rule: "trim", Count: 1}},
		KPIs: []kpi.Result{{ID: 11, Name: "monthly_volume", Title: evil, Columns: []string{"month", "tickets"}, Available: true,
			Rows: []kpi.Row{{Labels: []string{evil}, Values: []*float64{&v}}, {Labels: []string{"2025-08"}, Values: []*float64{&v}}}}},
	}
	var b bytes.Buffer
	if err := Render(&b, d); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<script") || strings.Contains(page, `"'&`) {
		t.Errorf("a value reached the page unescaped:\n%s", page)
	}
	if n := strings.Count(page, "&lt;script&gt;"); n < 8 {
		t.Errorf("%d escaped values, want every one of the 8 or more", n)
	}
	for _, want := range []string{"Outcome: gate_failed", "(exit 5)", "what the run knew when it stopped", "<svg"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
