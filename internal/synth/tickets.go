package synth

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

// Reference volumes (SPEC section 2).
const (
	refTickets       = 10939
	refTicketsRaw    = 652681
	ticketIDBase     = 3600000 // in-scope ids are above it, out-of-scope (older) ids below
	ticketDupRate    = 0.002
	placeholderShare = 0.29
	placeholder      = "PendingAssignment" // written with a leading space, as the real export does
)

// ticket is the model of one ticket. Zero times are missing values.
type ticket struct {
	id                                               int64
	created, modified, response, resolution, closure time.Time
	hasResolution                                    bool // TKT-Actual Resolution Date populated
	chg                                              [4]time.Time
	category, severity, team, status, rootCause      string
	resolved                                         bool
	assignee                                         *person // nil: the PendingAssignment placeholder
	creator                                          *person
	parent                                           int64
	acct                                             *account
	flags                                            [8]int8 // see ticketCols.flags; -1 missing

	// In-scope activity window: every comment of the ticket falls in [actStart, actEnd].
	actStart, actEnd time.Time

	loserModified time.Time // non-zero: an older duplicate row is exported too
	dirt          *ticketDirt
	seq           int // position among the in-scope tickets
}

var resolvedStatus = map[string]bool{"Closed": true, "Resolved": true, "Incident Resolved": true}

// oldStatuses are the statuses of out-of-scope (older) tickets.
var oldStatuses = newWeighted("Closed", 90, "Resolved", 7, "Incident Resolved", 3)

// resolveMean is the mean time to resolve by severity.
var resolveMean = map[string]time.Duration{"Alert": 6 * time.Hour, "P1": 8 * time.Hour, "P2": 24 * time.Hour,
	"P3": 60 * time.Hour, "P4": 96 * time.Hour}

// ticketCols are the column positions of the tickets table.
type ticketCols struct {
	id, parent, account, assignedID, createdByID, ciRef                 int
	created, modified, response, resolution, closure, slaClosure        int
	chg                                                                 [4]int
	monthCreated, monthClosed, slaMonthClosed                           int
	flags                                                               [8]int
	severity, status, team, category, rootCause, resType, sla, clock    int
	source, siteClass, siteStatus, platform, group                      int
	chgRisk, chgTrigger, chgType, chgApprover, chgSuccess               int
	custRef, acctName, selcom, title, desc, assigned, job, createdBy    int
	client, relatedCI, breachReason, breachComment, mitigated, solution int
	achievement                                                         int
}

// Flag positions in ticket.flags.
const (
	flResponseMet = iota
	flResolutionMet
	flSLAMet
	flSLAExempt
	flQAReview
	flTemplate
	flClosedThisMonth
	flClosedLastMonth
)

func newTicketCols(t *contract.Table) ticketCols {
	c := func(n string) int { return colIndex(t, n) }
	return ticketCols{
		id: c("TKT-Ticket ID"), parent: c("TKT-Parent ID"), account: c("TKT-Account Id"),
		assignedID: c("TKT-Assigned To Userid"), createdByID: c("TKT-Created By Userid"), ciRef: c("TKT-Related CI Ref#"),
		created: c("TKT-Created Time"), modified: c("TKT-Modified Time"), response: c("TKT-Actual Response Date"),
		resolution: c("TKT-Actual Resolution Date"), closure: c("TKT-Closure Date"), slaClosure: c("TKT-SLA Closure Date"),
		chg:          [4]int{c("Chg-Planned Start Date"), c("Chg-Planned End Date"), c("Chg-Actual Start Date"), c("Chg-Actual End Date")},
		monthCreated: c("TKT-Month Created"), monthClosed: c("TKT-Month Closed"), slaMonthClosed: c("TKT-SLA Month Closed"),
		flags: [8]int{c("TKT-Response Met"), c("TKT-Resolution Met"), c("TKT-SLA Met"), c("TKT-SLA Exempt"),
			c("TKT-QA Review Completed"), c("TKT-Is Template"), c("TKT-SLA Closed - This Month"), c("TKT-SLA Closed - Last Month")},
		severity: c("TKT-Severity"), status: c("TKT-Status"), team: c("TKT-Team"), category: c("TKT-Category"),
		rootCause: c("TKT-Root Cause Category"), resType: c("TKT-Resolution/Change Type"), sla: c("TKT-SLA"),
		clock: c("TKT-SLA Clock Status"), source: c("TKT-Ticket Source"), siteClass: c("TKT-Site Classification"),
		siteStatus: c("TKT-Site Status"), platform: c("TKT-Platform"), group: c("TKT-Group"),
		chgRisk: c("Chg-Risk"), chgTrigger: c("Chg-Trigger"), chgType: c("Chg-Type"), chgApprover: c("Chg-Approver"),
		chgSuccess: c("Chg-Success"), custRef: c("TKT-Customer Reference"), acctName: c("TKT-Account Name"),
		selcom: c("TKT-Selcom Key"), title: c("TKT-Title"), desc: c("TKT-Description"), assigned: c("TKT-Assigned To User"),
		job: c("TKT-Job#/Ref#"), createdBy: c("TKT-Created By User"), client: c("TKT-Client Name"),
		relatedCI: c("TKT-Related CI"), breachReason: c("TKT-SLA Breach Reason"), breachComment: c("TKT-SLA Breach Comment"),
		mitigated: c("TKT-Mitigated Reason"), solution: c("TKT-Solution"), achievement: c("TKT-Actual SLA Achievement"),
	}
}

// ticketPlan is the in-scope tickets in export order of their ids (losers not included).
type ticketPlan struct {
	tickets []*ticket
	dups    int // duplicate (loser) rows
	out     int // out-of-scope rows (Raw)
}

// planTickets builds the in-scope tickets and their dirt.
func (g *gen) planTickets() *ticketPlan {
	r := newRand(g.o.Seed, streamTicketPlan)
	total := g.scaled(refTickets)
	p := &ticketPlan{}
	if g.dirty() && total >= 2 {
		p.dups = min(dirtCount(total, ticketDupRate, 1, 200), total/2)
	}
	if g.o.Raw {
		p.out = max(g.scaled(refTicketsRaw)-total, 0)
	}
	n := total - p.dups
	// Touched tickets may be created up to ~3 months before the cutoff; most are created in the
	// quarter. The last creation leaves room for activity before the quarter ends.
	early := g.cutoff.AddDate(0, -3, 0)
	lastCreated := g.qEnd.Add(-4 * time.Hour)
	created := make([]time.Time, n)
	for i := range created {
		if chance(r, 0.10) {
			created[i] = between(r, early, g.cutoff.Add(-time.Second))
		} else {
			created[i] = between(r, g.cutoff, lastCreated)
		}
	}
	sort.Slice(created, func(i, j int) bool { return created[i].Before(created[j]) })
	id := int64(ticketIDBase)
	for i, c := range created {
		id += 1 + r.Int64N(12)
		t := g.newTicket(r, id, c, g.qEnd, true)
		t.seq = i
		p.tickets = append(p.tickets, t)
	}
	if g.dirty() {
		g.planTicketDirt(p)
	}
	return p
}

// newTicket draws one ticket created at created whose life ends by horizon.
func (g *gen) newTicket(r *rand.Rand, id int64, created, horizon time.Time, inScope bool) *ticket {
	t := &ticket{id: id, created: created}
	t.category = categories.pick(r)
	alert := t.category == "Alert"
	switch {
	case alert && chance(r, 0.9):
		t.severity = "Alert"
	case alert:
		t.severity = oneOf(r, []string{"P2", "P3"})
	default:
		t.severity = severities.pick(r)
	}
	if alert {
		t.team = teamsAlert.pick(r)
	} else {
		t.team = teamsSupport.pick(r)
	}
	if inScope {
		t.status = statuses.pick(r)
	} else {
		t.status = oldStatuses.pick(r)
	}
	t.resolved = resolvedStatus[t.status]
	t.actStart = created
	if inScope && created.Before(g.cutoff) {
		t.actStart = g.cutoff
	}
	mean := resolveMean[t.severity]
	if t.resolved {
		res := t.actStart.Add(10*time.Minute + expDuration(r, mean)).Truncate(time.Second)
		if res.After(horizon) {
			res = between(r, t.actStart.Add(10*time.Minute), horizon)
		}
		t.resolution = res
		t.hasResolution = chance(r, 0.726) // ~53% of all tickets (SPEC 2.2)
		t.closure = between(r, res, minTime(res.Add(48*time.Hour), horizon))
		t.modified = between(r, res, t.closure)
		t.actEnd = t.closure
		if chance(r, 0.97) {
			t.rootCause = rootCauses.pick(r)
		}
	} else {
		t.modified = between(r, t.actStart, horizon)
		t.actEnd = horizon
	}
	t.modified = systemStamp(t.modified, created, t.closure, horizon)
	pResp := 0.31
	if t.resolved {
		pResp = 0.75
	}
	if chance(r, pResp) {
		respMean := 90 * time.Minute
		if alert {
			respMean = 15 * time.Minute
		}
		// At least a minute after creation, so that truncating to the minute (a day-first
		// stray value has no seconds) keeps response >= created.
		resp := created.Add(time.Minute + expDuration(r, respMean)).Truncate(time.Second)
		if resp.After(horizon) {
			resp = between(r, created.Add(time.Minute), horizon)
		}
		t.response = resp
	}
	if t.category == "Standard" && chance(r, 0.35) {
		ps := between(r, created.Add(24*time.Hour), created.Add(5*24*time.Hour)).Truncate(time.Minute)
		pe := ps.Add(time.Duration(1+r.IntN(4)) * time.Hour)
		t.chg = [4]time.Time{ps, pe}
		if t.resolved {
			as := ps.Add(time.Duration(r.IntN(30)) * time.Minute)
			t.chg[2], t.chg[3] = as, between(r, as.Add(10*time.Minute), pe.Add(time.Hour))
		}
	}
	if !chance(r, placeholderShare) {
		t.assignee = g.cast.human(r, 0.85)
	}
	if alert {
		t.creator = g.cast.auto
	} else {
		t.creator = g.cast.human(r, 0.6)
	}
	if chance(r, 0.02) {
		t.parent = id - 1 - r.Int64N(40000)
	}
	if chance(r, 0.99) {
		t.acct = g.cast.account(r)
	}
	t.flags = [8]int8{-1, -1, -1, 0, 0, 0, 0, 0}
	if !t.response.IsZero() {
		t.flags[flResponseMet] = yesNo(r, 0.92)
	}
	if t.resolved {
		t.flags[flResolutionMet] = yesNo(r, 0.88)
		t.flags[flClosedThisMonth] = yesNo(r, 0.85)
		t.flags[flClosedLastMonth] = 1 - t.flags[flClosedThisMonth]
	}
	if chance(r, 0.94) {
		t.flags[flSLAMet] = yesNo(r, 0.96)
	}
	t.flags[flSLAExempt] = yesNo(r, 0.03)
	t.flags[flQAReview] = yesNo(r, 0.15)
	return t
}

func yesNo(r *rand.Rand, pYes float64) int8 {
	if chance(r, pYes) {
		return 1
	}
	return 0
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// ---- dirt ----

// ticketDirt is the one fixable defect planned for a ticket row (besides the placeholder).
type ticketDirt struct {
	kind string
	rnd  uint64 // drives the render-time choices (column, spelling)
}

// planTicketDirt picks duplicate pairs and the rows that get a fixable defect, each row at most
// one (plus the placeholder). Duplicate pairs get none: their key and modified columns must
// compare exactly.
func (g *gen) planTicketDirt(p *ticketPlan) {
	r := newRand(g.o.Seed, streamTicketDirt)
	n := len(p.tickets)
	var dupOK []int
	for i, t := range p.tickets {
		if t.modified.Sub(t.created) >= 2*time.Second {
			dupOK = append(dupOK, i)
		}
	}
	used := make([]bool, n)
	for _, i := range pickK(r, dupOK, p.dups) {
		t := p.tickets[i]
		t.loserModified = between(r, t.created, t.modified.Add(-time.Second))
		used[i] = true
	}
	p.dups = 0
	for _, t := range p.tickets {
		if !t.loserModified.IsZero() {
			p.dups++
		}
	}
	perm := r.Perm(n)
	assign := func(kind string, k int, ok func(t *ticket) bool) int {
		done := 0
		for _, i := range perm {
			if done == k {
				break
			}
			if t := p.tickets[i]; !used[i] && ok(t) {
				used[i] = true
				t.dirt = &ticketDirt{kind: kind, rnd: r.Uint64()}
				done++
			}
		}
		return done
	}
	all := func(*ticket) bool { return true }
	countIf := func(ok func(*ticket) bool) int {
		c := 0
		for _, t := range p.tickets {
			if ok(t) {
				c++
			}
		}
		return c
	}
	hasResp := func(t *ticket) bool { return !t.response.IsZero() }
	noRes := func(t *ticket) bool { return !t.hasResolution }
	hasParent := func(t *ticket) bool { return t.parent != 0 }
	assign(KindDayFirst, dirtCount(countIf(hasResp), 0.0008, 2, 100), hasResp)
	// One serial goes to a system-stamped (millisecond) modification time, if there is one, so
	// every export has a serial whose fraction of a second must survive.
	fracModified := func(t *ticket) bool { return t.modified.Nanosecond() != 0 }
	nSerial := dirtCount(n, 0.0006, 2, 100)
	assign(KindExcelSerial, nSerial-assign(KindExcelSerial, min(nSerial, 1), fracModified), all)
	assign(KindEmptyString, dirtCount(countIf(noRes), 0.01, 1, 100), noRes)
	assign(KindSentinel, dirtCount(n, 0.004, 1, 100), all)
	assign(KindFloatInt, dirtCount(countIf(hasParent), 0.15, 1, 1), hasParent)
	assign(KindPadded, dirtCount(n, 0.005, 1, 100), all)
	assign(KindFlagSpelling, dirtCount(n, 0.01, 1, 100), all)
	for _, t := range p.tickets {
		if t.dirt != nil && t.dirt.kind == KindDayFirst {
			// A stray day-first value carries no seconds: the model value is the minute.
			t.response = t.response.Truncate(time.Minute)
		}
	}
}

// ---- rendering ----

// emitTickets writes the tickets export: in-scope tickets in id order with duplicate losers
// near their winners, interleaved (Raw) with older, never-touched tickets.
func (g *gen) emitTickets(ctx context.Context, fn func(*row) error) error {
	type entry struct {
		t     *ticket
		loser bool
		key   float64
	}
	tr := newRand(g.o.Seed, streamTicketOrder)
	seq := make([]entry, 0, len(g.tk.tickets)+g.tk.dups)
	for i, t := range g.tk.tickets {
		seq = append(seq, entry{t: t, key: float64(i)})
		if !t.loserModified.IsZero() {
			off := float64(1+tr.IntN(20)) - 0.5
			if chance(tr, 0.5) {
				off = -off
			}
			seq = append(seq, entry{t: t, loser: true, key: float64(i) + off})
		}
	}
	sort.SliceStable(seq, func(i, j int) bool { return seq[i].key < seq[j].key })

	tbl := g.sp.Table("tickets")
	cols := newTicketCols(tbl)
	cr := &cellRand{seed: g.o.Seed}
	var r row
	raw := newRand(g.o.Seed, streamTicketRaw)
	outStart := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	outSpan := g.cutoff.AddDate(0, -1, 0).Sub(outStart)
	next := 0
	outID := int64(ticketIDBase - g.tk.out)
	j := 0
	return merge(ctx, newRand(g.o.Seed, streamTicketMerge), len(seq), g.tk.out,
		func() error {
			e := seq[next]
			next++
			mode := rowLoaded
			if e.loser {
				mode = rowLoser
			}
			g.renderTicket(&r, tbl, &cols, cr, e.t, mode)
			return fn(&r)
		},
		func() error {
			c := outStart.Add(time.Duration((float64(j) + raw.Float64()) / float64(g.tk.out) * float64(outSpan))).Truncate(time.Second)
			t := g.newTicket(raw, outID, c, minTime(c.Add(30*24*time.Hour), g.cutoff.Add(-time.Minute)), false)
			j++
			outID++
			g.renderTicket(&r, tbl, &cols, cr, t, rowOut)
			return fn(&r)
		})
}

// cellRand reseeds one generator per entity, so that an entity's cosmetic values do not
// depend on what was rendered before it (a duplicate row renders the same values).
type cellRand struct {
	seed int64
	pcg  rand.PCG
	r    *rand.Rand
}

func (c *cellRand) at(stream uint64, id int64) *rand.Rand {
	c.pcg.Seed(uint64(c.seed)^mix(stream), mix(uint64(id)))
	if c.r == nil {
		c.r = rand.New(&c.pcg)
	}
	return c.r
}

var slaNames = map[string]string{"P1": "P1 - 4 Hours", "P2": "P2 - 8 Hours", "P3": "P3 - 2 Business Days",
	"P4": "P4 - 5 Business Days", "Alert": "Alert - 1 Hour"}

var hostPrefixes = []string{"srv-app", "srv-db", "srv-web", "vm-prod", "vm-test", "fw", "sw-core", "aks-node", "ec2-web"}

func (g *gen) renderTicket(r *row, tbl *contract.Table, c *ticketCols, cr *cellRand, t *ticket, mode rowMode) {
	r.reset(tbl)
	x := cr.at(streamTicketCells, t.id)
	idText := strconv.FormatInt(t.id, 10)
	r.key = idText
	set := func(i int, v cell) { r.cells[i] = v }
	set(c.id, intCell(t.id))
	set(c.parent, optInt(t.parent))
	if t.acct != nil {
		set(c.account, intCell(t.acct.id))
		set(c.acctName, textCell(t.acct.name))
		set(c.client, textCell(t.acct.client))
		set(c.selcom, textCell(t.acct.selcom))
	}
	if t.assignee != nil {
		set(c.assignedID, intCell(t.assignee.id))
		set(c.assigned, textCell(t.assignee.name))
	} else {
		set(c.assigned, textCell(placeholder))
	}
	set(c.createdByID, intCell(t.creator.id))
	set(c.createdBy, textCell(t.creator.name))
	if chance(x, 0.005) {
		set(c.ciRef, intCell(100000+x.Int64N(900000)))
	}
	modified := t.modified
	if mode == rowLoser {
		modified = t.loserModified
	}
	set(c.created, stampCell(t.created))
	set(c.modified, stampCell(modified))
	set(c.response, stampCell(t.response))
	if t.hasResolution {
		set(c.resolution, stampCell(t.resolution))
	}
	set(c.closure, stampCell(t.closure))
	set(c.slaClosure, stampCell(t.closure))
	for i, ct := range t.chg {
		set(c.chg[i], stampCell(ct))
	}
	set(c.monthCreated, monthCell(t.created))
	set(c.monthClosed, monthCell(t.closure))
	set(c.slaMonthClosed, monthCell(t.closure))
	for i, f := range t.flags {
		set(c.flags[i], flagCell(f))
	}
	g.renderTicketText(r, c, t, x)

	switch {
	case mode == rowLoser:
		r.quarantine(c.id, KindDuplicateKey, contract.RuleDuplicateKey, idText)
		return
	case mode == rowOut:
		// Out-of-scope rows carry the real-data placeholder too, but the filter drops them, so
		// they are no defect of the truth.
		r.state = outOfScope
		if t.assignee == nil && g.dirty() {
			r.cells[c.assigned].raw = " " + placeholder
		}
		return
	case !g.dirty():
		return
	}
	if t.assignee == nil {
		r.dirty(c.assigned, KindLeadingSpace, " "+placeholder)
	}
	if t.dirt != nil {
		g.applyTicketDirt(r, c, t)
	}
}

// renderTicketText fills the ticket's categorical and free-text columns, drawing from x in the
// same order every time, so a seed gives the same files.
func (g *gen) renderTicketText(r *row, c *ticketCols, t *ticket, x *rand.Rand) {
	set := func(i int, v cell) { r.cells[i] = v }
	set(c.severity, textCell(t.severity))
	set(c.status, textCell(t.status))
	set(c.team, textCell(t.team))
	set(c.category, textCell(t.category))
	set(c.rootCause, textCell(t.rootCause))
	if t.resolved {
		set(c.resType, textCell(resolutionTypes.pick(x)))
		set(c.clock, textCell("Stopped"))
	} else if t.status == "Pending" {
		set(c.clock, textCell("Paused"))
	} else {
		set(c.clock, textCell("Running"))
	}
	set(c.sla, textCell(slaNames[t.severity]))
	if t.category == "Alert" {
		set(c.source, textCell("Monitoring"))
		set(c.title, textCell(fmt.Sprintf("Alert: %s on %s-%02d", alertWhat.pick(x), oneOf(x, hostPrefixes), 1+x.IntN(60))))
	} else {
		set(c.source, textCell(sources.pick(x)))
		set(c.title, textCell(sentence(x, 3, 9)))
	}
	set(c.siteClass, textCell(siteClasses.pick(x)))
	set(c.siteStatus, textCell(siteStatus.pick(x)))
	set(c.platform, textCell(platforms.pick(x)))
	set(c.group, textCell(groups.pick(x)))
	if !t.chg[0].IsZero() {
		set(c.chgRisk, textCell(oneOf(x, []string{"Low", "Low", "Medium", "High"})))
		set(c.chgTrigger, textCell(oneOf(x, []string{"Customer Request", "Incident", "Maintenance", "Security"})))
		set(c.chgType, textCell(oneOf(x, []string{"Standard", "Normal", "Emergency"})))
		set(c.chgApprover, textCell(oneOf(x, g.cast.roster).name))
		if !t.chg[3].IsZero() {
			set(c.chgSuccess, textCell(oneOf(x, []string{"Successful", "Successful", "Successful", "Partially Successful", "Failed"})))
		}
	}
	if chance(x, 0.35) {
		set(c.custRef, textCell(fmt.Sprintf("REF-%06d", x.IntN(1000000))))
	}
	set(c.desc, textCell(g.text.slice(x, lognormalLen(x, 300, 0.8, 20, 4000))))
	if chance(x, 0.08) {
		set(c.job, textCell(fmt.Sprintf("JOB-%05d", x.IntN(100000))))
	}
	if t.flags[flSLAMet] == 0 {
		set(c.breachReason, textCell(breachWhy.pick(x)))
		if chance(x, 0.5) {
			set(c.breachComment, textCell(g.text.slice(x, 40+x.IntN(200))))
		}
		if chance(x, 0.1) {
			set(c.mitigated, textCell(mitigations.pick(x)))
		}
	}
	if t.resolved && chance(x, 0.88) {
		set(c.solution, textCell(g.text.slice(x, lognormalLen(x, 250, 0.7, 15, 3000))))
	}
	switch t.flags[flSLAMet] {
	case 1:
		set(c.achievement, textCell("100%"))
	case 0:
		set(c.achievement, textCell(fmt.Sprintf("%d%%", 40+x.IntN(59))))
	}
}

// systemStamp gives about a third of the modification times the milliseconds a ticketing
// system stamps them with (the rest were exported to the second), so exports carry fractional
// seconds that must load exactly. The fraction is a function of the creation time, so no
// random stream shifts, and it never moves the time past the closure or the export's horizon.
func systemStamp(modified, created, closure, horizon time.Time) time.Time {
	k := created.Unix() * 7919 % 3000
	if k%3 != 0 {
		return modified
	}
	m := modified.Add(time.Duration(k/3) * time.Millisecond)
	if (!closure.IsZero() && m.After(closure)) || m.After(horizon) {
		return modified
	}
	return m
}

// applyTicketDirt renders the planned defect of t into r.
func (g *gen) applyTicketDirt(r *row, c *ticketCols, t *ticket) {
	d := rand.New(rand.NewPCG(t.dirt.rnd, 1))
	switch t.dirt.kind {
	case KindDayFirst:
		r.dirty(c.response, KindDayFirst, dayFirst(t.response, true))
	case KindExcelSerial:
		cands := []int{c.created, c.modified}
		if !t.closure.IsZero() {
			cands = append(cands, c.closure, c.slaClosure)
		}
		i := oneOf(d, cands)
		if r.cells[c.modified].t.Nanosecond() != 0 {
			i = c.modified // a system-stamped time as a serial: its milliseconds must survive
		}
		r.dirty(i, KindExcelSerial, excelSerial(r.cells[i].t))
	case KindEmptyString:
		r.dirty(c.resolution, KindEmptyString, "")
	case KindSentinel:
		var cands []int
		for _, i := range []int{c.parent, c.account, c.rootCause, c.relatedCI, c.chgRisk, c.custRef, c.job} {
			if r.cells[i].null {
				cands = append(cands, i)
			}
		}
		r.dirty(oneOf(d, cands), KindSentinel, oneOf(d, []string{"N/A", "-", "nan", "NULL", "?", "n/a", "null"}))
	case KindFloatInt:
		r.dirty(c.parent, KindFloatInt, r.cells[c.parent].val+oneOf(d, []string{".0", ".0", ".00"}))
	case KindPadded:
		i := oneOf(d, []int{c.status, c.severity, c.team, c.category})
		v := r.cells[i].val
		r.dirty(i, KindPadded, oneOf(d, []string{v + " ", v + "  ", " " + v, " " + v + " "}))
	case KindFlagSpelling:
		var cands []int
		for _, i := range c.flags {
			if !r.cells[i].null {
				cands = append(cands, i)
			}
		}
		i := oneOf(d, cands)
		spell := []string{"Yes", "YES", "Y", "TRUE", "y", "True"}
		if r.cells[i].val == "no" {
			spell = []string{"No", "NO", "N", "FALSE", "n", "False"}
		}
		r.dirty(i, KindFlagSpelling, oneOf(d, spell))
	}
}
