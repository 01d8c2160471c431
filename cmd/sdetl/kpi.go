package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/postgres"
)

func cmdKPI(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "kpi", "[flags]",
		"Run the 23 KPIs of SPEC section 6 (docs/kpis.md) against the live schema and print each\nwith its green/amber/red status; distributions as tables.").withWorkdir().withSpec().withJSON().withPG()
	only := f.String("only", "", "run only these KPIs (comma-separated `NAMES`, e.g. sla_compliance,fcr)")
	p := kpi.DefaultParams()
	f.IntVar(&p.TeamMin, "team-min", p.TeamMin, "a team is shown with at least `N` resolved tickets")
	f.IntVar(&p.CellMin, "cell-min", p.CellMin, "a specialisation cell is shown with at least `N` tickets")
	f.IntVar(&p.SampleSize, "sample-size", p.SampleSize, "KPI 19: `N` tickets per root-cause category")
	f.StringVar(&p.Seed, "seed", p.Seed, "KPI 19: the audit sample's `SEED` (same seed, same sample)")
	f.Func("resolved", "statuses that count as resolved (comma-separated `LIST`; default Closed,Resolved,Incident Resolved)", func(v string) error {
		p.Resolved = strings.Split(v, ",")
		return nil
	})
	printSQL := f.Bool("print-sql", false, "print the queries with the conventions written in (for psql, with search_path set to the schema and its _ext schema) instead of running them")
	if _, err := f.parse(args); err != nil {
		return err
	}
	s, unlock, err := f.setup(false)
	if err != nil {
		return err
	}
	defer unlock()
	p.Bands = s.KPIParams().Bands // the contract's thresholds; the flags set only the conventions
	if *printSQL {
		for _, q := range kpi.Queries(p, "") {
			if *only == "" || slices.Contains(strings.Split(*only, ","), q.Name) {
				fmt.Fprintf(e.stdout, "-- %s\n%s;\n\n", q.Name, strings.TrimSpace(q.SQL))
			}
		}
		return nil
	}
	if !kpiApplies(s) {
		return fmt.Errorf("contract %s has no KPIs: they read tickets, comments and timesheets as in the built-in ServiceDesk contract (docs/kpis.md)", s.Schema)
	}
	dsn, err := resolveDSN(ctx, e, f)
	if err != nil {
		return err
	}
	var names []string
	if *only != "" {
		names = strings.Split(*only, ",")
	}
	rep, err := postgres.RunKPIs(ctx, dsn, s.Schema, p, names)
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(e.stdout, rep)
	}
	printKPIs(e.stdout, rep, false)
	return nil
}

// kpiApplies reports whether the contract has every column the KPI queries read (the built-in
// ServiceDesk contract does; one drafted for other exports does not, and has no KPIs).
func kpiApplies(s *contract.Spec) bool {
	for tbl, cols := range kpi.Needs() {
		t := s.Table(tbl)
		if t == nil {
			return false
		}
		for _, c := range cols {
			if t.ColumnIndex(c) < 0 && !slices.ContainsFunc(t.Derived, func(d *contract.Derived) bool { return d.Name == c }) {
				return false
			}
		}
	}
	return true
}

// printKPIs prints one line per KPI, and the distributions' rows unless brief.
func printKPIs(w io.Writer, rep *postgres.KPIReport, brief bool) {
	fmt.Fprintf(w, "KPIs of schema %s (%d in %s)\n", rep.Schema, len(rep.Results), rep.Duration.Round(time.Millisecond))
	for _, r := range rep.Results {
		status := string(r.Status)
		switch r.Status {
		case kpi.None:
			status = "-"
		case kpi.NotAvailable:
			status = "n/a"
		}
		fmt.Fprintf(w, "%2d %-44s %-5s %s\n", r.ID, r.Title, status, headline(&r))
		if brief || len(r.Rows) == 0 || (len(r.Rows) == 1 && len(r.Rows[0].Labels) == 0) {
			continue
		}
		for i, row := range r.Rows {
			if i == 12 && r.Name == "root_cause_sample" {
				fmt.Fprintf(w, "     ... %d more (--json for all)\n", len(r.Rows)-i)
				break
			}
			fmt.Fprintf(w, "     %-44s %s\n", strings.Join(row.Labels, " / "), values(r.Columns[len(row.Labels):], row.Values))
		}
	}
}

// headline is a KPI's one-line answer.
func headline(r *kpi.Result) string {
	if !r.Available {
		return "not available (comment_quality is empty)"
	}
	if len(r.Rows) == 1 && len(r.Rows[0].Labels) == 0 {
		if len(r.Rows[0].Values) == 1 {
			return num(r.Rows[0].Values[0]) + " " + r.Unit
		}
		return values(r.Columns, r.Rows[0].Values)
	}
	if r.Name == "summary" && len(r.Rows) == 1 {
		return fmt.Sprintf("%s .. %s: %s", r.Rows[0].Labels[0], r.Rows[0].Labels[1], values(r.Columns[2:], r.Rows[0].Values))
	}
	return fmt.Sprintf("%d rows", len(r.Rows))
}

func values(cols []string, vs []*float64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = cols[i] + "=" + num(v)
	}
	return strings.Join(parts, " ")
}

func num(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}
