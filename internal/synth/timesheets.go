package synth

import (
	"context"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

const (
	refTimesheets    = 141062
	refTimesheetsRaw = 732959
	tsDupRate        = 0.001
	adminShare       = 0.19 // TS-Crm ID 0
	ticketTimeShare  = 0.10 // rows on an imported ticket; the rest are orphans (SPEC 2.3)
	orphanIDLow      = 2000000
)

// timesheet is the model of one timesheet row.
type timesheet struct {
	user     *person
	day      time.Time
	from     int // minutes since midnight, quarter-hour steps
	quarters int // TS-Hours in quarter hours; 0 = missing
	crm      int64
	team     string
	acct     *account
	cc       costCentre
	title    string
	desc     string
	category string
	cat2     string
	typ      string
	bill     string

	future  bool // dated a year ahead (a real typo; loaded as is)
	isLoser bool // the earlier row of a duplicated key
	key     float64
}

type tsKey struct {
	user      int64
	day, from int
	crm       int64
}

type tsCols struct {
	fullName, user, title, desc, date, from, to, typ, category, subCategory, category2, hours, crm int
	master, ccID, ccDesc, selcom, acctName, bill, internal, dept                                   int
}

func newTSCols(t *contract.Table) tsCols {
	c := func(n string) int { return colIndex(t, n) }
	return tsCols{
		fullName: c("TS-User Full Name"), user: c("TS-User Username"), title: c("TS-Title"), desc: c("TS-Description"),
		date: c("TS-Date"), from: c("TS-Time From"), to: c("TS-Time To"), typ: c("TS-Type"), category: c("TS-Category"),
		subCategory: c("TS-Sub Category"), category2: c("TS-Category 2"), hours: c("TS-Hours"), crm: c("TS-Crm ID"),
		master: c("TS-Ticket Project Master Code"), ccID: c("TS-Costcentre ID"), ccDesc: c("TS-Costcentre Desc"),
		selcom: c("TS-Account Selcom"), acctName: c("TS-Account Name"), bill: c("TS-Account Bill State"),
		internal: c("TS-Account Internal"), dept: c("TS-Ticket Department"),
	}
}

// hoursDist: quarter hours in (0, 8].
var hoursDist = newWeighted("1", 22, "2", 22, "3", 10, "4", 14, "6", 6, "8", 6, "12", 6, "16", 6, "24", 4, "32", 4)

var adminTitles = []string{"Team Meeting", "Training", "Internal Admin", "Rostering", "Knowledge Base", "Handover"}

// planTimesheets draws the in-scope timesheets in export order (by date and start time).
func (g *gen) planTimesheets() []*timesheet {
	r := newRand(g.o.Seed, streamTimesheetPlan)
	total := g.scaled(refTimesheets)
	nDup := 0
	if g.dirty() {
		nDup = min(dirtCount(total, tsDupRate, 1, 1000), total/2)
	}
	n := total - nDup
	first, last := g.cutoff, g.qEnd
	seen := make(map[tsKey]bool, n)
	rows := make([]*timesheet, 0, total)
	for len(rows) < n {
		ts := g.newTimesheet(r, first, last, true)
		for try := 0; seen[ts.keyOf()]; try++ {
			// The natural key must be unique among loaded rows: move the entry.
			ts.from = startQuarter(r, ts.quarters) * 15
			if try > 10 {
				ts.day = g.workday(r, first, last)
			}
		}
		seen[ts.keyOf()] = true
		rows = append(rows, ts)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if !a.day.Equal(b.day) {
			return a.day.Before(b.day)
		}
		if a.from != b.from {
			return a.from < b.from
		}
		return a.user.user < b.user.user
	})
	for i, ts := range rows {
		ts.key = float64(i)
	}
	if !g.dirty() {
		return rows
	}
	d := newRand(g.o.Seed, streamTimesheetDirt)
	idx := d.Perm(len(rows))
	// One row dated a year ahead: still a valid date, loaded unchanged.
	future := rows[idx[0]]
	future.future = true
	future.day = future.day.AddDate(1, 0, 0)
	// Duplicates: an earlier row with the same key (no modified column: the later row wins).
	for _, i := range idx[1 : 1+min(nDup, len(idx)-1)] {
		w := rows[i]
		l := *w
		l.isLoser = true
		l.quarters = max(1, (w.quarters+1+d.IntN(8))%33)
		if l.from+l.quarters*15 >= 24*60 {
			l.quarters = 1
		}
		l.desc = g.text.slice(d, 20+d.IntN(200))
		l.key = w.key - float64(1+d.IntN(40)) + 0.5
		rows = append(rows, &l)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].key < rows[j].key })
	return rows
}

func (ts *timesheet) keyOf() tsKey {
	return tsKey{ts.user.id, int(ts.day.Unix() / 86400), ts.from, ts.crm}
}

// startQuarter returns a start (in quarter hours) between 7:00 and 18:00 that leaves room for
// q quarter hours before midnight.
func startQuarter(r *rand.Rand, q int) int {
	hi := min(72, 96-q-1)
	return 28 + r.IntN(hi-28+1)
}

// workday returns a day in [first, last], mostly a weekday.
func (g *gen) workday(r *rand.Rand, first, last time.Time) time.Time {
	days := int(last.Sub(first).Hours()/24) + 1
	var d time.Time
	for try := 0; try < 4; try++ {
		d = first.AddDate(0, 0, r.IntN(days))
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			break
		}
	}
	return d
}

// newTimesheet draws one entry dated in [first, last]. In-scope entries may log time on an
// imported ticket; out-of-scope ones never need to.
func (g *gen) newTimesheet(r *rand.Rand, first, last time.Time, inScope bool) *timesheet {
	ts := &timesheet{user: g.cast.human(r, 0.85), day: g.workday(r, first, last)}
	switch x := r.Float64(); {
	case x < 0.003: // SPEC 5: hours are >= 99.5% populated in real exports
		ts.quarters = 0
	default:
		ts.quarters, _ = strconv.Atoi(hoursDist.pick(r))
		if ts.quarters <= 2 && chance(r, 0.5) {
			ts.quarters += r.IntN(2)
		}
	}
	ts.from = startQuarter(r, ts.quarters) * 15
	switch x := r.Float64(); {
	case x < adminShare:
		ts.crm = 0
		ts.acct = g.cast.internal
		ts.cc = g.cast.centres[5+r.IntN(2)]
		ts.title = oneOf(r, adminTitles)
		ts.category, ts.typ, ts.bill = "None", "Internal", "Non-Billable"
		ts.team = teamsSupport.pick(r)
	case x < adminShare+ticketTimeShare && inScope && len(g.tk.tickets) > 0:
		t := oneOf(r, g.tk.tickets)
		ts.crm = t.id
		if t.assignee != nil && t.assignee.roster && chance(r, 0.8) {
			ts.user = t.assignee // the assignee logs most of a ticket's time
		}
		ts.acct = t.acct
		ts.team = t.team
	default:
		ts.crm = orphanIDLow + r.Int64N(ticketIDBase-orphanIDLow)
		ts.team = teamsSupport.pick(r)
	}
	if ts.crm != 0 {
		if ts.acct == nil {
			ts.acct = g.cast.account(r)
		}
		ts.cc = g.cast.centres[r.IntN(5)]
		ts.title = sentence(r, 3, 8)
		ts.category = tsCategories.pick(r)
		ts.typ = "Billable"
		if chance(r, 0.3) {
			ts.typ = "Non-Billable"
		}
		ts.bill = billStates.pick(r)
	}
	if chance(r, 0.7) {
		ts.desc = g.text.slice(r, 20+r.IntN(280))
	}
	switch x := r.Float64(); {
	case x < 0.6:
		ts.cat2 = "Remote"
	case x < 0.65:
		ts.cat2 = "Onsite"
	}
	return ts
}

// emitTimesheets writes the timesheets export, interleaving (Raw) entries dated before the
// cutoff.
func (g *gen) emitTimesheets(ctx context.Context, fn func(*row) error) error {
	rows := g.planTimesheets()
	nOut := 0
	if g.o.Raw {
		nOut = max(g.scaled(refTimesheetsRaw)-len(rows), 0)
	}
	tbl := g.sp.Table("timesheets")
	cols := newTSCols(tbl)
	var r row
	raw := newRand(g.o.Seed, streamTimesheetRaw)
	outFirst, outLast := g.cutoff.AddDate(-1, 0, 0), g.cutoff.AddDate(0, 0, -1)
	next := 0
	return merge(ctx, newRand(g.o.Seed, streamTimesheetMerge), len(rows), nOut,
		func() error {
			g.renderTimesheet(&r, tbl, &cols, rows[next])
			next++
			return fn(&r)
		},
		func() error {
			g.renderTimesheet(&r, tbl, &cols, g.newTimesheet(raw, outFirst, outLast, false))
			r.state = outOfScope
			return fn(&r)
		})
}

func (g *gen) renderTimesheet(r *row, tbl *contract.Table, c *tsCols, ts *timesheet) {
	r.reset(tbl)
	r.cells[c.fullName] = textCell(ts.user.name)
	r.cells[c.user] = textCell(ts.user.user)
	r.cells[c.title] = textCell(ts.title)
	r.cells[c.desc] = textCell(ts.desc)
	r.cells[c.date] = dayFirstDateCell(ts.day)
	r.cells[c.from] = clockCell(ts.from)
	r.cells[c.hours] = quarterHours(ts.quarters)
	if ts.quarters > 0 {
		r.cells[c.to] = clockCell(ts.from + 15*ts.quarters)
	}
	r.cells[c.typ] = textCell(ts.typ)
	r.cells[c.category] = textCell(ts.category)
	r.cells[c.category2] = textCell(ts.cat2)
	r.cells[c.crm] = intCell(ts.crm)
	if ts.crm == 0 {
		r.cells[c.master] = textCell("ADMIN")
	} else {
		r.cells[c.master] = textCell("CRM-" + strconv.FormatInt(ts.crm, 10))
	}
	r.cells[c.ccID] = intCell(ts.cc.id)
	r.cells[c.ccDesc] = textCell(ts.cc.desc)
	r.cells[c.selcom] = textCell(ts.acct.selcom)
	r.cells[c.acctName] = textCell(ts.acct.name)
	r.cells[c.bill] = textCell(ts.bill)
	internal := "No"
	if ts.acct.internal {
		internal = "Yes"
	}
	r.cells[c.internal] = textCell(internal)
	r.cells[c.dept] = textCell(ts.team)
	r.key = ts.user.user + "|" + r.cells[c.date].val + "|" + r.cells[c.from].val + "|" + r.cells[c.crm].val

	switch {
	case ts.isLoser:
		r.quarantine(c.user, KindDuplicateKey, contract.RuleDuplicateKey, r.cells[c.user].raw)
	case ts.future:
		r.dirty(c.date, KindFutureDate, r.cells[c.date].raw)
	}
}
