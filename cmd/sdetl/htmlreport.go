package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/htmlreport"
)

// The run's HTML report (<workdir>/report.html, and sdetl report for a past run): what run.json
// says, the quarantine's examples and the live KPIs (report.go keeps both per run), rendered by
// internal/htmlreport.

// stageTime is how long one stage of the run took.
type stageTime struct {
	Stage   string  `json:"stage"`
	Seconds float64 `json:"seconds"`
}

// stageClock times the stages as the run enters them; nil times nothing.
type stageClock struct {
	stages []stageTime
	since  time.Time
}

func (c *stageClock) enter(stage string) {
	if c == nil {
		return
	}
	now := time.Now()
	if n := len(c.stages); n > 0 && c.stages[n-1].Seconds == 0 {
		c.stages[n-1].Seconds = now.Sub(c.since).Seconds()
	}
	if stage != "" {
		c.stages = append(c.stages, stageTime{Stage: stage})
	}
	c.since = now
}

// reportExtrasOf collects what the report reads beyond run.json, at the end of the run: the
// quarantine's examples from the clean store and the KPIs liveKPIs found.
func reportExtrasOf(ctx context.Context, o runOptions, rep *runReport) *reportExtras {
	ctx = context.WithoutCancel(ctx) // an interrupted run still gets its report
	x := &reportExtras{KPIs: rep.kpis, KPIError: rep.kpiError}
	if rep.Clean != nil {
		x.Quarantine = quarantineExamples(ctx, o.work.clean(), rep.Clean.Quarantine)
	}
	return x
}

// reportDataOf is the report's view of a run: its run.json and the extras.
func reportDataOf(rep *runReport, x *reportExtras) *htmlreport.Data {
	d := &htmlreport.Data{RunID: rep.RunID, Generated: rep.EndedAt, Exports: rep.Exports, Database: rep.Database, Schema: rep.Schema,
		DryRun: rep.DryRun, Seconds: rep.Seconds, Outcome: rep.Outcome, ExitCode: rep.ExitCode, Error: rep.Error,
		Gate: rep.Scores.Gate, Profile: rep.Profile, Quarantine: x.Quarantine, KPIs: x.KPIs, KPIError: x.KPIError}
	for _, st := range rep.Stages {
		d.Stages = append(d.Stages, htmlreport.Stage{Name: st.Stage, Seconds: st.Seconds, Rows: stageRows(rep, st.Stage)})
	}
	for _, t := range rep.Tables {
		d.Tables = append(d.Tables, htmlreport.Table{Name: t.Table, Read: int64(t.Read), InScope: int64(t.InScope), Staged: int64(t.Staged),
			Loaded: t.Loaded, Quarantined: t.Quarantined, Reconciled: t.Reconciled})
	}
	if rep.Scores.Stage != nil || rep.Scores.Clean != nil || rep.Scores.Postgres != nil {
		d.Scores = []htmlreport.Score{{Label: "before cleaning", Report: rep.Scores.Stage}, {Label: "after cleaning", Report: rep.Scores.Clean},
			{Label: "after load", Report: rep.Scores.Postgres}}
	}
	if rep.Clean != nil {
		for _, c := range rep.Clean.Changes {
			d.Changes = append(d.Changes, htmlreport.Change{Table: c.Table, Column: c.Column, Rule: c.Rule, Count: c.Count})
		}
		slices.SortStableFunc(d.Changes, func(a, b htmlreport.Change) int { return strings.Compare(a.Rule, b.Rule) })
	}
	return d
}

// stageRows says in words what a stage counted.
func stageRows(rep *runReport, st string) string {
	switch st {
	case "import":
		if rep.Import != nil {
			var read, in int
			for _, f := range rep.Import.Files {
				read, in = read+f.RowsRead, in+f.InScope
			}
			return fmt.Sprintf("%d files: %s rows read, %s in scope", len(rep.Import.Files), thousands(read), thousands(in))
		}
	case "profile":
		if rep.Profile != nil {
			var rows int64
			for _, t := range rep.Profile.Tables {
				rows += t.TotalRows
			}
			return thousands(int(rows)) + " rows profiled"
		}
	case "clean":
		if rep.Clean != nil {
			var c, q int
			for _, t := range rep.Clean.Tables {
				c, q = c+t.Clean, q+t.Quarantined
			}
			return fmt.Sprintf("%s clean, %s quarantined", thousands(c), thousands(q))
		}
	case "score":
		if r := rep.Scores.Stage; r != nil {
			return fmt.Sprintf("staging store scored %.2f", r.Composite)
		}
	case "backup":
		if rep.Backup != "" {
			return "staging store backed up: " + filepath.Base(rep.Backup)
		}
	case "canary":
		if c := rep.Canary; c != nil && c.Skipped {
			return "skipped"
		} else if c != nil {
			n := 0
			for _, r := range c.Rows {
				n += r
			}
			return fmt.Sprintf("%s rows sampled, %d queries, %d failures", thousands(n), c.Queries, len(c.Failures))
		}
	case "load":
		if l := rep.Load; l != nil && l.NothingToDo {
			return "nothing to do: live already holds these rows"
		} else if l != nil {
			var n int64
			for _, t := range l.Tables {
				n += t.Rows
			}
			return thousands(int(n)) + " rows loaded into " + l.Generation
		}
	case "reconcile":
		if len(rep.Tables) > 0 {
			ok := 0
			for _, t := range rep.Tables {
				if t.Reconciled {
					ok++
				}
			}
			return fmt.Sprintf("%d of %d tables reconciled", ok, len(rep.Tables))
		}
	}
	return ""
}

// quarantineExamples lists the quarantine by rule, most rows first, with up to three examples
// each from the clean store.
func quarantineExamples(ctx context.Context, cleanPath string, byRule map[string]int) []htmlreport.QuarantineRule {
	var out []htmlreport.QuarantineRule
	for rule, n := range byRule {
		out = append(out, htmlreport.QuarantineRule{Rule: rule, Rows: n})
	}
	slices.SortFunc(out, func(a, b htmlreport.QuarantineRule) int {
		if a.Rows != b.Rows {
			return b.Rows - a.Rows
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	at := map[string]int{}
	for i, q := range out {
		at[q.Rule] = i
	}
	_ = clean.FirstQuarantined(ctx, cleanPath, 3, func(q *clean.QuarantinedRow) error {
		if i, ok := at[q.Rule]; ok {
			ex := fmt.Sprintf("%s %s row %d", q.Table, filepath.Base(q.File), q.Row)
			if q.Column != "" {
				ex += fmt.Sprintf(" %s=%q", q.Column, q.Raw)
			}
			out[i].Examples = append(out[i].Examples, ex+": "+q.Reason)
		}
		return nil
	})
	return out
}

// thousands formats a count as 12,345.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// liveKPIs asks the live schema's KPIs into rep, once, for the HTML report and the metrics, only
// when this run made the schema live (or found it holding these rows): otherwise they are not
// this run's, and rep says why there are none.
func liveKPIs(ctx context.Context, s *contract.Spec, o runOptions, rep *runReport) {
	switch {
	case rep.DryRun:
		rep.kpiError = "A dry run loads nothing: no KPIs."
	case rep.Outcome != "ok":
		rep.kpiError = fmt.Sprintf("The run did not load (outcome %s): the live schema's KPIs are not this run's, so none are shown.", rep.Outcome)
	case !kpiApplies(s):
		rep.kpiError = fmt.Sprintf("Contract %s has no KPIs (docs/kpis.md).", s.Schema)
	default:
		kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if k, err := runLiveKPIs(kctx, s, o, rep); err != nil {
			rep.kpiError = "The KPIs could not be computed: " + oneLine(err.Error())
		} else {
			rep.kpis = k
		}
	}
}
