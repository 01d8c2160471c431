package specdraft

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/exports"
	"github.com/sdetl/sdetl/internal/values"
)

// The quality rules a draft takes from its dates (issue 12): the plausible date range is the
// data's own, widened by a margin, not the built-in contract's (a 2016 log is not invalid), and
// pairs of dates whose names say which comes first (created <= resolved) get an order rule when
// the data agrees, so that a misread date order shows up as a failing rule.

const (
	rangeMarginYears = 1  // dates.min: January 1 of the year before the earliest date seen
	aheadMarginDays  = 30 // dates.max_ahead_days: the latest date seen past today, plus this
	maxOrderShare    = 0.01
)

// DateRange is the drafted quality.dates: the earliest plausible date and how far past today.
type DateRange struct {
	Min          string `json:"min"`
	MaxAheadDays int    `json:"max_ahead_days"`
	Note         string `json:"note"`
}

// OrderRule is a drafted quality.order rule and the evidence for it.
type OrderRule struct {
	Table    string   `json:"table"`
	Columns  []string `json:"columns"`
	Compared int64    `json:"compared"`   // rows with both dates
	Against  int64    `json:"violations"` // rows where the first is later
}

// firstWords name a date that comes first in a ticket's life; laterWords one that comes after.
var (
	firstWords = []string{"created", "opened", "logged", "reported", "submitted", "raised", "start", "started", "received", "creation"}
	laterWords = []string{"updated", "modified", "resolved", "closed", "closure", "completed", "ended", "end", "finished", "resolution", "changed", "solved"}
)

func nameHas(name string, ws []string) bool {
	for _, w := range words(name) {
		for _, x := range ws {
			if strings.EqualFold(w, x) {
				return true
			}
		}
	}
	return false
}

// dateRange drafts quality.dates from the extremes of every date column of every export.
func (d *Draft) dateRange(now time.Time) {
	var lo, hi string
	for _, t := range d.Tables {
		for _, c := range t.Columns {
			if !c.Type.IsDated() || c.Min == "" {
				continue
			}
			mn, mx := c.Min[:10], c.Max[:10] // canonical dates start YYYY-MM-DD
			if lo == "" || mn < lo {
				lo = mn
			}
			if hi == "" || mx > hi {
				hi = mx
			}
		}
	}
	def := contract.DefaultQuality()
	r := &DateRange{Min: def.Dates.Min, MaxAheadDays: def.Dates.MaxAheadDays}
	if lo == "" {
		r.Note = "no dates seen: the default range"
		d.Dates = r
		return
	}
	first, _ := time.Parse(time.DateOnly, lo)
	last, _ := time.Parse(time.DateOnly, hi)
	r.Min = time.Date(first.Year()-rangeMarginYears, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if ahead := int(last.Sub(today).Hours()/24) + aheadMarginDays; ahead > r.MaxAheadDays {
		r.MaxAheadDays = ahead
	}
	r.Note = fmt.Sprintf("the exports' dates span %s .. %s: a date before %s or more than %d days after the run is implausible (dates_in_range)",
		lo, hi, r.Min, r.MaxAheadDays)
	d.Dates = r
}

// orderRules drafts created <= later rules for a table's date pairs whose names suggest one,
// reading the export again to check every row with both dates as the clean stage will read
// them. A pair the data contradicts on more than 1% of its rows gets a note instead.
func (d *Draft) orderRules(ctx context.Context, sc *scanned, td *TableDraft, sentinels []string) error {
	type pair struct{ a, b int }
	var pairs []pair
	for i, a := range td.Columns {
		if !a.Type.IsDated() || !nameHas(a.Name, firstWords) {
			continue
		}
		for j, b := range td.Columns {
			if i == j || !b.Type.IsDated() || !nameHas(b.Name, laterWords) || nameHas(b.Name, firstWords) ||
				(a.Type == contract.Timestamptz) != (b.Type == contract.Timestamptz) {
				continue // a wall clock and an instant do not compare
			}
			pairs = append(pairs, pair{i, j})
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	cols := make([]*contract.Column, len(td.Columns))
	for _, p := range pairs {
		for _, i := range []int{p.a, p.b} {
			cd := td.Columns[i]
			c := &contract.Column{Name: cd.Name, Type: cd.Type, DateOrder: cd.DateOrder}
			if c.DateOrder == "" {
				c.DateOrder = d.DateOrder
			}
			if nd := sc.reports[i].NumberDates; nd != nil {
				c.NumberDates = nd.Span
			}
			cols[i] = c
		}
	}
	ex, err := exports.Open(sc.path)
	if err != nil {
		return err
	}
	defer ex.Close()
	norm := values.NewNormalizer(sentinels)
	rules := make([]OrderRule, len(pairs))
	canon := make([]string, len(td.Columns))
	err = ex.Each(ctx, nil, func(r exports.Row) error {
		if r.Misfit != "" {
			return nil
		}
		for i, c := range cols {
			canon[i] = ""
			if c != nil && sc.cols[i].pos < len(r.Cells) {
				if v, err := norm.NormalizeColumn(c, r.Cells[sc.cols[i].pos]); err == nil && !v.Null {
					canon[i] = v.Value
				}
			}
		}
		for k, p := range pairs {
			if canon[p.a] != "" && canon[p.b] != "" {
				rules[k].Compared++
				if canon[p.a] > canon[p.b] { // canonical date text sorts as its instants
					rules[k].Against++
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k, p := range pairs {
		r := &rules[k]
		a, b := td.Columns[p.a].Name, td.Columns[p.b].Name
		r.Table, r.Columns = td.Table, []string{a, b}
		switch {
		case r.Compared == 0:
		case float64(r.Against) <= maxOrderShare*float64(r.Compared):
			td.Orders = append(td.Orders, *r)
		default:
			td.Notes = append(td.Notes, fmt.Sprintf("CHECK: %q is after %q on %d of %d rows with both: no order rule drafted (a misread date order looks like this)",
				a, b, r.Against, r.Compared))
		}
	}
	return nil
}
