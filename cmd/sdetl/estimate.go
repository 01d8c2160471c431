package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/store"
)

// The dry run's estimate of the whole run, stage by stage. Every number is a measurement of
// this dry run scaled by the data it did not process, never a constant: the stages a dry run
// runs on all the data (preflight, import, profile, scores, clean and its measures, backup) are their
// own times; the canary is the rehearsal's sample load and query times (the same size of
// sample, the same COPY and queries); the load is the rehearsal's per-table COPY and index
// rates on its 10% sample times each table's full rows, scheduled on the load's parallel
// connections in the order the load takes the tables, plus the sample's reconcile measure and
// score scaled by the rows; the KPIs after the load are the rehearsal's KPI queries on its
// sample, not scaled (their time hardly follows the rows).

// estimate is the dry run's model of the real run.
type estimate struct {
	Stages  []stageEstimate `json:"stages"`
	Seconds float64         `json:"seconds"` // the whole run: the sum of the stages
}

type stageEstimate struct {
	Stage   string  `json:"stage"`
	Seconds float64 `json:"seconds"`
	Basis   string  `json:"basis"` // what it was computed from
}

func (e *estimate) add(stage string, seconds float64, basis string) {
	e.Stages = append(e.Stages, stageEstimate{Stage: stage, Seconds: seconds, Basis: basis})
	e.Seconds += seconds
}

// dryTimes are what the dry run measured beside its stages, for the estimate.
type dryTimes struct {
	preflight, draw, backup float64
}

// dryMeasure times, in a dry run, a step of a real run that it would otherwise skip and that
// reads a whole store: drawing the canary's sample, unless the clean drew it as it wrote the
// store (drawn), as a real run's clean does: then the draw costs the canary nothing. (The
// backup's rehearsal is made, as in a real run, while the clean stage runs, in a temporary
// directory under backups/; dryTimes.backup is how long the run then waited for it.)
func dryMeasure(ctx context.Context, s *contract.Spec, o runOptions, drawn *clean.Sample) (dryTimes, error) {
	dt := dryTimes{preflight: o.preflightSeconds}
	if drawnFor(drawn, s, o) {
		return dt, nil
	}
	began := time.Now()
	db, err := store.OpenReadOnly(o.work.clean())
	if err != nil {
		return dt, err
	}
	_, err = clean.DrawSample(ctx, db, s, o.canarySeed)
	db.Close()
	if err != nil {
		return dt, err
	}
	dt.draw = time.Since(began).Seconds()
	return dt, nil
}

// estimateRun models a real run from what this dry run measured. parallel is the load's
// --parallel (0: its default).
func estimateRun(s *contract.Spec, rep *runReport, stages []stageTime, dt dryTimes, parallel int) *estimate {
	e := &estimate{}
	measured := func(name string) float64 {
		var sec float64
		for _, st := range stages {
			if st.Stage == name {
				sec += st.Seconds
			}
		}
		return sec
	}
	all := "measured on all the rows in this dry run"
	e.add("preflight", dt.preflight, all)
	e.add("import", measured("import"), all)
	e.add("profile", measured("profile"), all)
	e.add("score", measured("score"), all)
	e.add("clean", measured("clean"), all+" (clean, its score, and the reconciliation's measures taken as it writes)")
	l := rep.Load
	if l == nil {
		return e
	}
	var sampleRows, fullRows int64
	factor := map[string]float64{}
	for _, t := range l.Tables {
		full := int64(0)
		if rep.Clean != nil {
			for _, c := range rep.Clean.Tables {
				if c.Table == t.Table {
					full = int64(c.Clean)
				}
			}
		}
		if t.Table == postgres.QuarantineTable { // the rehearsal copies all of it
			full = t.Rows
		}
		if t.Rows > 0 {
			factor[t.Table] = float64(full) / float64(t.Rows)
		}
		sampleRows, fullRows = sampleRows+t.Rows, fullRows+full
	}
	rowFactor := 1.0
	if sampleRows > 0 {
		rowFactor = float64(fullRows) / float64(sampleRows)
	}
	sec := func(k string) float64 { return l.Seconds[k] }
	// The canary loads a sample of the same share with the same COPY and runs the same
	// queries: the rehearsal's own times, plus drawing the sample.
	var sampleCopy float64
	for _, t := range l.Tables {
		if t.Table != postgres.QuarantineTable {
			sampleCopy += (t.Copying + t.Indexing).Seconds()
		}
	}
	e.add("canary", dt.draw+sampleCopy+sec("kpis"), "the rehearsal's sample COPY and queries, and drawing the canary's sample")
	e.add("backup", dt.backup, "the wait for a backup of the staging store, made beside the clean stage and removed by this dry run")
	// The load: each table's job (COPY, then its indexes) at the rehearsal's rate times its
	// full rows, the jobs taken in the load's order by its parallel connections.
	var jobs []float64
	for _, t := range l.Tables {
		jobs = append(jobs, (t.Copying+t.Indexing).Seconds()*max(factor[t.Table], 1))
	}
	workers := parallel
	if workers <= 0 {
		workers = 2
	}
	copyWall := listSchedule(jobs, workers)
	// The load reconciles and scores the generation at once, on two connections.
	load := copyWall + max(sec("reconcile"), sec("score"))*rowFactor
	e.add("load", load, fmt.Sprintf("the rehearsal's rates on its sample times the full rows (x%.1f), on %d connections, with the longer of its reconcile measure and score (the load runs them at once) scaled", rowFactor, workers))
	// Not scaled by the rows: the KPIs' time follows them far less than proportionally (at
	// scale 1 the 23 queries took 0.26 s on the rehearsal's 10% sample and 0.57-0.79 s on all
	// the rows after the load; scaled by the rows the estimate said 5.4 s).
	e.add("kpis", sec("kpis"), "the rehearsal's KPI queries on its ANALYZEd sample, not scaled: their time hardly follows the rows")
	return e
}

// listSchedule is the wall time of jobs taken in order by the first free of n workers.
func listSchedule(jobs []float64, n int) float64 {
	free := make([]float64, max(n, 1))
	for _, j := range jobs {
		i := slices.Index(free, slices.Min(free))
		free[i] += j
	}
	return slices.Max(free)
}

func printEstimate(w io.Writer, e *estimate) {
	if e == nil {
		return
	}
	var parts []string
	for _, st := range e.Stages {
		parts = append(parts, fmt.Sprintf("%s %.1f", st.Stage, st.Seconds))
	}
	fmt.Fprintf(w, "estimated run: %.1fs (%s; run.json plan.estimate says from what)\n", e.Seconds, strings.Join(parts, ", "))
}
