package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/htmlreport"
	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/store"
)

// Every run keeps what its report needs in <workdir>/runs/<id>/: its run.json and report.json,
// what the page read from the stores at the end of the run (the quarantine's examples from the
// clean store, the live KPIs). The next run rebuilds the clean store and may replace the live
// schema, so `sdetl report RUN` renders a past run from these files alone, never from the
// stores. The newest --keep-runs (default 20) are kept; older ones, and their logs, are pruned
// after each run.

// defaultKeepRuns is how many runs' records a run keeps by default.
const defaultKeepRuns = 20

func (w workdir) runs() string            { return w.path("runs") }
func (w workdir) runDir(id string) string { return filepath.Join(w.runs(), id) }

// reportExtras is what the report read beyond run.json, saved as report.json.
type reportExtras struct {
	Quarantine []htmlreport.QuarantineRule `json:"quarantine"`
	KPIs       []kpi.Result                `json:"kpis"`
	KPIError   string                      `json:"kpi_error,omitempty"`
}

// keptRun is one run's record in the work dir.
type keptRun struct {
	ID      string    `json:"id"`
	RunID   int64     `json:"run_id,omitempty"` // the ledger's
	EndedAt time.Time `json:"ended_at"`
	Outcome string    `json:"outcome"`
	DryRun  bool      `json:"dry_run"`
	Exports string    `json:"exports"`
	Dir     string    `json:"dir"`
}

// keepRun saves the run's record (run.json, then report.json) and prunes the records beyond
// the newest keep.
func keepRun(w workdir, rep *runReport, x *reportExtras, keep int) error {
	dir := w.runDir(rep.ID)
	if err := writeJSONFile(filepath.Join(dir, "run.json"), rep); err != nil {
		return fmt.Errorf("keep the run's record: %w", err)
	}
	if err := writeJSONFile(filepath.Join(dir, "report.json"), x); err != nil {
		return fmt.Errorf("keep the run's record: %w", err)
	}
	if keep < 1 {
		keep = defaultKeepRuns
	}
	_, err := pruneRuns(w, keep)
	return err
}

// isRunID reports whether name is a run id newRunID made (20261201T120638.123Z-a1b2c3).
func isRunID(name string) bool {
	ts, hexPart, ok := strings.Cut(name, "Z-")
	if !ok || len(hexPart) != 6 || strings.Trim(hexPart, "0123456789abcdef") != "" {
		return false
	}
	_, err := time.Parse(runIDLayout, ts+"Z")
	return err == nil
}

// runIDs are the ids of the runs kept in the work dir, oldest first: only directories named as
// a run id and holding a run.json, which are the ones sdetl made.
func runIDs(w workdir) ([]string, error) {
	ents, err := os.ReadDir(w.runs())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range ents {
		if !e.IsDir() || !isRunID(e.Name()) {
			continue
		}
		if _, err := os.Stat(filepath.Join(w.runDir(e.Name()), "run.json")); err == nil {
			ids = append(ids, e.Name())
		}
	}
	slices.Sort(ids) // the id starts with its UTC time, to the millisecond
	return ids, nil
}

// pruneRuns removes the records of all but the newest keep runs, and their logs
// (logs/<id>.jsonl), and returns their ids.
func pruneRuns(w workdir, keep int) ([]string, error) {
	ids, err := runIDs(w)
	if err != nil || len(ids) <= keep {
		return nil, err
	}
	old := ids[:len(ids)-keep]
	for _, id := range old {
		if err := os.RemoveAll(w.runDir(id)); err != nil {
			return nil, fmt.Errorf("prune the run records: %w", err)
		}
		if err := os.Remove(filepath.Join(w.logs(), id+".jsonl")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("prune the run logs: %w", err)
		}
	}
	return old, nil
}

// loadRun reads a kept run's record.
func loadRun(w workdir, id string) (*runReport, *reportExtras, error) {
	rep, x := &runReport{}, &reportExtras{}
	for name, v := range map[string]any{"run.json": rep, "report.json": x} {
		path := filepath.Join(w.runDir(id), name)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(b, v); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	rep.kpis, rep.kpiError = x.KPIs, x.KPIError
	return rep, x, nil
}

// listRuns summarises the kept runs, newest first.
func listRuns(w workdir) ([]keptRun, error) {
	ids, err := runIDs(w)
	if err != nil {
		return nil, err
	}
	out := []keptRun{}
	for _, id := range slices.Backward(ids) {
		var r keptRun
		b, err := os.ReadFile(filepath.Join(w.runDir(id), "run.json"))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(w.runDir(id), "run.json"), err)
		}
		r.ID, r.Dir = id, w.runDir(id)
		out = append(out, r)
	}
	return out, nil
}

// findRun picks the kept run named by arg: "" the latest, a number the ledger's run of that
// id (as sdetl generations and the report's title show it), else a run id.
func findRun(w workdir, arg string) (string, error) {
	runs, err := listRuns(w)
	if err != nil {
		return "", err
	}
	if len(runs) == 0 {
		return "", fmt.Errorf("report: no run is recorded in %s yet (sdetl run records one)", w.runs())
	}
	if arg == "" {
		return runs[0].ID, nil
	}
	n, numErr := strconv.ParseInt(arg, 10, 64)
	var match []string
	for _, r := range runs {
		if r.ID == arg || numErr == nil && r.RunID == n {
			match = append(match, r.ID)
		}
	}
	switch len(match) {
	case 0:
		return "", fmt.Errorf("report: no run %s is kept in %s (sdetl report --list shows the %d kept)", arg, w.runs(), len(runs))
	case 1:
		return match[0], nil
	}
	return "", fmt.Errorf("report: run %s names %d kept runs (%s, from different databases): name one by its id", arg, len(match), strings.Join(match, ", "))
}

func cmdReport(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "report", "[RUN] [--out FILE] [--list]",
		"Write the HTML report of a past run, the same page sdetl run wrote at its end: RUN is the\n"+
			"ledger's run number (as sdetl generations shows it) or the run's id (sdetl report --list),\n"+
			"default the latest. It is rendered from the run's record in <workdir>/runs/<id>/, so it\n"+
			"shows that run's numbers whatever later runs did to the stores.").withWorkdir().withFiles()
	f.BoolVar(&f.json, "json", false, "with --list: the kept runs as JSON")
	out := f.String("out", "", "write the report to `FILE` (- for stdout; default <workdir>/runs/<id>/report.html)")
	list := f.Bool("list", false, "list the kept runs, newest first, instead")
	files, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(files) > 1 {
		return usageError{fmt.Sprintf("report: one RUN at most, got %d", len(files))}
	}
	if *list {
		runs, err := listRuns(f.work)
		if err != nil {
			return err
		}
		if f.json {
			return printJSON(e.stdout, runs)
		}
		printKeptRuns(e.stdout, f.work, runs)
		return nil
	}
	arg := ""
	if len(files) == 1 {
		arg = files[0]
	}
	id, err := findRun(f.work, arg)
	if err != nil {
		return err
	}
	rep, x, err := loadRun(f.work, id)
	if err != nil {
		return fmt.Errorf("report: run %s: %w", id, err)
	}
	switch *out {
	case "-":
		return htmlreport.Render(e.stdout, reportDataOf(rep, x))
	case "":
		*out = filepath.Join(f.work.runDir(id), "report.html")
	}
	if err := renderReport(rep, x, *out); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(e.stdout, "report: %s\n", *out)
	return nil
}

func printKeptRuns(w io.Writer, wd workdir, runs []keptRun) {
	if len(runs) == 0 {
		fmt.Fprintf(w, "no run is recorded in %s yet\n", wd.runs())
		return
	}
	fmt.Fprintf(w, "%-29s %-6s %-20s %-22s %s\n", "id", "run", "ended", "outcome", "exports")
	for _, r := range runs {
		run, oc := "-", r.Outcome
		if r.RunID != 0 {
			run = strconv.FormatInt(r.RunID, 10)
		}
		if r.DryRun {
			oc += " (dry run)"
		}
		fmt.Fprintf(w, "%-29s %-6s %-20s %-22s %s\n", r.ID, run, r.EndedAt.UTC().Format("2006-01-02 15:04:05"), oc, r.Exports)
	}
}

// renderReport writes the report of a run atomically to path.
func renderReport(rep *runReport, x *reportExtras, path string) error {
	return store.WriteFile(path, 0o644, true, func(w io.Writer) error { return htmlreport.Render(w, reportDataOf(rep, x)) })
}
