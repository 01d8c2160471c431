package deptest

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/sdetl/sdetl/"

// core packages hold what the pipeline computes: the contract, the value rules, the profile
// and the score. They must reach no driver, store or file format, so they can be read, tested
// and reused without any of them.
var core = []string{"internal/contract", "internal/outcome", "internal/preflight", "internal/values", "internal/report", "internal/profile", "internal/quality", "internal/canary", "internal/reconcile", "internal/kpi", "internal/htmlreport"}

// forbidden are the packages no core package may reach, directly or not.
var forbidden = []string{
	"database/sql",
	"github.com/jackc/pgx/",
	"modernc.org/sqlite",
	module + "internal/xlsx",
	module + "internal/csvfile",
	module + "internal/exports",
	module + "internal/store",
	module + "internal/stage",
	module + "internal/clean",
	module + "internal/postgres",
	module + "internal/pgcluster",
}

// allowed lists the module's packages each package may import directly: the picture at the
// top of docs/design.md. A new package must be placed here, which is the point: where it sits
// is decided, not drifted into. Only the commands import everything.
var allowed = map[string][]string{
	// core
	"internal/contract":   {"internal/kpi"}, // the kpis: section names KPIs and their direction, checked when the contract is parsed
	"internal/outcome":    nil,
	"internal/preflight":  nil, // pure judgements over probed facts; the probes are adapters'
	"internal/values":     {"internal/contract"},
	"internal/report":     nil,
	"internal/profile":    {"internal/contract", "internal/outcome", "internal/report", "internal/values"},
	"internal/quality":    {"internal/contract", "internal/outcome", "internal/report", "internal/values"},
	"internal/canary":     {"internal/contract", "internal/profile"},                // the canary's pure judgement
	"internal/reconcile":  {"internal/contract", "internal/values"},                 // the pure comparison of clean store and generation (values: the length of a text)
	"internal/kpi":        nil,                                                      // the 23 KPIs as data: definitions, parameters, thresholds, embedded SQL
	"internal/htmlreport": {"internal/kpi", "internal/profile", "internal/quality"}, // the run's HTML report from plain data
	// adapters: each wraps one store, database, file format or machine resource
	"internal/countio":   nil,
	"internal/inputfile": nil,
	"internal/filesum":   {"internal/inputfile"}, // content fingerprints with a stat shortcut (unchanged re-runs)
	"internal/xlsx":      {"internal/countio", "internal/inputfile"},
	"internal/csvfile":   {"internal/countio", "internal/inputfile"},
	"internal/exports":   {"internal/contract", "internal/csvfile", "internal/inputfile", "internal/xlsx"},
	"internal/store":     nil,
	"internal/cellguard": nil,                  // pure: the quarantine export's formula guard, shared by export (clean) and release (stage)
	"internal/health":    {"internal/outcome"}, // its failure is a judgement with its own exit code
	"internal/pgcluster": nil,
	"internal/pgtools":   nil,
	"internal/obs":       nil,
	"internal/backup":    {"internal/inputfile", "internal/pgtools", "internal/postgres", "internal/store"}, // inputfile: one read for both hashes
	"internal/stage":     {"internal/cellguard", "internal/contract", "internal/exports", "internal/health", "internal/inputfile", "internal/profile", "internal/quality", "internal/store", "internal/values"},
	"internal/clean":     {"internal/cellguard", "internal/contract", "internal/health", "internal/outcome", "internal/quality", "internal/reconcile", "internal/store", "internal/values"},
	"internal/postgres":  {"internal/canary", "internal/contract", "internal/health", "internal/kpi", "internal/outcome", "internal/quality", "internal/reconcile", "internal/store"},
	// use cases over the core and the export readers
	"internal/specdraft": {"internal/contract", "internal/csvfile", "internal/exports", "internal/inputfile", "internal/profile", "internal/report", "internal/values"},
	"internal/synth":     {"internal/contract", "internal/kpi", "internal/xlsx"},
	// tests and test helpers
	"internal/pgtest":   {"internal/pgcluster"},
	"internal/deptest":  nil,
	"internal/benchfix": {"internal/contract"}, // the micro-benchmarks' shared fixtures
	// the commands: the only importers of everything
	"cmd/sdetl": {"*"},
}

// goList runs go list at the module root and returns its output lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	openSources(t)
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	var lines []string
	for sc := bufio.NewScanner(bytes.NewReader(out)); sc.Scan(); {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func TestCoreReachesNoAdapter(t *testing.T) {
	for _, p := range core {
		for _, dep := range goList(t, "-deps", "./"+p) {
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, strings.TrimSuffix(f, "/")+"/") {
					t.Errorf("core package %s depends on %s", p, dep)
				}
			}
		}
	}
}

func TestImportsFollowThePicture(t *testing.T) {
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		want, ok := allowed[pkg]
		if !ok {
			t.Errorf("package %s is not in the picture: add it to allowed (and to docs/design.md)", pkg)
			continue
		}
		if slices.Contains(want, "*") {
			continue
		}
		for _, imp := range fields[1:] {
			if dep, ours := strings.CutPrefix(imp, module); ours && !slices.Contains(want, dep) {
				t.Errorf("%s imports %s, which the picture does not allow", pkg, dep)
			}
		}
	}
}

// drivers are the outside libraries that only their adapters may import directly; the
// commands reach them only through the adapters (e.g. cmd/sdetl scores a schema without pgx).
var drivers = map[string][]string{
	"github.com/jackc/pgx/":          {"internal/postgres", "internal/pgcluster", "internal/pgtest"},
	"database/sql":                   {"internal/store", "internal/stage", "internal/clean", "internal/postgres"},
	"modernc.org/sqlite":             {"internal/store"},
	"github.com/xuri/excelize":       nil,               // the benchmark's peer, in its own module (cmd/sdetl-bench)
	"github.com/klauspost/compress/": {"internal/xlsx"}, // its inflate, for the workbook's parts
}

func TestDriversStayInTheirAdapters(t *testing.T) {
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		for _, imp := range fields[1:] {
			for d, owners := range drivers {
				if (imp == strings.TrimSuffix(d, "/") || strings.HasPrefix(imp, d)) && !slices.Contains(owners, pkg) {
					t.Errorf("%s imports %s; only %v may", pkg, imp, owners)
				}
			}
		}
	}
}

func TestEveryPackageHasAComment(t *testing.T) {
	for _, line := range goList(t, "-f", "{{.ImportPath}}|{{.Doc}}", "./...") {
		pkg, doc, _ := strings.Cut(line, "|")
		if strings.TrimSpace(doc) == "" {
			t.Errorf("package %s has no package comment", pkg)
		}
	}
}

// openSources opens every directory and Go file of the module from this process. go test
// caches a result by the files the test itself opened; go list reads them in a child process,
// so without this a forbidden import added later would pass from the cache.
func openSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != "../.." && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(name, ".go") || name == "go.mod" {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			if d.IsDir() {
				_, err = f.ReadDir(-1)
			}
			f.Close()
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
