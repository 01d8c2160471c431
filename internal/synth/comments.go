package synth

import (
	"context"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

const (
	refComments    = 108129
	refCommentsRaw = 204625
	commentIDBase  = 8000000 // in-scope ids count up from here; out-of-scope ids stay below
	brokenRate     = 0.13    // rows lacking id, ticket, text or date (SPEC 2.1)
	commentDupRate = 0.001
	autoShare      = 0.61 // comments written by the automation account
	worknoteShare  = 0.10
	meanCommentLen = 2100
	maxCommentLen  = 40000
)

var commentTypes = newWeighted("system", 75, "comments", 15, "worknotes", 10)

// brokenKind is why an in-scope comment row is quarantined.
type brokenKind uint8

const (
	notBroken    brokenKind = iota
	garbageText             // comment_id holds a text fragment: invalid_integer
	garbageEmpty            // comment_id empty: missing_required
	noTicket                // ticket_id empty
	noText                  // comment_text empty (or a sentinel)
	noTime                  // created_time empty
	fieldCount              // CSV: unescaped commas give the row too many fields
)

// comment is the model of one comment row.
type comment struct {
	id       int64
	tk       *ticket // nil for out-of-scope comments on tickets that are not exported in scope
	ticketID int64
	team     string
	at       time.Time // whole minutes: the export writes no seconds
	text     string
	user     *person
	ctype    string
	vis      string // visible_to_customer as exported (a text column: garbage is a base value)
	upper    bool   // user name written with a capital: a base value (scope matching ignores case)

	toucher bool       // the ticket's guaranteed clean roster comment
	broken  brokenKind // != notBroken: quarantined
	lostID  bool       // a broken garbage row that otherwise holds a whole comment
	dirt    string     // fixable defect kind
	rawText string     // comment_text as written, for text defects
	loser   *comment   // the older duplicate row of this comment
	isLoser bool
	key     float64 // export position
}

type commentCols struct{ id, ticket, text, userID, user, owner, created, vis, ctype, team int }

func newCommentCols(t *contract.Table) commentCols {
	c := func(n string) int { return colIndex(t, n) }
	return commentCols{c("comment_id"), c("ticket_id"), c("comment_text"), c("user_id"), c("user_name"),
		c("owner_type"), c("created_time"), c("visible_to_customer"), c("comment_type"), c("team")}
}

// planComments draws the in-scope comments in export order.
func (g *gen) planComments() []*comment {
	r := newRand(g.o.Seed, streamCommentPlan)
	total := g.scaled(refComments)
	tickets := g.tk.tickets
	var nBroken, nDup int
	if g.dirty() {
		nBroken, nDup = g.round(brokenRate*float64(total)), dirtCount(total, commentDupRate, 1, 1000)
	}
	if total-nBroken-nDup < len(tickets) { // tiny scales: every ticket needs its toucher
		nDup = 0
		nBroken = max(total-len(tickets), 0)
	}
	nLoaded := total - nBroken - nDup

	cf, other, nonCF := spreadComments(r, tickets, nLoaded)
	pWorknote := min(1, worknoteShare*float64(nLoaded)/float64(max(nonCF, 1)))

	loadedRows := make([]*comment, 0, nLoaded)
	sysCount := 0
	for i, t := range tickets {
		first := len(loadedRows)
		for k := 0; k < cf[i]+other[i]; k++ {
			c := &comment{tk: t, ticketID: t.id, team: t.team, ctype: "comments"}
			if k >= cf[i] {
				c.ctype = "system"
				if chance(r, pWorknote) {
					c.ctype = "worknotes"
				}
			}
			loadedRows = append(loadedRows, c)
		}
		// The toucher: preferably a customer-facing comment, else a work note, else any.
		own := loadedRows[first:]
		toucher := own[0]
		for _, c := range own {
			if c.ctype == "worknotes" && toucher.ctype == "system" {
				toucher = c
			}
		}
		toucher.toucher = true
		for _, c := range own {
			if c.ctype == "system" && !c.toucher {
				sysCount++
			}
		}
	}
	// The automation account writes system comments only; its probability is chosen so that it
	// writes autoShare of all loaded comments.
	pAuto := min(1, autoShare*float64(nLoaded)/float64(max(sysCount, 1)))
	for _, c := range loadedRows {
		g.fillComment(r, c, pAuto)
	}
	sort.SliceStable(loadedRows, func(i, j int) bool {
		a, b := loadedRows[i], loadedRows[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		return a.ticketID < b.ticketID
	})
	for i, c := range loadedRows {
		c.key = float64(i)
	}
	rows := loadedRows
	if g.dirty() {
		rows = g.planCommentDirt(loadedRows, nDup, nBroken, pAuto)
	}
	// Export order, then ids: ascending in export order, duplicates sharing their winner's id.
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].key < rows[j].key })
	or := newRand(g.o.Seed, streamCommentOrder)
	id := int64(commentIDBase)
	for _, c := range rows {
		if !c.isLoser {
			id += 1 + or.Int64N(3)
			c.id = id
		}
	}
	for _, c := range loadedRows {
		if c.loser != nil {
			c.loser.id = c.id
		}
	}
	return rows
}

// spreadComments draws how many comments each ticket gets: cf customer-facing ones (SPEC 7: 23%
// none, 48% one, 19% two or three, 10% four or more for resolved tickets) and other ones, the
// rest of nLoaded spread over the tickets (nonCF in all). Every ticket gets at least one.
func spreadComments(r *rand.Rand, tickets []*ticket, nLoaded int) (cf, other []int, nonCF int) {
	cf = make([]int, len(tickets))
	sumCF, zeros := 0, 0
	for i, t := range tickets {
		cf[i] = drawCustomerFacing(r, t.resolved)
		sumCF += cf[i]
	}
	for i := range cf {
		if cf[i] == 0 {
			zeros++
		}
	}
	for nLoaded-sumCF < zeros { // every ticket without a customer-facing comment needs another one
		big := 0
		for i := range cf {
			if cf[i] > cf[big] {
				big = i
			}
		}
		cf[big]--
		sumCF--
		if cf[big] == 0 {
			zeros++
		}
	}
	nonCF = nLoaded - sumCF
	other = make([]int, len(tickets))
	cum := make([]float64, len(tickets))
	w := 0.0
	for i, t := range tickets {
		if cf[i] == 0 {
			other[i] = 1
		}
		x := 0.2 + r.ExpFloat64()
		if t.resolved {
			x *= 1.3
		}
		w += x
		cum[i] = w
	}
	for k := nonCF - zeros; k > 0; k-- {
		other[sort.SearchFloat64s(cum, r.Float64()*w)]++
	}
	return cf, other, nonCF
}

// fillComment draws time, author, text and the raw visible flag of a comment whose ticket and
// type are set.
func (g *gen) fillComment(r *rand.Rand, c *comment, pAuto float64) {
	c.at = betweenMinutes(r, c.tk.actStart, c.tk.actEnd)
	switch {
	case c.toucher:
		c.user = oneOf(r, g.cast.roster)
	case c.ctype == "system" && chance(r, pAuto):
		c.user = g.cast.auto
	default:
		c.user = g.cast.human(r, 0.75)
	}
	c.upper = c.user.roster && chance(r, 0.005)
	c.text = g.text.slice(r, lognormalLen(r, meanCommentLen, 0.8, 12, maxCommentLen))
	c.vis = visibleFlag(r)
}

func drawCustomerFacing(r *rand.Rand, resolved bool) int {
	p0, p1, p23 := 0.23, 0.71, 0.90
	if !resolved {
		p0, p1, p23 = 0.30, 0.75, 0.92
	}
	switch x := r.Float64(); {
	case x < p0:
		return 0
	case x < p1:
		return 1
	case x < p23:
		return 2 + r.IntN(2)
	}
	n := 4
	for n < 20 && chance(r, 0.55) {
		n++
	}
	return n
}

// visibleFlag is the unusable source flag: ~1.5% real values, ~3% garbage, the rest empty.
func visibleFlag(r *rand.Rand) string {
	switch x := r.Float64(); {
	case x < 0.015:
		return oneOf(r, []string{"0", "1", "True", "0", "1", "False"})
	case x < 0.045:
		switch r.IntN(4) {
		case 0:
			return strconv.Itoa(r.IntN(200))
		case 1:
			return strconv.Itoa(r.IntN(100)) + "." + strconv.Itoa(1+r.IntN(9))
		case 2:
			return oneOf(r, fonts)
		default:
			return fragment(r, 3)
		}
	}
	return ""
}

// planCommentDirt adds duplicate losers and broken rows, picks the fixable defects, orders the
// rows for export and assigns comment ids.
func (g *gen) planCommentDirt(loadedRows []*comment, nDup, nBroken int, pAuto float64) []*comment {
	r := newRand(g.o.Seed, streamCommentDirt)
	n := len(loadedRows)
	used := make([]bool, n)
	for i, c := range loadedRows {
		used[i] = c.toucher // the toucher stays clean: it alone guarantees the ticket's scope
	}
	var dupOK []int
	for i, c := range loadedRows {
		if !c.toucher && c.at.After(ceilMinute(c.tk.actStart)) {
			dupOK = append(dupOK, i)
		}
	}
	var losers []*comment
	for _, i := range pickK(r, dupOK, nDup) {
		w := loadedRows[i]
		l := *w
		// The older row: still after the cutoff (so in scope) and strictly older.
		l.at = betweenMinutes(r, w.tk.actStart, w.at.Add(-time.Minute))
		l.isLoser, l.toucher = true, false
		w.loser = &l
		off := float64(1+r.IntN(30)) - 0.5
		if chance(r, 0.5) {
			off = -off
		}
		l.key = w.key + off
		losers = append(losers, &l)
		used[i] = true
	}
	nBroken += nDup - len(losers) // keep the in-scope total exact

	perm := r.Perm(n)
	assign := func(kind string, k int, ok func(c *comment) bool) []*comment {
		var got []*comment
		for _, i := range perm {
			if len(got) == k {
				break
			}
			if c := loadedRows[i]; !used[i] && ok(c) {
				used[i] = true
				c.dirt = kind
				got = append(got, c)
			}
		}
		return got
	}
	all := func(*comment) bool { return true }
	for _, c := range assign(KindNulBytes, dirtCount(n, 0.002, 1, 500), func(c *comment) bool { return len(c.text) >= 20 }) {
		c.rawText = insertNULs(r, c.text)
	}
	for _, c := range assign(KindCRLF, dirtCount(n, 0.005, 1, 500), func(c *comment) bool { return strings.Contains(c.text, "\n") }) {
		c.rawText = strings.ReplaceAll(c.text, "\n", "\r\n")
	}
	for _, c := range assign(KindNewlineRun, dirtCount(n, 0.0005, 1, 1000), func(c *comment) bool { return runSpot(c.text) >= 0 }) {
		// The canonical text has exactly 3 newlines where the export has a run of 100+.
		p := runSpot(c.text)
		run := strings.Repeat("\n", 100+r.IntN(400))
		c.rawText = c.text[:p] + run + c.text[p+1:]
		c.text = c.text[:p] + "\n\n\n" + c.text[p+1:]
	}
	assign(KindExcelSerial, dirtCount(n, 0.002, 1, 500), all)
	assign(KindNanUser, dirtCount(n, 0.002, 1, 500), all)
	assign(KindPadded, dirtCount(n, 0.001, 1, 1000), all)

	// Broken rows (SPEC 2.1: ~8% garbage or continuation rows, the rest lacking ticket, text or
	// date), spread over the file.
	nGarbage := g.round(float64(nBroken) * 8 / 13)
	nTime := g.round(float64(nBroken) * 3 / 13)
	nText := g.round(float64(nBroken) * 1 / 13)
	nTicket := max(nBroken-nGarbage-nTime-nText, 0)
	nGarbage = nBroken - nTime - nText - nTicket
	var broken []*comment
	addBroken := func(kind brokenKind) {
		t := oneOf(r, g.tk.tickets)
		c := &comment{tk: t, ticketID: t.id, team: t.team, broken: kind}
		c.ctype = commentTypes.pick(r)
		g.fillComment(r, c, pAuto)
		c.key = r.Float64() * float64(max(n, 1))
		broken = append(broken, c)
	}
	for i := 0; i < nGarbage; i++ {
		kind := garbageText
		if chance(r, 0.5) {
			kind = garbageEmpty
		}
		addBroken(kind)
		broken[len(broken)-1].lostID = chance(r, 0.4)
	}
	for i := 0; i < nTime; i++ {
		addBroken(noTime)
	}
	for i := 0; i < nText; i++ {
		addBroken(noText)
	}
	for i := 0; i < nTicket; i++ {
		addBroken(noTicket)
	}
	if nGarbage > 0 && g.o.Format == "csv" && g.scaled(refComments) >= 1000 {
		// One row converted to CSV with unescaped commas. The XLSX rendering keeps the garbage row
		// in its place, so that both formats have the same loaded rows.
		broken[0].broken = fieldCount
	}

	rows := make([]*comment, 0, n+len(losers)+len(broken))
	return append(append(append(rows, loadedRows...), losers...), broken...)
}

// emitComments writes the comments export, interleaving (Raw) comments that are before the
// cutoff or on untouched tickets.
func (g *gen) emitComments(ctx context.Context, fn func(*row) error) error {
	rows := g.planComments()
	total := len(rows)
	nOut := 0
	if g.o.Raw {
		nOut = max(g.scaled(refCommentsRaw)-total, 0)
	}
	tbl := g.sp.Table("comments")
	cols := newCommentCols(tbl)
	var r row
	raw := newRand(g.o.Seed, streamCommentRaw)
	var early []*ticket // in-scope tickets created before the cutoff
	for _, t := range g.tk.tickets {
		if t.created.Before(g.cutoff.Add(-2 * time.Minute)) {
			early = append(early, t)
		}
	}
	oldIDs := int64(max(g.tk.out, 100000))
	outID := max(int64(commentIDBase)-3*int64(nOut), 1)
	next := 0
	return merge(ctx, newRand(g.o.Seed, streamCommentMerge), total, nOut,
		func() error {
			c := rows[next]
			next++
			g.renderComment(&r, tbl, &cols, c)
			return fn(&r)
		},
		func() error {
			c := g.outComment(raw, early, oldIDs)
			outID += 1 + raw.Int64N(2)
			c.id = outID
			g.renderComment(&r, tbl, &cols, c)
			r.state = outOfScope
			return fn(&r)
		})
}

// outComment draws an out-of-scope comment: before the cutoff (on an old ticket or on an
// in-scope ticket created before the cutoff), or after it on an old, untouched ticket and then
// never by a roster member.
func (g *gen) outComment(r *rand.Rand, early []*ticket, oldIDs int64) *comment {
	c := &comment{ctype: commentTypes.pick(r)}
	c.ticketID = ticketIDBase - 1 - r.Int64N(oldIDs)
	c.team = teamsSupport.pick(r)
	switch x := r.Float64(); {
	case x < 0.1 && len(early) > 0:
		t := oneOf(r, early)
		c.ticketID, c.team = t.id, t.team
		c.at = betweenMinutes(r, t.created, g.cutoff.Add(-time.Minute))
		c.user = g.anyAuthor(r)
	case x < 0.7:
		c.at = betweenMinutes(r, g.cutoff.AddDate(-2, 0, 0), g.cutoff.Add(-time.Minute))
		c.user = g.anyAuthor(r)
	default:
		c.at = betweenMinutes(r, g.cutoff, g.qEnd)
		c.user = g.cast.auto
		if chance(r, 0.4) {
			c.user = oneOf(r, g.cast.staff)
		}
	}
	c.text = g.text.slice(r, lognormalLen(r, meanCommentLen, 0.8, 12, maxCommentLen))
	c.vis = visibleFlag(r)
	return c
}

func (g *gen) anyAuthor(r *rand.Rand) *person {
	if chance(r, autoShare) {
		return g.cast.auto
	}
	return g.cast.human(r, 0.6)
}

func (g *gen) renderComment(r *row, tbl *contract.Table, c *commentCols, cm *comment) {
	r.reset(tbl)
	idText := strconv.FormatInt(cm.id, 10)
	r.key = idText
	r.cells[c.id] = intCell(cm.id)
	r.cells[c.ticket] = intCell(cm.ticketID)
	r.cells[c.text] = textCell(cm.text)
	r.cells[c.userID] = intCell(cm.user.id)
	name := cm.user.user
	if cm.upper {
		name = strings.ToUpper(name[:1]) + name[1:]
	}
	r.cells[c.user] = textCell(name)
	owner := "User"
	if cm.user == g.cast.auto {
		owner = "System"
	}
	r.cells[c.owner] = textCell(owner)
	r.cells[c.created] = dayFirstStampCell(cm.at)
	r.cells[c.vis] = textCell(cm.vis)
	r.cells[c.ctype] = textCell(cm.ctype)
	r.cells[c.team] = textCell(cm.team)

	if cm.isLoser {
		r.quarantine(c.id, KindDuplicateKey, contract.RuleDuplicateKey, idText)
		return
	}
	kind := cm.broken
	if kind == fieldCount && g.o.Format != "csv" {
		kind = garbageText
	}
	switch kind {
	case garbageText, garbageEmpty:
		r.key = ""
		d := rand.New(rand.NewPCG(uint64(cm.id), 7))
		if !cm.lostID {
			// A continuation row: what is left of a comment that spilled over a line break.
			keep := r.cells[c.text]
			for i := range r.cells {
				r.cells[i] = nullCell()
			}
			if kind == garbageEmpty {
				r.cells[c.text] = keep
			}
			if chance(d, 0.3) {
				r.cells[c.vis] = textCell(oneOf(d, fonts))
			}
		}
		if kind == garbageText {
			frag := fragment(d, 6)
			r.cells[c.id] = cell{val: frag, kind: kStr, raw: frag}
			r.quarantine(c.id, KindGarbageID, contract.RuleInvalid(contract.Integer), frag)
		} else {
			r.cells[c.id] = nullCell()
			r.quarantine(c.id, KindGarbageID, contract.RuleMissingRequired, "")
		}
	case noTicket:
		r.cells[c.ticket] = nullCell()
		r.quarantine(c.ticket, KindMissingRequired, contract.RuleMissingRequired, "")
	case noText:
		raw := ""
		if cm.id%5 == 0 {
			raw = "nan" // a pandas artefact: a sentinel, so still missing
		}
		r.cells[c.text] = cell{null: true, kind: kStr, raw: raw}
		r.quarantine(c.text, KindMissingRequired, contract.RuleMissingRequired, raw)
	case noTime:
		r.cells[c.created] = nullCell()
		r.quarantine(c.created, KindMissingRequired, contract.RuleMissingRequired, "")
	case fieldCount:
		r.key = ""
		r.line = g.fieldCountLine(r, c, cm)
		r.quarantine(-1, KindFieldCount, contract.RuleFieldCount, r.line)
	}
	if kind != notBroken {
		if kind == noText && r.cells[c.text].raw == "" {
			r.cells[c.text].kind = kNone
		}
		return
	}

	switch cm.dirt {
	case KindNulBytes, KindCRLF, KindNewlineRun:
		r.dirty(c.text, cm.dirt, cm.rawText)
	case KindExcelSerial:
		r.dirty(c.created, KindExcelSerial, excelSerial(cm.at))
	case KindNanUser:
		r.cells[c.user] = nullCell()
		r.dirty(c.user, KindNanUser, "nan")
	case KindPadded:
		pad := name + " "
		if cm.id%2 == 0 {
			pad = " " + name
		}
		r.dirty(c.user, KindPadded, pad)
	}
}

// fieldCountLine is the row as a spreadsheet tool wrote it without quoting: the comment text's
// commas split it into extra fields. No field holds a quote or a line break, so the record
// still ends where it should.
func (g *gen) fieldCountLine(r *row, c *commentCols, cm *comment) string {
	d := rand.New(rand.NewPCG(uint64(cm.id), 11))
	parts := make([]string, 3+d.IntN(40))
	for i := range parts {
		parts[i] = fragment(d, 5)
		if i > 0 {
			parts[i] = " " + parts[i]
		}
	}
	fields := make([]string, len(r.cells))
	for i := range r.cells {
		fields[i] = r.cells[i].raw
	}
	fields[c.text] = strings.Join(parts, ",")
	return strings.Join(fields, ",")
}
