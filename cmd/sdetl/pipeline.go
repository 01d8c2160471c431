package main

import (
	"context"
	"fmt"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/exports"
	"github.com/sdetl/sdetl/internal/filesum"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/obs"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/quality"
	rc "github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
)

// The pipeline run and demo share, and the stages the single-stage commands share with it.

type runOptions struct {
	exports, dsn     string
	work             workdir
	fresh, dryRun    bool
	minQuality       float64
	adopt            string // --adopt-schema
	mig              migrateFlags
	run              *postgres.Run // the ledger's run holding the lock, once begun
	limits           exports.Limits
	noCanary         bool           // --no-canary
	canarySeed       uint64         // --canary-seed
	canaryQueries    []string       // --canary-query files
	noBackup         bool           // --no-backup
	keepRuns         int            // --keep-runs (0: defaultKeepRuns)
	metrics          *obs.Metrics   // nil: no metrics
	log              *runLog        // nil: no run log
	clock            *stageClock    // the stages' durations, for the report
	sums             *filesum.Cache // the work dir's file fingerprints (nil: hash every time)
	preflightSeconds float64        // how long the run's preflight took (the dry run's estimate)
	health           health.Limits  // checked in every long stage (--health-*)

	settling *sync.WaitGroup // settleSums begun beside the load (nil: none)
}

// enter tells the metrics and the log that the run entered stage.
func (o runOptions) enter(stage string) {
	o.metrics.Enter(stage)
	o.log.enter(stage)
	o.clock.enter(stage)
	// The stage's goroutines (those it starts from here on) are labelled with it, so that a
	// profile (SDETL_CPUPROFILE) splits by stage: go tool pprof -tagfocus stage=clean.
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("stage", stage)))
}

// pipeline runs import -> profile -> breaker -> score -> clean -> score -> gate -> canary (a
// sample loaded and checked in a throwaway schema, exit 6 when it fails) -> load (which
// scores the new schema before it goes live) -> reconciliation. The report always comes back,
// also written to run.json, and says how the run ended; when a judgement stopped the run, it
// shows why.
func pipeline(ctx context.Context, e *env, s *contract.Spec, o runOptions) (*runReport, error) {
	start := time.Now()
	rep := &runReport{Exports: o.exports, Database: describeDSN(o.dsn), Schema: s.Schema, DryRun: o.dryRun, ID: o.log.runID(start)}
	rep.Scores.Gate = o.minQuality
	o.clock = &stageClock{}
	err := runStages(ctx, e, s, o, rep)
	o.clock.enter("")
	rep.Stages, rep.Report = o.clock.stages, o.work.report()
	rep.EndedAt = time.Now().UTC()
	rep.Seconds = rep.EndedAt.Sub(start).Seconds()
	rep.ExitCode, rep.Outcome = ending(ctx, err)
	if err != nil {
		rep.Error = oneLine(err.Error())
	}
	if werr := writeJSONFile(o.work.runJSON(), rep); err == nil {
		err = werr
	}
	liveKPIs(ctx, s, o, rep)
	x := reportExtrasOf(ctx, o, rep)
	if werr := keepRun(o.work, rep, x, o.keepRuns); werr != nil && err == nil {
		err = werr
	}
	if werr := renderReport(rep, x, rep.Report); werr != nil && err == nil {
		err = fmt.Errorf("report: %w", werr)
	}
	return rep, err
}

func runStages(ctx context.Context, e *env, s *contract.Spec, o runOptions, rep *runReport) (err error) {
	// Before anything is read: a contract naming a schema sdetl does not own stops here.
	if err := postgres.CheckOwnership(ctx, o.dsn, s, o.adopt); err != nil {
		return err
	}
	contractSum, err := specFingerprint(s) // before the profile's date orders change s
	if err != nil {
		return err
	}
	var run *postgres.Run
	if !o.dryRun { // a real run holds the lock and its ledger row from here to the end
		if run, err = postgres.BeginRun(ctx, o.dsn, s, "run", o.mig.lockWait); err != nil {
			return err
		}
		o.run, rep.RunID, rep.Recovered = run, run.ID, run.Recovered
		for _, line := range run.Recovered {
			fmt.Fprintf(e.stderr, "sdetl: %s\n", line)
		}
		defer func() {
			status := postgres.StatusOK
			switch {
			case err != nil:
				status = postgres.StatusFailed
			case rep.Load != nil && rep.Load.NothingToDo:
				status = postgres.StatusNothing
			}
			if ferr := run.Finish(ctx, status, ledgerDetails(rep), err); err == nil {
				err = ferr
			}
		}()
	}
	o.enter("import")
	if rep.Import, err = importStage(ctx, e, s, o.exports, o.work.stage(), o.fresh, o.limits, o.health, o.sums); err != nil {
		return err
	}
	// The staging store's hash is taken beside the stages that follow: a first run, with no
	// earlier clean to compare, needs it only in the backup's manifest and at the end of clean.
	mf := goAhead(func() (madeFrom, error) { return currentMadeFrom(ctx, o, contractSum) })
	var reuse *reuseRecord // the clean store kept from an earlier run on these inputs, if any
	if !o.dryRun {         // a dry run measures every stage: it reuses nothing
		var why string
		if reuse, why, err = reusableClean(ctx, o, mf, o.minQuality); err != nil {
			return err
		} else if reuse != nil {
			if err := applyReuse(s, reuse, rep); err != nil {
				return err
			}
			rep.Reused = append(rep.Reused, fmt.Sprintf("profile, scores and clean: the staging store, contract and tool are those clean.db was made from (run %d)", reuse.RunID))
		} else if o.log != nil {
			o.log.Info("clean store not reused", "why", why)
		}
	}
	reusedClean := reuse != nil // an unchanged re-run: only then is an earlier backup this run's
	var keptBackup string       // that backup's id
	var bk *aheadBackup         // the backup made while clean and canary run (backupahead.go)
	if !o.noBackup {
		if reusedClean && !o.dryRun {
			keptBackup, _ = stagedBackup(ctx, o, reuse.MadeFrom.Stage) // reusableClean proved it current
		}
		if keptBackup == "" {
			if bk, err = startBackup(ctx, o, mf); err != nil {
				return err
			}
		}
		defer bk.abandon() // a run that fails before the load keeps no backup of its own
	}
	if reuse == nil {
		if err := cleanPhases(ctx, e, s, o, rep, mf); err != nil {
			return err
		}
	}
	if err := quality.Gate(rep.Scores.Clean, o.minQuality); err != nil {
		return err
	}
	if !o.dryRun && kpiApplies(s) { // comment_quality (docs/kpis.md): created empty once, beside the live schema
		if err := postgres.EnsureQuality(ctx, o.dsn, s.Schema); err != nil {
			return err
		}
	}
	lo := postgres.LoadOptions{Spec: s, Clean: o.work.clean(), DSN: o.dsn, Run: run,
		BeforeSwap: scoreBeforeSwap(s, rep.Scores.Clean, &rep.Scores.Postgres), AdoptSchema: o.adopt, Health: o.health}
	o.mig.apply(&lo)
	if !o.dryRun && reuse != nil {
		lo.Want = reuse.Measures
	} else if !o.dryRun { // the clean stage measured the store as it wrote it
		lo.Want = rep.Clean.Measures
		if reuse, err = newReuse(ctx, o, mf, rep, lo.Want); err != nil {
			return err
		}
	}
	// The canary runs even when the load will find nothing to do: it also proves the shipped
	// queries, which may have changed while the data did not. Unless it passed on exactly these
	// inputs (data, queries, database) and live already holds this data: then it protects no
	// load and proves nothing new.
	o.enter("canary")
	err = canaryUnlessPassed(ctx, e, s, o, rep, reuse, lo)
	if reuse != nil { // a new record is saved also when the canary fails: the next run reuses the clean
		if serr := reuse.save(o.work); err == nil {
			err = serr
		}
	}
	if err != nil {
		return err
	}
	var dry dryTimes
	if o.dryRun {
		if dry, err = dryMeasure(ctx, s, o, rep.Clean.Sample); err != nil {
			return err
		}
		lo.DryRun, lo.SampleEvery = true, 10
		lo.BeforeSwap = scoreBeforeSwap(s, nil, &rep.Scores.Postgres) // a sample: not comparable
		if kpiApplies(s) {
			lo.KPIQueries = kpi.Queries(s.KPIParams(), "")
		}
	}
	o.enter("backup") // the load starts only once the backup is complete and verified
	switch {
	case keptBackup != "":
		rep.Backup = keptBackup
		rep.Reused = append(rep.Reused, "backup: this staging store is backed up and verified as "+keptBackup)
	case bk != nil && o.dryRun: // the rehearsal: what the run would wait for it
		began := time.Now()
		if _, err := bk.wait(e); err != nil {
			return err
		}
		dry.backup = time.Since(began).Seconds()
	case bk != nil:
		if rep.Backup, err = phase(e, "backup", "backing up the staging store", func() (string, error) { return bk.wait(e) }); err != nil {
			return err
		}
	}
	if o.settling != nil { // nothing writes the stores or the exports from here on
		o.settling.Add(1)
		go func() {
			defer o.settling.Done()
			settleSums(ctx, o, rep)
		}()
	}
	o.enter("load")
	if rep.Load, err = loadStage(ctx, e, lo); err != nil {
		return err
	}
	for _, w := range rep.Load.Warnings { // also printed in the summary
		o.log.warn("load", "warning", w)
	}
	if o.dryRun {
		rep.Plan = makePlan(s, rep)
		rep.Plan.Estimate = estimateRun(s, rep, o.clock.stages, dry, o.mig.parallel)
		return nil
	}
	if r := reusableKPIs(ctx, o, s, rep); r != nil {
		rep.Reused = append(rep.Reused, fmt.Sprintf("KPIs: as computed on this generation in run %d, but for those reading comment_quality", r.KPIRun))
	}
	if len(rep.Reused) > 0 {
		fmt.Fprintf(e.stderr, "sdetl: %s\n", reuseNote(rep.Reused))
	}
	if rep.Load.NothingToDo {
		fmt.Fprintf(e.stderr, "sdetl: nothing to do: the live schema %s already holds exactly these rows (--force loads a new generation anyway)\n", s.Schema)
	}
	o.enter("reconcile")
	live, err := phase(e, "reconcile", "counting the live rows", func() (*postgres.LiveCounts, error) {
		return postgres.Counts(ctx, o.dsn, s)
	})
	if err != nil {
		return err
	}
	if bad := reconcile(s, rep, live); len(bad) > 0 {
		return fmt.Errorf("%w: %v", outcome.ErrReconcile, bad)
	}
	return nil
}

// cleanPhases are profile -> breaker -> score the staging store -> clean (recording in the
// clean store what it is made from) -> score the clean store.
func cleanPhases(ctx context.Context, e *env, s *contract.Spec, o runOptions, rep *runReport, mf *ahead[madeFrom]) (err error) {
	// The import measured the profile and the stage score as it staged the rows; only tables
	// it did not see whole (rows of earlier imports) are read back, once for both.
	o.enter("profile")
	if rep.Profile, err = phase(e, "profile", "profiling the staged columns", func() (*profile.Report, error) {
		// The import measured the profile as it staged; what it could not see is read now.
		if err := o.health.For("profile", nil).Now(); err != nil {
			return nil, err
		}
		return rep.Import.Measured.Profile(ctx)
	}); err != nil {
		return err
	}
	if halt := rep.Profile.Breaker.Err(); halt != nil {
		return fmt.Errorf("%w; nothing was cleaned or loaded (sdetl profile shows every column)", halt)
	}
	if rep.DateOrders, err = applyDateOrders(s, rep.Profile); err != nil {
		return err
	}
	o.enter("score")
	if rep.Scores.Stage, err = phase(e, "score", "scoring the stage store", func() (*quality.Report, error) {
		return rep.Import.Measured.Score(ctx)
	}); err != nil {
		return err
	}
	o.enter("clean")
	// The clean store is scored and measured for the reconciliation as it is written (the same
	// report as sdetl score --store clean, the same measures as clean.Measure).
	madeFrom := func() (string, error) {
		m, err := mf.get()
		return m.String(), err
	}
	// The canary's sample is drawn as the store is written (also in a dry run, which times
	// the clean and the draw of a real run for its estimate).
	var sample *uint64
	if !o.noCanary {
		sample = &o.canarySeed
	}
	if rep.Clean, err = cleanStage(ctx, e, s, o.work, false, time.Now(), true, o.health, madeFrom, sample); err != nil {
		return err
	}
	rep.Scores.Clean = rep.Clean.Score
	return nil
}

// reconcile fills the report's per-table summary and returns the tables where staged rows !=
// loaded + quarantined rows, counted in PostgreSQL.
func reconcile(s *contract.Spec, rep *runReport, live *postgres.LiveCounts) (bad []string) {
	for _, t := range s.Tables {
		ts := tableSummary{Table: t.Name, Loaded: live.Rows[t.Name], Quarantined: live.Quarantined[t.Name]}
		for _, a := range rep.Import.Files {
			if a.Table == t.Name {
				ts.Read, ts.InScope = a.RowsRead, a.InScope
			}
		}
		for _, c := range rep.Clean.Tables {
			if c.Table == t.Name {
				ts.Staged = c.Staged
			}
		}
		ts.Reconciled = int64(ts.Staged) == ts.Loaded+ts.Quarantined
		if !ts.Reconciled {
			bad = append(bad, fmt.Sprintf("%s: staged %d != loaded %d + quarantined %d", t.Name, ts.Staged, ts.Loaded, ts.Quarantined))
		}
		rep.Tables = append(rep.Tables, ts)
	}
	return bad
}

// measureClean measures the clean store for the reconciliation of the generation (sdetl load:
// a run takes the measures as it cleans).
func measureClean(ctx context.Context, s *contract.Spec, w workdir, h health.Limits) (*rc.Measures, error) {
	return clean.MeasureChecked(ctx, s, w.clean(), h.For("reconcile", nil))
}

// ledgerDetails is what the ledger records of a run: inputs' hashes, counts per stage, scores
// and timings.
func ledgerDetails(rep *runReport) *postgres.RunDetails {
	d := &postgres.RunDetails{Counts: map[string]any{}, Scores: map[string]float64{}, Timings: map[string]float64{"run": rep.Seconds}}
	if rep.Import != nil {
		for _, f := range rep.Import.Files {
			d.Inputs = append(d.Inputs, postgres.InputFile{Table: f.Table, Path: f.Path, SHA256: f.SHA256})
		}
	}
	for name, r := range map[string]*quality.Report{"stage": rep.Scores.Stage, "clean": rep.Scores.Clean, "postgres": rep.Scores.Postgres} {
		if r != nil {
			d.Scores[name] = r.Composite
		}
	}
	if rep.Clean != nil {
		d.Counts["clean"] = rep.Clean.Tables
	}
	if rep.Load != nil {
		d.Counts["loaded"] = rep.Load.Tables
		d.Swap = rep.Load.Swap
		for k, v := range rep.Load.Seconds {
			d.Timings[k] = v
		}
	}
	d.Counts["reconciled"] = rep.Tables
	return d
}

func importStage(ctx context.Context, e *env, s *contract.Spec, dir, out string, fresh bool, lim exports.Limits, h health.Limits, sums *filesum.Cache) (_ *stage.Result, err error) {
	p := newProgress(e, "import")
	defer func() { p.finish(err) }()
	return stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: out, Fresh: fresh, Limits: lim, Progress: p.updateDone, Measure: true, Health: h, Sum: sums.Sum})
}

// cleanStage writes the clean store; with scoreAt set it also scores it (Report.Score), with
// measure it also takes the reconciliation's measures (Report.Measures), with sample the
// canary's sample for that seed (Report.Sample).
func cleanStage(ctx context.Context, e *env, s *contract.Spec, w workdir, changes bool, scoreAt time.Time, measure bool, h health.Limits, madeFrom func() (string, error), sample *uint64) (_ *clean.Report, err error) {
	p := newProgress(e, "clean")
	defer func() { p.finish(err) }()
	if n, err := store.RowCounts(ctx, w.stage()); err == nil { // the totals, for the ETA
		for _, t := range s.Tables {
			if c, ok := n["stg_"+t.Name]; ok {
				p.expect(t.Name, c)
			}
		}
	}
	o := clean.Options{Spec: s, Stage: w.stage(), Out: w.clean(),
		CellChanges: changes, MadeFrom: madeFrom, Progress: p.update, Health: h, ScoreAt: scoreAt, Measure: measure}
	if sample != nil {
		o.Sample, o.SampleSeed = true, *sample
	}
	return clean.Run(ctx, o)
}

// adoptUsage documents --adopt-schema, the upgrade path from versions that kept no records.
const adoptUsage = "let this load replace the named `schema` although sdetl has no record of creating it (one an earlier sdetl\nversion loaded); refused unless it holds only the contract's tables and quarantine"

func loadStage(ctx context.Context, e *env, o postgres.LoadOptions) (_ *postgres.LoadResult, err error) {
	p := newProgress(e, "load")
	defer func() { p.finish(err) }()
	if o.Want != nil {
		for _, t := range o.Spec.Tables {
			if m := o.Want.Tables[t.Name]; m != nil {
				p.expect(t.Name, m.Rows)
			}
		}
	}
	p.setPhase("copying the tables")
	o.Progress = func(table string, rows int) { p.update(table, rows) }
	o.Phase = func(name string) {
		if name == "swap" { // the swap is a stage of its own
			p.done()
			p = newProgress(e, "swap")
		}
		p.setPhase(name)
	}
	return postgres.Load(ctx, o)
}

// scoreStore scores the staging or the clean store of a work dir.
func scoreStore(ctx context.Context, s *contract.Spec, which string, w workdir) (*quality.Report, error) {
	path, src := w.stage(), stage.QualitySource
	if which == "clean" {
		path, src = w.clean(), clean.QualitySource
	}
	db, err := store.OpenReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("%s store: %w", which, err)
	}
	defer db.Close()
	return quality.Score(ctx, s, src(db), time.Now())
}

func scorePG(ctx context.Context, s *contract.Spec, dsn string) (*quality.Report, error) {
	conn, err := postgres.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	return quality.Score(ctx, s, postgres.QualitySource(conn, s.Schema), time.Now())
}

// applyDateOrders makes the clean stage read each date column as its own evidence decided:
// in the order the evidence shows (or, where the column's values are all ambiguous and the
// contract states no order, the evidence of the file's other date columns), where that differs
// from the contract, and with bare numbers read as dates only where the column's dates are
// numbers (the profile reports every such decision; the returned lines name the ones that
// change something). A column whose order is still unresolved is an error, one line each: it
// is never read in a guessed order.
func applyDateOrders(s *contract.Spec, p *profile.Report) ([]string, error) {
	var changed, unresolved []string
	for _, tr := range p.Tables {
		t := s.Table(tr.Table)
		for _, cr := range tr.Columns {
			c := t.Column(cr.Name)
			if c == nil || !c.Type.IsDated() {
				continue
			}
			if cr.DateOrder != nil && cr.DateOrder.Basis == profile.BasisUnresolved {
				unresolved = append(unresolved, profile.UnresolvedMessage(t.Name, cr))
				continue
			}
			if cr.DateOrder != nil && cr.DateOrder.Basis == profile.BasisSibling && cr.DateOrder.Order != c.DateOrder {
				c.DateOrder = cr.DateOrder.Order
				changed = append(changed, fmt.Sprintf("%s.%s: %s by its sibling columns %s", t.Name, c.Name, c.DateOrder, strings.Join(cr.DateOrder.DecidedBy, ", ")))
				continue
			}
			if nd := cr.NumberDates; nd != nil && nd.Span != nil {
				c.NumberDates = nd.Span
				if nd.Outside > 0 {
					changed = append(changed, fmt.Sprintf("%s.%s: numbers read as dates only within %s (%d outside)", t.Name, c.Name, nd.Span, nd.Outside))
				}
			}
			if cr.DateOrder == nil || cr.DateOrder.Basis != profile.BasisEvidence || cr.DateOrder.Order == c.DateOrder {
				continue
			}
			c.DateOrder = cr.DateOrder.Order
			changed = append(changed, fmt.Sprintf("%s.%s: %s by evidence", t.Name, c.Name, c.DateOrder))
		}
	}
	if len(unresolved) > 0 {
		return changed, fmt.Errorf("%w: %s", outcome.ErrBreaker, strings.Join(unresolved, "; "))
	}
	return changed, nil
}

// scoreBeforeSwap scores the new schema inside the load transaction; a score below the clean
// store's means the load lost or damaged something, so the swap must not happen.
func scoreBeforeSwap(s *contract.Spec, clean *quality.Report, out **quality.Report) func(context.Context, quality.Source) error {
	return func(ctx context.Context, src quality.Source) error {
		r, err := quality.Score(ctx, s, src, time.Now())
		if err != nil {
			return fmt.Errorf("score the loaded schema: %w", err)
		}
		*out = r
		if clean != nil && r.Composite < clean.Composite {
			return fmt.Errorf("%w: the loaded schema scores %.2f, below the clean store's %.2f", outcome.ErrReconcile, r.Composite, clean.Composite)
		}
		return nil
	}
}
