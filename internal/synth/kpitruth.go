package synth

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/kpi"
)

// The KPI truth (truth.json "kpis") is computed here from the model's LOADED rows — the rows
// the cleaner keeps after its conversion, duplicate and quarantine rules, with their canonical
// clean values — never from the exports or the database. Numbers are exact rationals rounded
// half away from zero to 2 decimals, as PostgreSQL's round(numeric, 2) does; the definitions
// (which rows, which buckets, which order) are those of docs/kpis.md, written independently of
// the SQL in internal/kpi.

type kpiTicket struct {
	id                                     int64
	created, resolution                    time.Time // resolution zero: NULL
	sla, status, team, category, rootCause string    // "" = NULL
	assigned                               string
}

type kpiComment struct {
	ticket int64
	cf     bool
}

type kpiTimesheet struct {
	user  string
	crm   int64
	hours *big.Rat // nil = NULL
}

// kpiCollector gathers the loaded rows; each table's slice is written by that table's goroutine
// only.
type kpiCollector struct {
	tickets    []kpiTicket
	comments   []kpiComment
	timesheets []kpiTimesheet
}

// collect keeps what the KPIs read of a loaded row.
func (k *kpiCollector) collect(r *row) error {
	if r.state != loaded {
		return nil
	}
	t := r.tbl
	v := func(name string) string {
		c := &r.cells[colIndex(t, name)]
		if c.null {
			return ""
		}
		return c.val
	}
	switch t.Name {
	case "tickets":
		id, err := strconv.ParseInt(v("TKT-Ticket ID"), 10, 64)
		if err != nil {
			return err
		}
		created, err := kpiStamp(v("TKT-Created Time"))
		if err != nil {
			return err
		}
		res, err := kpiStamp(v("TKT-Actual Resolution Date"))
		if err != nil {
			return err
		}
		k.tickets = append(k.tickets, kpiTicket{id: id, created: created, resolution: res,
			sla: v("TKT-SLA Met"), status: v("TKT-Status"), team: v("TKT-Team"), category: v("TKT-Category"),
			rootCause: v("TKT-Root Cause Category"), assigned: v("TKT-Assigned To User")})
	case "comments":
		id, err := strconv.ParseInt(v("ticket_id"), 10, 64)
		if err != nil {
			return err
		}
		k.comments = append(k.comments, kpiComment{ticket: id, cf: customerFacing(t, v("comment_type"))})
	case "timesheets":
		crm, err := strconv.ParseInt(v("TS-Crm ID"), 10, 64)
		if err != nil {
			return err
		}
		ts := kpiTimesheet{user: v("TS-User Username"), crm: crm}
		if h := v("TS-Hours"); h != "" {
			x, ok := new(big.Rat).SetString(h)
			if !ok {
				return fmt.Errorf("hours %q", h)
			}
			ts.hours = x
		}
		k.timesheets = append(k.timesheets, ts)
	}
	return nil
}

// customerFacing applies the contract's derivation (SPEC 6.3) to a canonical comment type.
func customerFacing(t *contract.Table, ctype string) bool {
	for _, d := range t.Derived {
		if d.Name == "customer_facing" {
			return d.Map[ctype] == "true"
		}
	}
	panic("synth: comments has no customer_facing derivation")
}

func kpiStamp(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(isoStamp, s)
}

// ---- exact arithmetic ----

// round2 is x rounded half away from zero to 2 decimals, as the float64 strconv reads from
// its decimal text (what the KPI runner reads from PostgreSQL).
func round2(x *big.Rat) *float64 {
	f, _ := strconv.ParseFloat(x.FloatString(2), 64) // FloatString rounds half away from zero
	return &f
}

func pct(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	return round2(big.NewRat(int64(100*a), int64(b)))
}

func count(n int) *float64 { f := float64(n); return &f }

func exact(x *big.Rat) *float64 {
	f, _ := strconv.ParseFloat(x.FloatString(6), 64)
	return &f
}

// meanDays is the mean of durations (microseconds) in days, rounded.
func meanDays(sumMicros *big.Int, n int) *float64 {
	if n == 0 {
		return nil
	}
	return round2(new(big.Rat).SetFrac(sumMicros, big.NewInt(int64(n)*86400*1e6)))
}

// ---- the KPIs ----

type teamAgg struct {
	resolved, withComments, fcr, support, supportComments, withRes int
	resMicros                                                      *big.Int
	categories                                                     map[string]int
}

// truth computes every KPI of docs/kpis.md with p; comment_quality is empty in a fresh load,
// so KPIs 5, 10 and 22's quality coverage are not available.
func (k *kpiCollector) truth(p kpi.Params) *kpi.Truth {
	resolved := p.ResolvedSet()
	cfPer := map[int64]int{}
	commentsPer := map[int64]int{}
	for _, c := range k.comments {
		commentsPer[c.ticket]++
		if c.cf {
			cfPer[c.ticket]++
		}
	}
	loaded := map[int64]bool{}
	for _, t := range k.tickets {
		loaded[t.id] = true
	}
	usersPer := map[int64]map[string]bool{}
	hasTimesheet := map[int64]bool{}
	for _, s := range k.timesheets {
		hasTimesheet[s.crm] = true
		if loaded[s.crm] {
			if usersPer[s.crm] == nil {
				usersPer[s.crm] = map[string]bool{}
			}
			usersPer[s.crm][s.user] = true
		}
	}

	var slaKnown, slaYes, nResolved, nWithRes, fcr, covered, unassigned, tsCovered, rcCovered int
	resMicros := new(big.Int)
	teams := map[string]*teamAgg{}
	rootCauses := map[string]int{}
	categories := map[string]int{}
	months := map[string]int{}
	monthRes := map[string]*[2]any{}
	buckets := map[string]int{}
	byRootCause := map[string][]int64{}
	var first, last time.Time
	for i, t := range k.tickets {
		if i == 0 || t.created.Before(first) {
			first = t.created
		}
		if i == 0 || t.created.After(last) {
			last = t.created
		}
		months[t.created.Format(isoMonth)]++
		if t.sla == "yes" || t.sla == "no" {
			slaKnown++
			if t.sla == "yes" {
				slaYes++
			}
		}
		if t.assigned == "" || t.assigned == p.Unassigned {
			unassigned++
		}
		if !resolved[t.status] {
			continue
		}
		nResolved++
		cf := cfPer[t.id]
		if cf <= 1 {
			fcr++
		}
		if cf >= 1 {
			covered++
		}
		buckets[fcrBucket(cf)]++
		if hasTimesheet[t.id] {
			tsCovered++
		}
		if t.rootCause != "" {
			rcCovered++
			rootCauses[t.rootCause]++
			byRootCause[t.rootCause] = append(byRootCause[t.rootCause], t.id)
		}
		if t.category != "" {
			categories[t.category]++
		}
		var us *big.Int
		if !t.resolution.IsZero() {
			us = big.NewInt(t.resolution.Sub(t.created).Microseconds())
			nWithRes++
			resMicros.Add(resMicros, us)
			m := t.created.Format(isoMonth)
			if monthRes[m] == nil {
				monthRes[m] = &[2]any{0, new(big.Int)}
			}
			monthRes[m][0] = monthRes[m][0].(int) + 1
			monthRes[m][1].(*big.Int).Add(monthRes[m][1].(*big.Int), us)
		}
		if t.team == "" {
			continue
		}
		a := teams[t.team]
		if a == nil {
			a = &teamAgg{resMicros: new(big.Int), categories: map[string]int{}}
			teams[t.team] = a
		}
		a.resolved++
		if cf >= 1 {
			a.withComments++
		}
		if cf <= 1 {
			a.fcr++
		}
		if t.category == "Support Tickets" {
			a.support++
			a.supportComments += commentsPer[t.id]
		}
		if us != nil {
			a.withRes++
			a.resMicros.Add(a.resMicros, us)
		}
		if t.category != "" {
			a.categories[t.category]++
		}
	}

	var rs []kpi.Result
	add := func(name string, cols []string, rows ...kpi.Row) {
		d, ok := kpi.ByName(name)
		if !ok {
			panic("synth: no KPI " + name)
		}
		if rows == nil {
			rows = []kpi.Row{}
		}
		r := kpi.Result{Columns: cols, Rows: rows}
		d.Finish(&r, 0)
		rs = append(rs, r)
	}
	one := func(vals ...*float64) kpi.Row { return kpi.Row{Values: vals} }
	lab := func(labels []string, vals ...*float64) kpi.Row { return kpi.Row{Labels: labels, Values: vals} }

	add("sla_compliance", []string{"value"}, one(pct(slaYes, slaKnown)))
	add("avg_resolution_days", []string{"value"}, one(meanDays(resMicros, nWithRes)))
	add("fcr", []string{"value"}, one(pct(fcr, nResolved)))
	add("communication_coverage", []string{"value"}, one(pct(covered, nResolved)))
	add("comment_quality", []string{"overall", "clarity", "completeness", "empathy", "professionalism"}, one(nil, nil, nil, nil, nil))

	multi := 0
	for _, u := range usersPer {
		if len(u) > 1 {
			multi++
		}
	}
	add("reassignment_rate", []string{"value"}, one(pct(multi, len(usersPer))))

	var rows []kpi.Row
	for _, c := range topCounts(rootCauses, 10) {
		rows = append(rows, lab([]string{c}, count(rootCauses[c]), pct(rootCauses[c], rcCovered)))
	}
	add("root_cause_top10", []string{"category", "tickets", "share_pct"}, rows...)

	names := sortedKeys(teams)
	var workload, efficiency, byTeam, coverage, special, teamFCR []kpi.Row
	for _, n := range names {
		a := teams[n]
		if a.resolved < p.TeamMin {
			continue
		}
		workload = append(workload, lab([]string{n}, count(a.resolved), pct(a.resolved, nResolved)))
		if a.support > 0 {
			efficiency = append(efficiency, lab([]string{n}, count(a.support),
				round2(big.NewRat(int64(a.supportComments), int64(a.support)))))
		}
		if a.withRes > 0 {
			byTeam = append(byTeam, lab([]string{n}, count(a.withRes), meanDays(a.resMicros, a.withRes)))
		}
		coverage = append(coverage, lab([]string{n}, count(a.resolved), pct(a.withComments, a.resolved)))
		for _, c := range sortedKeys(a.categories) {
			if a.categories[c] >= p.CellMin {
				special = append(special, lab([]string{n, c}, count(a.categories[c]), pct(a.categories[c], a.resolved)))
			}
		}
		teamFCR = append(teamFCR, lab([]string{n}, count(a.resolved), pct(a.fcr, a.resolved)))
	}
	slices.SortStableFunc(teamFCR, func(x, y kpi.Row) int { // best first, ties by name (stable)
		switch {
		case *x.Values[1] > *y.Values[1]:
			return -1
		case *x.Values[1] < *y.Values[1]:
			return 1
		}
		return 0
	})
	add("team_workload", []string{"team", "tickets", "share_pct"}, workload...)
	add("team_efficiency", []string{"team", "tickets", "comments_per_ticket"}, efficiency...)
	add("quality_tiers", []string{"tier", "comments", "share_pct"})

	rows = nil
	for _, m := range sortedKeys(months) {
		rows = append(rows, lab([]string{m}, count(months[m])))
	}
	add("monthly_volume", []string{"month", "tickets"}, rows...)
	add("resolution_by_team", []string{"team", "tickets", "avg_days"}, byTeam...)
	add("team_communication_coverage", []string{"team", "tickets", "coverage_pct"}, coverage...)
	add("team_specialisation", []string{"team", "category", "tickets", "share_pct"}, special...)
	add("agent_productivity", []string{"username", "hours", "tickets", "hours_per_ticket"}, k.productivity()...)

	rows = nil
	for _, m := range sortedKeys(monthRes) {
		n := monthRes[m][0].(int)
		rows = append(rows, lab([]string{m}, count(n), meanDays(monthRes[m][1].(*big.Int), n)))
	}
	add("resolution_trend", []string{"month", "tickets", "avg_days"}, rows...)

	rows = nil
	for _, b := range []string{"0", "1", "2-3", "4+"} {
		share := pct(buckets[b], nResolved)
		if share == nil {
			share = count(0)
		}
		rows = append(rows, lab([]string{b}, count(buckets[b]), share))
	}
	add("fcr_distribution", []string{"bucket", "tickets", "share_pct"}, rows...)

	reassign := map[string]int{}
	for _, u := range usersPer {
		b := strconv.Itoa(len(u))
		if len(u) >= 4 {
			b = "4+"
		}
		reassign[b]++
	}
	rows = nil
	for _, b := range []string{"1", "2", "3", "4+"} {
		share := pct(reassign[b], len(usersPer))
		if share == nil {
			share = count(0)
		}
		rows = append(rows, lab([]string{b}, count(reassign[b]), share))
	}
	add("reassignment_distribution", []string{"bucket", "tickets", "share_pct"}, rows...)
	add("root_cause_sample", []string{"category", "pick", "ticket_id"}, auditSample(byRootCause, p)...)
	add("team_fcr", []string{"team", "tickets", "fcr_pct"}, teamFCR...)

	rows = nil
	for _, c := range topCounts(categories, len(categories)) {
		rows = append(rows, lab([]string{c}, count(categories[c]), pct(categories[c], nResolved)))
	}
	add("category_distribution", []string{"category", "tickets", "share_pct"}, rows...)
	add("data_quality", []string{"timesheet_coverage_pct", "root_cause_coverage_pct", "quality_coverage_pct"},
		one(pct(tsCovered, nResolved), pct(rcCovered, nResolved), nil))

	from, to := "", ""
	if len(k.tickets) > 0 {
		from, to = first.Format("2006-01-02 15:04:05"), last.Format("2006-01-02 15:04:05")
	}
	add("summary", []string{"period_from", "period_to", "tickets", "comments", "timesheets", "resolved", "unassigned"},
		lab([]string{from, to}, count(len(k.tickets)), count(len(k.comments)), count(len(k.timesheets)),
			count(nResolved), count(unassigned)))
	return &kpi.Truth{Params: p, Values: kpi.Values(rs), Tables: kpi.Tables(rs)}
}

func fcrBucket(n int) string {
	switch {
	case n == 0:
		return "0"
	case n == 1:
		return "1"
	case n <= 3:
		return "2-3"
	}
	return "4+"
}

// productivity is KPI 15: the 10 users with the most hours, ties by name.
func (k *kpiCollector) productivity() []kpi.Row {
	type agg struct {
		hours, ticketHours *big.Rat
		tickets            map[int64]bool
	}
	users := map[string]*agg{}
	for _, s := range k.timesheets {
		a := users[s.user]
		if a == nil {
			a = &agg{hours: new(big.Rat), ticketHours: new(big.Rat), tickets: map[int64]bool{}}
			users[s.user] = a
		}
		if s.hours != nil {
			a.hours.Add(a.hours, s.hours)
		}
		if s.crm != 0 {
			a.tickets[s.crm] = true
			if s.hours != nil {
				a.ticketHours.Add(a.ticketHours, s.hours)
			}
		}
	}
	names := sortedKeys(users)
	slices.SortStableFunc(names, func(x, y string) int { return -users[x].hours.Cmp(users[y].hours) })
	var rows []kpi.Row
	for _, n := range names[:min(10, len(names))] {
		a := users[n]
		var per *float64
		if len(a.tickets) > 0 {
			per = round2(new(big.Rat).Quo(a.ticketHours, big.NewRat(int64(len(a.tickets)), 1)))
		}
		rows = append(rows, kpi.Row{Labels: []string{n}, Values: []*float64{exact(a.hours), count(len(a.tickets)), per}})
	}
	return rows
}

// auditSample is KPI 19: per root cause, the SampleSize tickets with the smallest
// md5(seed:id) (hex, byte order), ties by id.
func auditSample(by map[string][]int64, p kpi.Params) []kpi.Row {
	var rows []kpi.Row
	for _, c := range sortedKeys(by) {
		ids := slices.Clone(by[c])
		key := func(id int64) string {
			h := md5.Sum([]byte(p.Seed + ":" + strconv.FormatInt(id, 10)))
			return hex.EncodeToString(h[:])
		}
		slices.SortFunc(ids, func(a, b int64) int {
			if c := strings.Compare(key(a), key(b)); c != 0 {
				return c
			}
			return int(a - b)
		})
		for i, id := range ids[:min(p.SampleSize, len(ids))] {
			rows = append(rows, kpi.Row{Labels: []string{c}, Values: []*float64{count(i + 1), count(int(id))}})
		}
	}
	return rows
}

// topCounts returns up to n keys by count descending, ties by name.
func topCounts(m map[string]int, n int) []string {
	keys := sortedKeys(m)
	slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
	return keys[:min(n, len(keys))]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
