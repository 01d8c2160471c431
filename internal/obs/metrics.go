// Package obs exposes a run to monitoring: Prometheus metrics on a registry the caller owns
// (no globals, so tests and concurrent runs never share counters), written as a
// node_exporter textfile, served on a loopback /metrics while a run goes, and optionally
// pushed to a Pushgateway.
package obs

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are one run's metrics.
type Metrics struct {
	Registry *prometheus.Registry

	rows          *prometheus.CounterVec // by table and step (read, in_scope, staged, quarantined, loaded)
	inputBytes    *prometheus.CounterVec
	stageSeconds  *prometheus.GaugeVec
	quality       *prometheus.GaugeVec
	breakerShare  *prometheus.GaugeVec
	lastSuccess   prometheus.Gauge
	runStart      prometheus.Gauge
	runSeconds    prometheus.Gauge
	runOutcome    *prometheus.GaugeVec
	exitCode      prometheus.Gauge
	inProgress    prometheus.Gauge
	currentStage  *prometheus.GaugeVec
	kpiValue      *prometheus.GaugeVec
	kpiStatus     *prometheus.GaugeVec
	previousStage string
	stageStarted  time.Time
}

// New registers the run's metrics on reg.
func New(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		Registry:     reg,
		rows:         prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sdetl_rows_total", Help: "Rows by table and pipeline step (read, in_scope, staged, quarantined, loaded) in this run."}, []string{"table", "step"}),
		inputBytes:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sdetl_input_bytes_total", Help: "Bytes of the export files read, by table."}, []string{"table"}),
		stageSeconds: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sdetl_stage_duration_seconds", Help: "Wall time of each pipeline stage in this run."}, []string{"stage"}),
		quality:      prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sdetl_quality_score", Help: "Quality score 0-100 of each store (stage, clean, postgres)."}, []string{"store"}),
		breakerShare: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sdetl_breaker_ratio", Help: "Share of columns or values that tripped a circuit-breaker rule, by table and rule."}, []string{"table", "rule"}),
		lastSuccess:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "sdetl_last_success_timestamp_seconds", Help: "Unix time the last successful run ended (0 if this run failed)."}),
		runStart:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "sdetl_run_start_timestamp_seconds", Help: "Unix time this run started."}),
		runSeconds:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "sdetl_run_duration_seconds", Help: "Wall time of this run."}),
		runOutcome:   prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sdetl_run_outcome", Help: "1 for how this run ended (ok, error, preflight_failed, breaker_halted, gate_failed, canary_failed, reconciliation_failed, health_failed, interrupted)."}, []string{"outcome"}),
		exitCode:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "sdetl_run_exit_code", Help: "Exit code of this run."}),
		inProgress:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "sdetl_run_in_progress", Help: "1 while the run goes, 0 once it ended."}),
		currentStage: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sdetl_run_stage", Help: "1 for the stage the run is in."}, []string{"stage"}),
		// The KPIs are what the dashboards and alerts are for (docs/kpis.md); the label is the
		// value's stable name (sla_compliance, summary.tickets), as in sdetl kpi --json.
		kpiValue: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sdetl_kpi_value", Help: "Value of each one-row KPI of the live schema this run made live, by stable name (no series while not available)."}, []string{"kpi"}),
		// A state set (OpenMetrics): one series per status, 1 for the KPI's, so an alert is
		// sdetl_kpi_status{status="red"} == 1 and needs no thresholds of its own.
		kpiStatus: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sdetl_kpi_status", Help: "1 for each KPI's green/amber/red status under the contract's thresholds, 0 for the others."}, []string{"kpi", "status"}),
	}
	reg.MustRegister(m.rows, m.inputBytes, m.stageSeconds, m.quality, m.breakerShare, m.lastSuccess, m.runStart,
		m.runSeconds, m.runOutcome, m.exitCode, m.inProgress, m.currentStage,
		m.kpiValue, m.kpiStatus)
	return m
}

// Start marks the run as going.
func (m *Metrics) Start(t time.Time) {
	m.runStart.Set(float64(t.Unix()))
	m.inProgress.Set(1)
}

// Enter records that the run entered stage, ending the previous stage's clock; "" ends the
// last one. A nil Metrics records nothing, so the pipeline calls it unconditionally.
func (m *Metrics) Enter(stage string) {
	if m == nil {
		return
	}
	now := time.Now()
	if m.previousStage != "" {
		m.currentStage.DeleteLabelValues(m.previousStage)
		m.stageSeconds.WithLabelValues(m.previousStage).Add(now.Sub(m.stageStarted).Seconds())
	}
	m.previousStage, m.stageStarted = stage, now
	if stage != "" {
		m.currentStage.WithLabelValues(stage).Set(1)
	}
}

// Rows adds n rows of table at step.
func (m *Metrics) Rows(table, step string, n int64) {
	m.rows.WithLabelValues(table, step).Add(float64(n))
}

// InputBytes adds n bytes read for table.
func (m *Metrics) InputBytes(table string, n int64) {
	m.inputBytes.WithLabelValues(table).Add(float64(n))
}

// Quality sets a store's score.
func (m *Metrics) Quality(store string, score float64) { m.quality.WithLabelValues(store).Set(score) }

// Breaker sets a tripped rule's share.
func (m *Metrics) Breaker(table, rule string, share float64) {
	m.breakerShare.WithLabelValues(table, rule).Set(share)
}

// KPIValue sets a KPI value's gauge.
func (m *Metrics) KPIValue(name string, v float64) { m.kpiValue.WithLabelValues(name).Set(v) }

// KPIStatuses are the states of sdetl_kpi_status.
var KPIStatuses = []string{"green", "amber", "red"}

// KPIStatus sets a KPI's status series: 1 for status, 0 for the other KPIStatuses.
func (m *Metrics) KPIStatus(name, status string) {
	for _, st := range KPIStatuses {
		v := 0.0
		if st == status {
			v = 1
		}
		m.kpiStatus.WithLabelValues(name, st).Set(v)
	}
}

// End records how the run ended.
func (m *Metrics) End(outcome string, exitCode int, started, ended time.Time) {
	m.Enter("")
	m.inProgress.Set(0)
	m.runSeconds.Set(ended.Sub(started).Seconds())
	m.runOutcome.WithLabelValues(outcome).Set(1)
	m.exitCode.Set(float64(exitCode))
	if outcome == "ok" {
		m.lastSuccess.Set(float64(ended.Unix()))
	}
}
