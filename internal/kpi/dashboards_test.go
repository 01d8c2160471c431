package kpi

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite dashboards/ from the shipped queries")

// TestDashboardsAreGenerated: dashboards/*.json are exactly what Dashboards makes of the
// shipped queries (go test ./internal/kpi -update rewrites them), and no panel names a column
// dashboards in the wild wrongly used (SPEC 2.2).
func TestDashboardsAreGenerated(t *testing.T) {
	files, err := Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "dashboards")
	for name, want := range files {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./internal/kpi -update writes it)", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s is not the shipped queries' dashboard (go test ./internal/kpi -update) (-want +got):\n%s", name, diff)
		}
		for _, wrong := range []string{"TKT-Priority", `TKT-Assigned To\"`, "TKT-Resolved Time", "TKT-Closed Time", "TKT-Due Date"} {
			if strings.Contains(string(got), wrong) {
				t.Errorf("%s uses %s, which does not exist", name, wrong)
			}
		}
	}
	on, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(on) != len(files) {
		t.Errorf("dashboards/ holds %d JSON files, the generator makes %d", len(on), len(files))
	}
}
