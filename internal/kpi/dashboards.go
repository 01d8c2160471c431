package kpi

import (
	"encoding/json"
	"fmt"
)

// The Grafana dashboards of dashboards/ are generated from the shipped queries (Dashboards), so
// a panel's SQL is always a KPI's SQL with the default parameters written in; a test keeps the
// files equal to this output and another executes every panel's SQL against a loaded schema.
// Panels name tables unqualified: the Grafana role's search_path is set to the live schema and
// its _ext schema (docs/dashboards.md), so a swap or rollback never breaks a panel.

// DatasourceUID is the PostgreSQL datasource the dashboards use (deploy/grafana provisioning).
const DatasourceUID = "sdetl-postgres"

// dashboard lists a dashboard's panels: KPI names, or extra panels with their own SQL.
type dashboard struct {
	uid, title string
	panels     []panelSpec
}

type panelSpec struct {
	kpi   string // a KPI name, or "" with title and sql
	title string
	sql   string
}

var dataQualityPanels = []panelSpec{
	{kpi: "data_quality"},
	{kpi: "summary"},
	{title: "Quarantine by table and rule", sql: "SELECT q.table_name, q.rule, q.severity, count(*) AS rows\nFROM quarantine q\nGROUP BY 1, 2, 3\nORDER BY 4 DESC"},
	{title: "Run history (ledger)", sql: "SELECT r.run_id, r.kind, r.status, r.started_at, r.ended_at, r.generation, r.error\nFROM sdetl.runs r\nORDER BY r.run_id DESC\nLIMIT 50"},
}

var dashboardList = []dashboard{
	{"sdetl-executive", "Service desk — executive", kpis("sla_compliance", "avg_resolution_days", "fcr", "communication_coverage", "comment_quality", "monthly_volume", "summary")},
	{"sdetl-operations", "Service desk — operations", kpis("reassignment_rate", "root_cause_top10", "resolution_trend", "fcr_distribution", "reassignment_distribution", "category_distribution", "root_cause_sample", "quality_tiers")},
	{"sdetl-teams", "Service desk — team performance", kpis("team_workload", "team_efficiency", "resolution_by_team", "team_communication_coverage", "team_specialisation", "team_fcr", "agent_productivity")},
	{"sdetl-data-quality", "Service desk — data quality", dataQualityPanels},
}

func kpis(names ...string) []panelSpec {
	out := make([]panelSpec, len(names))
	for i, n := range names {
		out[i] = panelSpec{kpi: n}
	}
	return out
}

// Dashboards returns each dashboard's file name and Grafana JSON.
func Dashboards() (map[string][]byte, error) {
	p := DefaultParams()
	out := map[string][]byte{}
	for _, d := range dashboardList {
		var panels []map[string]any
		for i, ps := range d.panels {
			title, sql, kind := ps.title, ps.sql, "table"
			if ps.kpi != "" {
				def, ok := ByName(ps.kpi)
				if !ok {
					return nil, fmt.Errorf("dashboard %s: no KPI %q", d.uid, ps.kpi)
				}
				title = fmt.Sprintf("%d. %s", def.ID, def.Title)
				sql = def.Inline(p, "")
				if def.One && def.Labels == 0 {
					kind = "stat"
				}
			}
			panels = append(panels, map[string]any{
				"id":         i + 1,
				"type":       kind,
				"title":      title,
				"datasource": map[string]string{"type": "grafana-postgresql-datasource", "uid": DatasourceUID},
				"gridPos":    map[string]int{"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i / 2)},
				"targets": []map[string]any{{
					"refId": "A", "datasource": map[string]string{"type": "grafana-postgresql-datasource", "uid": DatasourceUID},
					"editorMode": "code", "format": "table", "rawQuery": true, "rawSql": sql,
				}},
			})
		}
		b, err := json.MarshalIndent(map[string]any{
			"uid": d.uid, "title": d.title, "tags": []string{"sdetl"}, "timezone": "browser",
			"schemaVersion": 39, "version": 1, "editable": true,
			"time":   map[string]string{"from": "now-1y", "to": "now"},
			"panels": panels,
		}, "", "  ")
		if err != nil {
			return nil, err
		}
		out[d.uid+".json"] = append(b, '\n')
	}
	return out, nil
}
