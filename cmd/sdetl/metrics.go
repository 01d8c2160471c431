package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/obs"
)

// metricsFlags are run's monitoring flags.
type metricsFlags struct {
	textfile, addr, push *string
}

func (f *flags) withMetrics() metricsFlags {
	return metricsFlags{
		textfile: f.String("metrics-textfile", "", "write the run's metrics to `DIR`/sdetl.prom for node_exporter's textfile collector (atomically)"),
		addr:     f.String("metrics-addr", "", "serve /metrics on this loopback `ADDR` (e.g. 127.0.0.1:9464) while the run goes"),
		push:     f.String("push", "", "push the run's metrics to the Pushgateway at `URL` when it ends"),
	}
}

// startMetrics makes the run's registry and, with --metrics-addr, serves it. finish records
// the report's numbers and writes and pushes them.
func startMetrics(e *env, mf metricsFlags) (m *obs.Metrics, finish func(ctx context.Context, rep *runReport, started time.Time) error, err error) {
	m = obs.New(prometheus.NewRegistry())
	m.Start(time.Now())
	stop := func() {}
	if *mf.addr != "" {
		var bound string
		if bound, stop, err = obs.Serve(*mf.addr, m.Registry); err != nil {
			return nil, nil, usageError{err.Error()}
		}
		fmt.Fprintf(e.stderr, "sdetl: metrics on http://%s/metrics while the run goes\n", bound)
	}
	finish = func(ctx context.Context, rep *runReport, started time.Time) error {
		defer stop()
		recordReport(m, rep)
		m.End(rep.Outcome, rep.ExitCode, started, time.Now())
		if *mf.textfile != "" {
			if err := obs.WriteTextfile(*mf.textfile, "sdetl", m.Registry); err != nil {
				return err
			}
		}
		if *mf.push != "" {
			return obs.Push(ctx, *mf.push, m.Registry)
		}
		return nil
	}
	return m, finish, nil
}

// recordReport copies the run report's numbers into the metrics: one source for both, so
// they cannot disagree.
func recordReport(m *obs.Metrics, rep *runReport) {
	for _, t := range rep.Tables {
		m.Rows(t.Table, "read", int64(t.Read))
		m.Rows(t.Table, "in_scope", int64(t.InScope))
		m.Rows(t.Table, "staged", int64(t.Staged))
		m.Rows(t.Table, "quarantined", t.Quarantined)
		m.Rows(t.Table, "loaded", t.Loaded)
	}
	if rep.Import != nil {
		for _, a := range rep.Import.Files {
			if st, err := os.Stat(a.Path); err == nil {
				m.InputBytes(a.Table, st.Size())
			}
		}
	}
	if s := rep.Scores.Stage; s != nil {
		m.Quality("stage", s.Composite)
	}
	if s := rep.Scores.Clean; s != nil {
		m.Quality("clean", s.Composite)
	}
	if s := rep.Scores.Postgres; s != nil {
		m.Quality("postgres", s.Composite)
	}
	if rep.Profile != nil {
		for _, t := range rep.Profile.Breaker.Trips {
			m.Breaker(t.Table, t.Rule, t.Share)
		}
	}
	// The KPIs only when this run made the schema live (liveKPIs): a failed run's gauges
	// would describe data it did not load. A NULL or not-available value has no series.
	for name, v := range kpi.Values(rep.kpis) {
		if v != nil {
			m.KPIValue(name, *v)
		}
	}
	for _, r := range rep.kpis {
		if r.Status == kpi.Green || r.Status == kpi.Amber || r.Status == kpi.Red {
			m.KPIStatus(r.Name, string(r.Status))
		}
	}
}
