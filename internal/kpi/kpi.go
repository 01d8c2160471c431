package kpi

import (
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// Def is one KPI. Its query returns Labels text columns first, then numeric value columns; a
// scalar KPI (Labels 0) returns exactly one row.
type Def struct {
	ID     int    `json:"id"`
	Name   string `json:"name"` // stable: truth.json, --only, metrics and dashboards use it
	Title  string `json:"title"`
	Tier   string `json:"tier"` // critical | high | medium | low (SPEC 6.2)
	Unit   string `json:"unit,omitempty"`
	Labels int    `json:"labels"`
	// One: the answer is one row, whose values are the KPI's numbers (Values flattens them).
	One bool `json:"one_row,omitempty"`
	// RAG judges the value column named Column (every row of a table; the worst row decides);
	// nil: the KPI is informational.
	RAG *Thresholds `json:"rag,omitempty"`
	// Quality: the KPI reads comment_quality and is "not available" while it is empty.
	Quality bool   `json:"quality,omitempty"`
	File    string `json:"file"`
	SQL     string `json:"-"`
}

// Scalar reports whether the KPI is one row of values rather than a table.
func (d *Def) Scalar() bool { return d.One }

// Thresholds are a KPI's red/amber/green bands: green at or beyond Green, red beyond Red, amber
// between. HigherBetter says which way "beyond" is.
type Thresholds struct {
	Column       string  `json:"column"`
	Green        float64 `json:"green"`
	Red          float64 `json:"red"`
	HigherBetter bool    `json:"higher_better"`
}

// Status is a RAG verdict.
type Status string

const (
	Green        Status = "green"
	Amber        Status = "amber"
	Red          Status = "red"
	None         Status = ""              // informational KPI
	NotAvailable Status = "not available" // comment_quality is empty
)

// Judge rates one value.
func (t *Thresholds) Judge(v float64) Status {
	if t.HigherBetter {
		switch {
		case v >= t.Green:
			return Green
		case v < t.Red:
			return Red
		}
		return Amber
	}
	switch {
	case v <= t.Green:
		return Green
	case v > t.Red:
		return Red
	}
	return Amber
}

func hi(col string, green, red float64) *Thresholds {
	return &Thresholds{Column: col, Green: green, Red: red, HigherBetter: true}
}
func lo(col string, green, red float64) *Thresholds {
	return &Thresholds{Column: col, Green: green, Red: red}
}

// defs is the list of SPEC 6.2; the SQL is read from sql/<file>.
var defs = []Def{
	{ID: 1, Name: "sla_compliance", One: true, Title: "SLA compliance", Tier: "critical", Unit: "%", RAG: hi("value", 95, 90)},
	{ID: 2, Name: "avg_resolution_days", One: true, Title: "Average resolution time", Tier: "critical", Unit: "days", RAG: lo("value", 3, 5)},
	{ID: 3, Name: "fcr", One: true, Title: "First-contact resolution (proxy)", Tier: "critical", Unit: "%", RAG: hi("value", 70, 60)},
	{ID: 4, Name: "communication_coverage", One: true, Title: "Customer communication coverage", Tier: "critical", Unit: "%", RAG: hi("value", 90, 80)},
	{ID: 5, Name: "comment_quality", One: true, Title: "Overall comment quality", Tier: "critical", Unit: "score 1-5", RAG: hi("overall", 4, 3), Quality: true},
	{ID: 6, Name: "reassignment_rate", One: true, Title: "Reassignment rate", Tier: "high", Unit: "%", RAG: lo("value", 20, 30)},
	{ID: 7, Name: "root_cause_top10", Title: "Root-cause distribution (top 10)", Tier: "high", Labels: 1},
	// SPEC: "share >30% red"; amber is not defined, so green and red meet at 30.
	{ID: 8, Name: "team_workload", Title: "Team workload distribution", Tier: "high", Labels: 1, RAG: lo("share_pct", 30, 30)},
	{ID: 9, Name: "team_efficiency", Title: "Team efficiency (comments per Support ticket)", Tier: "high", Labels: 1, RAG: lo("comments_per_ticket", 12, 18)},
	{ID: 10, Name: "quality_tiers", Title: "Quality tier distribution", Tier: "high", Labels: 1, Quality: true},
	{ID: 11, Name: "monthly_volume", Title: "Monthly ticket volume", Tier: "high", Labels: 1},
	{ID: 12, Name: "resolution_by_team", Title: "Resolution time by team", Tier: "high", Unit: "days", Labels: 1, RAG: lo("avg_days", 3, 7)},
	{ID: 13, Name: "team_communication_coverage", Title: "Team communication coverage", Tier: "high", Unit: "%", Labels: 1, RAG: hi("coverage_pct", 90, 75)},
	{ID: 14, Name: "team_specialisation", Title: "Team specialisation matrix", Tier: "medium", Labels: 2},
	{ID: 15, Name: "agent_productivity", Title: "Agent productivity (top 10 by hours)", Tier: "medium", Labels: 1},
	{ID: 16, Name: "resolution_trend", Title: "Resolution time trend", Tier: "medium", Unit: "days", Labels: 1},
	{ID: 17, Name: "fcr_distribution", Title: "FCR distribution", Tier: "medium", Labels: 1},
	{ID: 18, Name: "reassignment_distribution", Title: "Reassignment distribution", Tier: "medium", Labels: 1},
	{ID: 19, Name: "root_cause_sample", Title: "Root-cause audit sample", Tier: "medium", Labels: 1},
	{ID: 20, Name: "team_fcr", Title: "Team FCR ranking", Tier: "medium", Unit: "%", Labels: 1, RAG: hi("fcr_pct", 70, 60)},
	{ID: 21, Name: "category_distribution", Title: "Category distribution", Tier: "low", Labels: 1},
	// Three indicators in one row; the worst decides, and quality_coverage_pct is NULL (skipped)
	// while comment_quality is empty.
	{ID: 22, Name: "data_quality", One: true, Title: "Data-quality indicators", Tier: "low", Unit: "%", RAG: hi("*", 90, 70), Quality: true},
	{ID: 23, Name: "summary", One: true, Title: "Summary", Tier: "low", Labels: 2},
}

func init() {
	files, err := fs.Glob(sqlFiles, "sql/*.sql")
	if err != nil || len(files) != len(defs) {
		panic(fmt.Sprintf("kpi: %d sql files for %d KPIs (%v)", len(files), len(defs), err))
	}
	for i := range defs {
		d := &defs[i]
		d.File = fmt.Sprintf("sql/%02d_%s.sql", d.ID, d.Name)
		b, err := sqlFiles.ReadFile(d.File)
		if err != nil {
			panic(fmt.Sprintf("kpi %d: %v", d.ID, err))
		}
		d.SQL = string(b)
	}
}

// Defs returns the 23 KPIs in SPEC order (a copy: callers may not change the shipped ones).
func Defs() []Def { return slices.Clone(defs) }

// ByName returns the KPI of that name.
func ByName(name string) (Def, bool) {
	for _, d := range defs {
		if d.Name == name {
			return d, true
		}
	}
	return Def{}, false
}

// Query is one shipped query with its parameters written in, for callers that only execute
// them (the canary, the dry run, the dashboards' tests).
type Query struct {
	Name string
	SQL  string
}

// Queries returns every shipped KPI query with p written in as literals (so it runs over the
// simple protocol, in a Grafana panel or psql, without bind parameters) and comment_quality
// named as qualityTable (e.g. "servicedesk_ext".comment_quality; "" keeps it unqualified, for
// a search_path that holds the _ext schema). The tickets, comments and timesheets tables stay
// unqualified: run them with search_path set to the schema under test.
func Queries(p Params, qualityTable string) []Query {
	out := make([]Query, len(defs))
	for i, d := range defs {
		out[i] = Query{Name: d.Name, SQL: d.Inline(p, qualityTable)}
	}
	return out
}

var (
	paramRef   = regexp.MustCompile(`@([a-z_]+)`)
	qualityRef = regexp.MustCompile(`\bcomment_quality\b`)
)

// Inline returns the KPI's SQL with p's values in place of its @parameters, and
// comment_quality as qualityTable unless that is "".
func (d *Def) Inline(p Params, qualityTable string) string {
	args := p.literals()
	sql := paramRef.ReplaceAllStringFunc(d.SQL, func(m string) string {
		v, ok := args[m[1:]]
		if !ok {
			panic(fmt.Sprintf("kpi %s: unknown parameter %s", d.Name, m))
		}
		return v
	})
	if qualityTable != "" {
		sql = qualityRef.ReplaceAllLiteralString(sql, qualityTable)
	}
	return sql
}

// literals are the SQL literals of the parameters (standard_conforming_strings: only ' needs
// doubling).
func (p Params) literals() map[string]string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	var set []string
	for _, s := range p.Resolved {
		set = append(set, quote(s))
	}
	return map[string]string{
		"resolved":    "ARRAY[" + strings.Join(set, ", ") + "]::text[]",
		"unassigned":  quote(p.Unassigned),
		"team_min":    strconv.Itoa(p.TeamMin),
		"cell_min":    strconv.Itoa(p.CellMin),
		"sample_size": strconv.Itoa(p.SampleSize),
		"seed":        quote(p.Seed),
	}
}

// Params are the conventions of SPEC 6.1.
type Params struct {
	Resolved   []string // statuses that count as resolved
	Unassigned string   // the assigned-user placeholder, trimmed
	TeamMin    int      // a team is shown with at least this many resolved tickets
	CellMin    int      // a specialisation cell is shown with at least this many tickets
	SampleSize int      // KPI 19: tickets per root-cause category
	Seed       string   // KPI 19: the sample's seed; the same seed gives the same sample
	// Bands override SPEC 6.2's thresholds per KPI name (the contract's kpis: section); nil
	// keeps the built-in ones.
	Bands map[string]Band `json:",omitempty"`
}

// DefaultParams are SPEC 6.1's defaults. Incident Resolved is resolved: the old dashboards
// missed it.
func DefaultParams() Params {
	return Params{
		Resolved:   []string{"Closed", "Resolved", "Incident Resolved"},
		Unassigned: "PendingAssignment",
		TeamMin:    50,
		CellMin:    10,
		SampleSize: 25,
		Seed:       "sdetl",
	}
}

// ExtSchema is where comment_quality lives: beside the live schema, never inside it, so no
// generation swap or rollback of the live schema replaces it.
func ExtSchema(schema string) string { return schema + "_ext" }

// QualityTable is the optional table another process fills (docs/kpis.md).
const QualityTable = "comment_quality"

// Tiers are comment_quality's tiers, best first.
var Tiers = []string{"excellent", "good", "acceptable", "poor"}

// ResolvedSet is Params.Resolved as a set.
func (p Params) ResolvedSet() map[string]bool {
	m := map[string]bool{}
	for _, s := range p.Resolved {
		m[s] = true
	}
	return m
}

// String lists the parameters for a report line.
func (p Params) String() string {
	return fmt.Sprintf("resolved=%s unassigned=%q team_min=%d cell_min=%d sample=%d seed=%q",
		strings.Join(p.Resolved, "|"), p.Unassigned, p.TeamMin, p.CellMin, p.SampleSize, p.Seed)
}

// Needs lists, per table, the columns the KPI queries read: a contract without them (one drafted
// by spec init for other exports) has no KPIs, and the canary does not run them.
func Needs() map[string][]string {
	return map[string][]string{
		"tickets": {"TKT-Ticket ID", "TKT-Created Time", "TKT-Actual Resolution Date", "TKT-SLA Met", "TKT-Status",
			"TKT-Team", "TKT-Category", "TKT-Root Cause Category", "TKT-Assigned To User"},
		"comments":   {"comment_id", "ticket_id", "customer_facing"},
		"timesheets": {"TS-User Username", "TS-Crm ID", "TS-Hours"},
	}
}

// Band is a contract's green and red bounds for one KPI (its kpis: section): they replace the
// built-in ones, while the judged column and the direction stay the KPI's own, because those
// follow from its SQL, not from a policy.
type Band struct {
	Green float64 `json:"green"`
	Red   float64 `json:"red"`
}

// CheckBand refuses a band that cannot be meant: a KPI that is unknown or has no status, or
// bounds in the wrong order for its direction (equal bounds are fine: no amber, as KPI 8).
func CheckBand(name string, b Band) error {
	d, ok := ByName(name)
	if !ok {
		return fmt.Errorf("no KPI named %q (docs/kpis.md lists them)", name)
	}
	if d.RAG == nil {
		return fmt.Errorf("KPI %s is informational: it has no green/red thresholds", name)
	}
	if d.RAG.HigherBetter && b.Green < b.Red {
		return fmt.Errorf("KPI %s: higher is better, so green (%g) must be at least red (%g)", name, b.Green, b.Red)
	}
	if !d.RAG.HigherBetter && b.Green > b.Red {
		return fmt.Errorf("KPI %s: lower is better, so green (%g) must be at most red (%g)", name, b.Green, b.Red)
	}
	return nil
}

// WithBand returns d judged by p's band for it, if p has one. The shipped Thresholds are shared,
// so it makes a new one rather than change them.
func (p Params) WithBand(d Def) Def {
	if b, ok := p.Bands[d.Name]; ok && d.RAG != nil {
		t := *d.RAG
		t.Green, t.Red = b.Green, b.Red
		d.RAG = &t
	}
	return d
}
