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

// New registers the run's metrics (Catalog) on reg.
func New(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		Registry:     reg,
		rows:         rowsInfo.counterVec(),
		inputBytes:   inputBytesInfo.counterVec(),
		stageSeconds: stageSecondsInfo.gaugeVec(),
		quality:      qualityInfo.gaugeVec(),
		breakerShare: breakerInfo.gaugeVec(),
		lastSuccess:  lastSuccessInfo.gauge(),
		runStart:     runStartInfo.gauge(),
		runSeconds:   runSecondsInfo.gauge(),
		runOutcome:   runOutcomeInfo.gaugeVec(),
		exitCode:     exitCodeInfo.gauge(),
		inProgress:   inProgressInfo.gauge(),
		currentStage: currentStageInfo.gaugeVec(),
		kpiValue:     kpiValueInfo.gaugeVec(),
		kpiStatus:    kpiStatusInfo.gaugeVec(),
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
