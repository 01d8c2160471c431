package obs

import "github.com/prometheus/client_golang/prometheus"

// Info describes one of the run's metrics. Catalog is the list New registers from, so
// docs/monitoring.md (checked against it by a test) cannot drift from what a run exposes.
type Info struct {
	Name   string
	Type   string // counter or gauge
	Labels []string
	Help   string
}

var (
	rowsInfo = Info{"sdetl_rows_total", "counter", []string{"table", "step"},
		"Rows by table and pipeline step (read, in_scope, staged, quarantined, loaded) in this run."}
	inputBytesInfo = Info{"sdetl_input_bytes_total", "counter", []string{"table"},
		"Bytes of the export files read, by table."}
	stageSecondsInfo = Info{"sdetl_stage_duration_seconds", "gauge", []string{"stage"},
		"Wall time of each pipeline stage in this run."}
	qualityInfo = Info{"sdetl_quality_score", "gauge", []string{"store"},
		"Quality score 0-100 of each store (stage, clean, postgres)."}
	breakerInfo = Info{"sdetl_breaker_ratio", "gauge", []string{"table", "rule"},
		"Share of columns or values that tripped a circuit-breaker rule, by table and rule."}
	lastSuccessInfo = Info{"sdetl_last_success_timestamp_seconds", "gauge", nil,
		"Unix time the last successful run ended (0 if this run failed)."}
	runStartInfo = Info{"sdetl_run_start_timestamp_seconds", "gauge", nil,
		"Unix time this run started."}
	runSecondsInfo = Info{"sdetl_run_duration_seconds", "gauge", nil,
		"Wall time of this run."}
	runOutcomeInfo = Info{"sdetl_run_outcome", "gauge", []string{"outcome"},
		"1 for how this run ended (ok, error, preflight_failed, breaker_halted, gate_failed, canary_failed, reconciliation_failed, health_failed, interrupted)."}
	exitCodeInfo = Info{"sdetl_run_exit_code", "gauge", nil,
		"Exit code of this run."}
	inProgressInfo = Info{"sdetl_run_in_progress", "gauge", nil,
		"1 while the run goes, 0 once it ended."}
	currentStageInfo = Info{"sdetl_run_stage", "gauge", []string{"stage"},
		"1 for the stage the run is in."}
	// The KPIs are what the dashboards and alerts are for (docs/kpis.md); the label is the
	// value's stable name (sla_compliance, summary.tickets), as in sdetl kpi --json.
	kpiValueInfo = Info{"sdetl_kpi_value", "gauge", []string{"kpi"},
		"Value of each one-row KPI of the live schema this run made live, by stable name (no series while not available)."}
	// A state set (OpenMetrics): one series per status, 1 for the KPI's, so an alert is
	// sdetl_kpi_status{status="red"} == 1 and needs no thresholds of its own.
	kpiStatusInfo = Info{"sdetl_kpi_status", "gauge", []string{"kpi", "status"},
		"1 for each KPI's green/amber/red status under the contract's thresholds, 0 for the others."}
)

// Catalog is every metric a run registers, in the order docs/monitoring.md lists them.
func Catalog() []Info {
	return []Info{rowsInfo, inputBytesInfo, stageSecondsInfo, qualityInfo, breakerInfo, runOutcomeInfo, exitCodeInfo,
		runSecondsInfo, runStartInfo, lastSuccessInfo, inProgressInfo, currentStageInfo, kpiValueInfo, kpiStatusInfo}
}

func (i Info) counterVec() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: i.Name, Help: i.Help}, i.Labels)
}

func (i Info) gaugeVec() *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: i.Name, Help: i.Help}, i.Labels)
}

func (i Info) gauge() prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: i.Name, Help: i.Help})
}
