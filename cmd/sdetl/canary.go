package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/canary"
	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/store"
)

// canaryReport is what the canary did, in run.json.
type canaryReport struct {
	Schema   string           `json:"schema"`
	Seed     uint64           `json:"seed"`
	Share    float64          `json:"share"`
	Rows     map[string]int   `json:"rows"`   // sampled rows per table
	Strata   map[string]int   `json:"strata"` // strata per table (0: it follows another table)
	Queries  int              `json:"queries"`
	Failures []canary.Failure `json:"failures"`
	Observed *canary.Observed `json:"observed,omitempty"`
	Seconds  float64          `json:"seconds"`
	// Steps are the wall seconds of the stage's steps: sample (drawing it from the clean
	// store; about nothing when the clean drew it as it wrote the store), create, load,
	// observe, queries, drop (postgres.CanaryOptions.Seconds) and check;
	// copy, index and analyze are each summed over the tables, loaded two at a time.
	Steps    map[string]float64  `json:"step_seconds,omitempty"`
	Skipped  bool                `json:"skipped,omitempty"` // --no-canary, or passed before on these inputs
	Why      string              `json:"skipped_why,omitempty"`
	Expected *canary.Expectation `json:"-"`
}

// canaryStage draws the stratified sample of the clean store, loads it into the canary schema,
// checks it against the contract and the profile, runs every shipped query on it, and drops
// it. A failed check ends the run with outcome.ErrCanary (exit 6) before the full load begins.
// drawn, when set, is the sample this run's clean drew as it wrote the store (DrawSample's on
// it); it is used when drawn with the canary's seed and share, else the sample is drawn here.
func canaryStage(ctx context.Context, e *env, s *contract.Spec, o runOptions, prof *profile.Report, drawn *clean.Sample) (*canaryReport, error) {
	start := time.Now()
	queries, err := canaryQueries(s, o.canaryQueries)
	if err != nil {
		return nil, err
	}
	sm := drawn
	if !drawnFor(drawn, s, o) {
		if sm, err = drawSample(ctx, s, o); err != nil {
			return nil, err
		}
	}
	steps := map[string]float64{"sample": time.Since(start).Seconds()}
	rep := &canaryReport{Schema: postgres.CanarySchema(s), Seed: sm.Seed, Share: sm.Share, Rows: sm.Rows, Strata: sm.Strata, Queries: len(queries), Steps: steps}
	p := newProgress(e, "canary")
	for t, n := range sm.Rows {
		p.expect(t, int64(n))
	}
	obs, err := postgres.Canary(ctx, postgres.CanaryOptions{Spec: s, Clean: o.work.clean(), DSN: o.dsn, Where: sm.Where,
		Queries: queries, AdoptSchema: o.adopt, Progress: p.update, Run: o.run, Health: o.health, Seconds: steps})
	p.finish(err)
	rep.Seconds = time.Since(start).Seconds()
	if err != nil {
		return rep, err
	}
	rep.Observed = obs
	checking := time.Now()
	rep.Failures = append([]canary.Failure{}, canary.Check(canary.Expect(s, prof, sm.Rows, postgres.FormatType), obs, s.Canary)...) // [] when all passed
	steps["check"] = time.Since(checking).Seconds()
	rep.Seconds = time.Since(start).Seconds()
	if len(rep.Failures) > 0 {
		return rep, fmt.Errorf("%w: %s; nothing was loaded, the live schema is untouched", outcome.ErrCanary, canary.Message(rep.Failures))
	}
	return rep, nil
}

// drawnFor reports whether drawn, the sample the clean drew as it wrote the store, is the
// canary's: drawn with its seed and share.
func drawnFor(drawn *clean.Sample, s *contract.Spec, o runOptions) bool {
	return drawn != nil && drawn.Seed == o.canarySeed && drawn.Share == s.Canary.Share
}

// drawSample draws the canary's sample from the clean store.
func drawSample(ctx context.Context, s *contract.Spec, o runOptions) (*clean.Sample, error) {
	db, err := store.OpenReadOnly(o.work.clean())
	if err != nil {
		return nil, fmt.Errorf("clean store: %w", err)
	}
	defer db.Close()
	return clean.DrawSample(ctx, db, s, o.canarySeed)
}

// canaryQueries are the queries the canary must see execute: the dashboards' basic ones (a
// count and a group-by per table), the 23 KPI queries (comment_quality read from the live
// schema's _ext schema, which the run created before the canary), plus every --canary-query
// file.
func canaryQueries(s *contract.Spec, files []string) ([]canary.Query, error) {
	qs := canary.DefaultQueries(s)
	if kpiApplies(s) {
		for _, q := range kpi.Queries(kpi.DefaultParams(), postgres.QualityTableName(s.Schema)) {
			qs = append(qs, canary.Query{Name: "kpi " + q.Name, SQL: q.SQL})
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--canary-query: %w", err)
		}
		qs = append(qs, canary.Query{Name: filepath.Base(f), SQL: strings.TrimSpace(string(b))})
	}
	return qs, nil
}

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }
