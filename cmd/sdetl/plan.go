package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
)

// plan is what a dry run says a real run would do.
type plan struct {
	Tables     []planTable `json:"tables"`
	ETASeconds float64     `json:"eta_seconds"` // estimated full load time, from the rehearsal's throughput
	Estimate   *estimate   `json:"estimate"`    // the whole run, stage by stage (estimate.go)
}

type planTable struct {
	Table       string         `json:"table"`
	Types       map[string]int `json:"column_types"` // PostgreSQL type -> number of columns
	Rows        int            `json:"rows"`
	Quarantined int            `json:"quarantined"`
	Rehearsed   int64          `json:"rehearsed_rows"`
	RowsPerSec  float64        `json:"rehearsal_rows_per_second"`
}

func makePlan(s *contract.Spec, r *runReport) *plan {
	p := &plan{}
	for _, t := range s.Tables {
		pt := planTable{Table: t.Name, Types: map[string]int{}}
		for _, c := range t.Columns {
			pt.Types[postgres.PGType(c.Type)]++
		}
		for _, d := range t.Derived {
			pt.Types[postgres.PGType(d.Type)]++
		}
		for _, c := range r.Clean.Tables {
			if c.Table == t.Name {
				pt.Rows, pt.Quarantined = c.Clean, c.Quarantined
			}
		}
		for _, l := range r.Load.Tables {
			if l.Table == t.Name && l.Copying > 0 {
				pt.Rehearsed, pt.RowsPerSec = l.Rows, float64(l.Rows)/l.Copying.Seconds()
			}
		}
		if pt.RowsPerSec > 0 {
			p.ETASeconds += float64(pt.Rows) / pt.RowsPerSec
		}
		p.Tables = append(p.Tables, pt)
	}
	return p
}

func printPlan(w io.Writer, p *plan) {
	fmt.Fprintln(w, "\nDRY RUN: nothing was loaded; the live schema is untouched. The plan:")
	fmt.Fprintf(w, "%-11s %10s %12s %10s %10s  %s\n", "table", "rows", "quarantined", "rehearsed", "rows/s", "column types")
	for _, t := range p.Tables {
		var types []string
		for ty, n := range t.Types {
			types = append(types, fmt.Sprintf("%d %s", n, ty))
		}
		sort.Strings(types)
		fmt.Fprintf(w, "%-11s %10d %12d %10d %10.0f  %s\n", t.Table, t.Rows, t.Quarantined, t.Rehearsed, t.RowsPerSec, strings.Join(types, ", "))
	}
	fmt.Fprintf(w, "estimated load time: %s (from the rehearsal's COPY throughput)\n", time.Duration(p.ETASeconds*float64(time.Second)).Round(100*time.Millisecond))
	printEstimate(w, p.Estimate)
}

func printScores(w io.Writer, r *runReport) {
	sc := r.Scores
	if sc.Stage == nil {
		return
	}
	fmt.Fprintf(w, "quality: staged %.2f (%s)", sc.Stage.Composite, sc.Stage.Grade)
	if sc.Clean != nil {
		verdict := "passes"
		if quality.Gate(sc.Clean, sc.Gate) != nil {
			verdict = "FAILS"
		}
		fmt.Fprintf(w, " -> clean %.2f (%s, %s the gate of %g)", sc.Clean.Composite, sc.Clean.Grade, verdict, sc.Gate)
	}
	if sc.Postgres != nil {
		what := "loaded"
		if r.DryRun {
			what = "rehearsal sample"
		}
		fmt.Fprintf(w, " -> %s %.2f", what, sc.Postgres.Composite)
	}
	fmt.Fprintln(w)
	if sc.Clean != nil {
		var failing []string
		for _, rr := range sc.Clean.Rules {
			if !rr.Pass {
				failing = append(failing, rr.ID)
			}
		}
		if len(failing) > 0 {
			fmt.Fprintf(w, "rules failing on the clean store: %s (sdetl score shows them all)\n", strings.Join(failing, ", "))
		}
	}
}
