package obs

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

// TestCatalogIsWhatARunRegisters: with every setter used once, the registry gathers exactly
// the catalogue's metrics, each with its type, help and labels.
func TestCatalogIsWhatARunRegisters(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	m.Start(time.Now())
	m.Enter("load") // sdetl_run_stage exists while a stage goes
	m.Rows("tickets", "read", 1)
	m.InputBytes("tickets", 1)
	m.Quality("clean", 99)
	m.Breaker("tickets", "mismatch", 0.2)
	m.KPIValue("sla_compliance", 95)
	m.KPIStatus("sla_compliance", "green")
	m.Enter("reconcile")
	m.stageSeconds.WithLabelValues("reconcile").Set(1)
	m.runOutcome.WithLabelValues("ok").Set(1)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Info{}
	for _, f := range fams {
		i := Info{Name: f.GetName(), Help: f.GetHelp(), Type: strings.ToLower(f.GetType().String())}
		for _, l := range f.Metric[0].Label {
			i.Labels = append(i.Labels, l.GetName())
		}
		got[i.Name] = i
	}
	want := map[string]Info{}
	for _, i := range Catalog() {
		i.Labels = slices.Sorted(slices.Values(i.Labels)) // the registry sorts them
		want[i.Name] = i
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the catalogue is not what a run registers (-catalog +registry):\n%s", diff)
	}
}

// TestMonitoringDocListsTheCatalog: docs/monitoring.md has one table row per metric, with the
// catalogue's type and labels, and no row for a metric that does not exist.
func TestMonitoringDocListsTheCatalog(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "monitoring.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(sdetl_[a-z_]+)` \\| (\\w+) \\| ([^|]*) \\| [^|]+\\|$")
	got := map[string]Info{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		i := Info{Name: m[1], Type: m[2]}
		for _, l := range regexp.MustCompile("`(\\w+)`").FindAllStringSubmatch(m[3], -1) {
			i.Labels = append(i.Labels, l[1])
		}
		if _, dup := got[i.Name]; dup {
			t.Errorf("docs/monitoring.md lists %s twice", i.Name)
		}
		got[i.Name] = i
	}
	want := map[string]Info{}
	for _, i := range Catalog() {
		i.Help = ""
		want[i.Name] = i
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("docs/monitoring.md's metrics table is not the catalogue (-catalog +doc):\n%s", diff)
	}
}
