package synth

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loadedTable is one table's expected loaded rows, addressed by column name.
type loadedTable struct {
	idx  map[string]int
	rows [][]*string
}

func (lt *loadedTable) get(row []*string, col string) string {
	i, ok := lt.idx[col]
	if !ok {
		panic("no column " + col)
	}
	if row[i] == nil {
		return ""
	}
	return *row[i]
}

func loadTable(t *testing.T, o Options, name string) *loadedTable {
	t.Helper()
	lt := &loadedTable{idx: map[string]int{}}
	for i, c := range serviceDesk.Table(name).Columns {
		lt.idx[c.Name] = i
	}
	err := ExpectedRows(o, name, func(_ int, v []*string) error {
		lt.rows = append(lt.rows, v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lt
}

type share struct {
	name   string
	n, of  int
	lo, hi float64
}

func checkShares(t *testing.T, shares []share) {
	t.Helper()
	for _, s := range shares {
		f := float64(s.n) / float64(max(s.of, 1))
		t.Logf("%-34s %.4f", s.name, f)
		if f < s.lo || f > s.hi {
			t.Errorf("%s: %.4f (%d of %d), want [%.3f, %.3f]", s.name, f, s.n, s.of, s.lo, s.hi)
		}
	}
}

// TestDistributions checks the SPEC section 7 figures and the date consistency rules on the
// loaded (clean) rows.
func TestDistributions(t *testing.T) {
	if testing.Short() {
		t.Skip("scale 0.2")
	}
	o := Options{Scale: 0.2, Seed: distSeed()}
	tk := loadTable(t, o, "tickets")
	co := loadTable(t, o, "comments")
	ts := loadTable(t, o, "timesheets")

	var resolved, slaKnown, slaYes, unassigned, parent, response, resolution, chg, rootCause, support, alert int
	statuses := map[string]int{}
	isResolved := map[string]bool{}
	ticketIDs := map[string]bool{}
	for _, r := range tk.rows {
		get := func(c string) string { return tk.get(r, c) }
		id := get("TKT-Ticket ID")
		ticketIDs[id] = true
		st := get("TKT-Status")
		statuses[st]++
		if resolvedStatus[st] {
			resolved++
			isResolved[id] = true
			if get("TKT-Root Cause Category") != "" {
				rootCause++
			}
		}
		switch get("TKT-SLA Met") {
		case "yes":
			slaKnown++
			slaYes++
		case "no":
			slaKnown++
		}
		if get("TKT-Assigned To User") == placeholder {
			unassigned++
		}
		count := func(c string, n *int) {
			if get(c) != "" {
				*n++
			}
		}
		count("TKT-Parent ID", &parent)
		count("TKT-Actual Response Date", &response)
		count("TKT-Actual Resolution Date", &resolution)
		count("Chg-Planned Start Date", &chg)
		switch get("TKT-Category") {
		case "Support Tickets":
			support++
		case "Alert":
			alert++
		}
		if get("TKT-Related CI") != "" {
			t.Errorf("ticket %s: TKT-Related CI populated", id)
		}
		created, modified, closure, res := get("TKT-Created Time"), get("TKT-Modified Time"), get("TKT-Closure Date"), get("TKT-Actual Resolution Date")
		if modified < created || closure != "" && closure < modified || res != "" && res < created {
			t.Errorf("ticket %s: created %s modified %s closure %s resolution %s", id, created, modified, closure, res)
		}
		if get("TKT-Month Created") != created[:7] || closure != "" && get("TKT-Month Closed") != closure[:7] {
			t.Errorf("ticket %s: month labels do not match their dates", id)
		}
	}
	for _, st := range []string{"Closed", "Resolved", "Incident Resolved", "Open", "In Progress", "Pending"} {
		if statuses[st] == 0 {
			t.Errorf("no %s ticket", st)
		}
	}
	n := len(tk.rows)
	checkShares(t, []share{
		{"resolved", resolved, n, 0.70, 0.76},
		{"SLA known", slaKnown, n, 0.92, 0.96},
		{"SLA met of known", slaYes, slaKnown, 0.94, 0.98},
		{"placeholder", unassigned, n, 0.26, 0.32},
		{"parent id", parent, n, 0.01, 0.03},
		{"actual response", response, n, 0.59, 0.67},
		{"actual resolution", resolution, n, 0.49, 0.57},
		{"change dates", chg, n, 0.0005, 0.01},
		{"root cause of resolved", rootCause, resolved, 0.95, 0.99},
		{"Support Tickets", support, n, 0.58, 0.66},
		{"Alert", alert, n, 0.27, 0.35},
	})

	cutoff := "2025-07-01 00:00:00"
	qEnd := "2025-09-30 23:59:59"
	types := map[string]int{}
	var auto, textLen, vis int
	cf := map[string]int{}
	for _, r := range co.rows {
		get := func(c string) string { return co.get(r, c) }
		types[get("comment_type")]++
		if get("user_name") == "sd.automation" {
			auto++
		}
		textLen += len(get("comment_text"))
		if at := get("created_time"); at < cutoff || at > qEnd {
			t.Errorf("comment %s at %s, outside the quarter", get("comment_id"), at)
		}
		if get("comment_type") == "comments" {
			cf[get("ticket_id")]++
		}
		if !ticketIDs[get("ticket_id")] {
			t.Errorf("comment %s on ticket %s, which is not loaded", get("comment_id"), get("ticket_id"))
		}
		switch get("visible_to_customer") {
		case "0", "1", "True", "False":
			vis++
		}
	}
	var none, one, twoThree, more int
	for id := range isResolved {
		switch c := cf[id]; {
		case c == 0:
			none++
		case c == 1:
			one++
		case c <= 3:
			twoThree++
		default:
			more++
		}
	}
	nc := len(co.rows)
	if mean := textLen / nc; mean < 1800 || mean > 2400 {
		t.Errorf("mean comment length %d", mean)
	}
	checkShares(t, []share{
		{"automation", auto, nc, 0.58, 0.64},
		{"system", types["system"], nc, 0.70, 0.80},
		{"customer-facing", types["comments"], nc, 0.12, 0.19},
		{"worknotes", types["worknotes"], nc, 0.07, 0.13},
		{"visible flag real values", vis, nc, 0.001, 0.025},
		{"resolved without customer-facing", none, resolved, 0.20, 0.26},
		{"resolved with one", one, resolved, 0.44, 0.52},
		{"resolved with two or three", twoThree, resolved, 0.16, 0.22},
		{"resolved with four or more", more, resolved, 0.07, 0.13},
	})

	roster := map[string]bool{}
	for _, p := range newCast(o.Seed).roster {
		roster[p.user] = true
	}
	var admin, orphan, byRoster, noHours int
	for _, r := range ts.rows {
		get := func(c string) string { return ts.get(r, c) }
		crm := get("TS-Crm ID")
		switch {
		case crm == "0":
			admin++
			orphan++
		case !ticketIDs[crm]:
			orphan++
		}
		if roster[get("TS-User Username")] {
			byRoster++
		}
		if get("TS-Sub Category") != "" {
			t.Error("TS-Sub Category populated")
		}
		h := get("TS-Hours")
		if h == "" {
			noHours++
			continue
		}
		d, err := time.ParseDuration(h + "h")
		if err != nil || d <= 0 || d > 8*time.Hour || d%(15*time.Minute) != 0 {
			t.Errorf("hours %q", h)
			continue
		}
		from, _ := time.Parse(isoClock, get("TS-Time From"))
		to, _ := time.Parse(isoClock, get("TS-Time To"))
		if to.Sub(from) != d {
			t.Errorf("%s..%s is not %s hours", get("TS-Time From"), get("TS-Time To"), h)
		}
		if date := get("TS-Date"); date < cutoff[:10] || date > qEnd[:10] && !strings.HasPrefix(date, "2026-") {
			t.Errorf("timesheet dated %s", date)
		}
	}
	nt := len(ts.rows)
	checkShares(t, []share{
		{"admin time", admin, nt, 0.16, 0.22},
		{"orphans", orphan, nt, 0.85, 0.95},
		{"roster users", byRoster, nt, 0.75, 0.95},
		{"no hours", noHours, nt, 0.001, 0.01},
	})
}

func distSeed() int64 {
	var s int64 = 3
	if v := os.Getenv("SYNTH_DIST_SEED"); v != "" {
		s, _ = strconv.ParseInt(v, 10, 64)
	}
	return s
}
