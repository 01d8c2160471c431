package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"go.yaml.in/yaml/v3"
)

// promExpr is one PromQL expression the project ships, and where.
type promExpr struct{ where, expr string }

// shippedPromQL is every expression of the monitoring dashboard and the alerting rules.
func shippedPromQL(t *testing.T) []promExpr {
	t.Helper()
	var out []promExpr
	files, _ := filepath.Glob(filepath.Join("..", "..", "dashboards", "monitoring", "*.json"))
	if len(files) == 0 {
		t.Fatal("no dashboard in dashboards/monitoring")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range d.Panels {
			if len(p.Targets) == 0 {
				t.Errorf("%s / %s: no query", filepath.Base(f), p.Title)
			}
			for _, tg := range p.Targets {
				out = append(out, promExpr{filepath.Base(f) + " / " + p.Title, tg.Expr})
			}
		}
	}
	for _, r := range alertRules(t) {
		out = append(out, promExpr{"alerts.yml / " + r.Alert, r.Expr})
	}
	return out
}

type alertRule struct {
	Alert  string            `yaml:"alert"`
	Expr   string            `yaml:"expr"`
	Labels map[string]string `yaml:"labels"`
}

func alertRules(t *testing.T) []alertRule {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []alertRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var out []alertRule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// metricNames are the sdetl metric names an expression references (every one of ours starts
// with sdetl_; a label value in quotes is not a name).
func metricNames(expr string) []string {
	expr = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`).ReplaceAllString(expr, `""`)
	return regexp.MustCompile(`\bsdetl_[a-zA-Z0-9_:]*`).FindAllString(expr, -1)
}

// checkShippedPromQL: every metric name the monitoring dashboard's and the alerting rules'
// PromQL references is one the real run's .prom (mf) exposes, each expression names at least
// one, and promtool parses every dashboard expression (as the rules of a file it checks).
func checkShippedPromQL(t *testing.T, promtool string, mf map[string]*dto.MetricFamily) {
	t.Helper()
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	exprs := shippedPromQL(t)
	for i, e := range exprs {
		names := metricNames(e.expr)
		if len(names) == 0 {
			t.Errorf("%s: %q names no sdetl metric", e.where, e.expr)
		}
		for _, n := range names {
			if mf[n] == nil {
				t.Errorf("%s: %q references %s, which a run's .prom does not expose", e.where, e.expr, n)
			}
		}
		q, _ := json.Marshal(e.expr) // a JSON string is a YAML string
		fmt.Fprintf(&rules, "      - record: sdetl:dashboard_%d\n        expr: %s\n", i, q)
	}
	path := filepath.Join(t.TempDir(), "dashboard-rules.yml")
	if err := os.WriteFile(path, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
		t.Errorf("promtool does not parse the dashboard's PromQL: %v\n%s", err, out)
	}
}

// TestMonitoringDocMatchesAlerts: docs/monitoring.md lists every alert of alerts.yml with its
// expression and severity, and no other.
func TestMonitoringDocMatchesAlerts(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "monitoring.md"))
	if err != nil {
		t.Fatal(err)
	}
	rules := alertRules(t)
	if len(rules) == 0 {
		t.Fatal("no rules in alerts.yml")
	}
	for _, r := range rules {
		row := fmt.Sprintf("| `%s` | `%s` | %s |", r.Alert, r.Expr, r.Labels["severity"])
		if !bytes.Contains(b, []byte(row)) {
			t.Errorf("docs/monitoring.md lacks the row %s", row)
		}
	}
	if n := len(regexp.MustCompile("(?m)^\\| `Sdetl\\w+` \\|").FindAll(b, -1)); n != len(rules) {
		t.Errorf("docs/monitoring.md lists %d alerts, alerts.yml has %d", n, len(rules))
	}
}
