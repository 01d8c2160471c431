package profile

import (
	"maps"
	"slices"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/report"
	"github.com/sdetl/sdetl/internal/values"
)

// Bare numbers as dates. A number parses as an Excel serial (1 .. 2958465) or an epoch, so a
// stray "1" in a column of 2020 text dates would load as 1900-01-01 00:00:00. A number is date
// evidence only where the column's dates are numbers:
//
//   - a column whose dates are mostly numbers (no more text dates than numbers) reads every
//     number as a date: it is a serial (or epoch) column, whatever else it holds;
//   - a column of date text reads a number as a date only when it falls among the column's own
//     dates: within the months its text dates span, widened by 12 months on each side. The
//     real exports mix day-first text and serials of the same months (SPEC 2.2); a stray 1,
//     or a count, lands decades away and is a misfit (invalid_timestamp / invalid_date).
//
// The decision needs the text dates' span, known only at the end of the scan, so numbers are
// counted per month until then (bounded: past maxNumberMonths distinct months the rest are
// pooled and, in a text column, count as outside).

const (
	// NumbersAll: the column's dates are mostly numbers; every serial or epoch is read.
	NumbersAll = "all"
	// NumbersSpan: the column's dates are text; numbers are read only within From..To.
	NumbersSpan = "span"

	numberMarginMonths = 12
	maxNumberMonths    = 1 << 13
)

// NumberDates is a date column's decision on bare numbers, and what it did.
type NumberDates struct {
	Rule    string            `json:"rule"`           // NumbersAll or NumbersSpan
	From    string            `json:"from,omitempty"` // NumbersSpan: first and last day a number may fall on
	To      string            `json:"to,omitempty"`
	Read    int64             `json:"read"`    // numbers read as dates
	Outside int64             `json:"outside"` // numbers outside the span: not dates (misfits)
	Span    *contract.DaySpan `json:"-"`       // NumbersSpan: From..To for the clean stage
}

// numMonth counts the numbers that parse as dates in one month.
type numMonth struct {
	n, midnight      int64
	forms            [3]int64  // serial, epoch seconds, epoch milliseconds
	lo, hi           time.Time // extremes of all of them
	dLo, dHi         time.Time // extremes of the midnight ones
	example, exNotMd string    // one value, and one that is not midnight
}

func (m *numMonth) add(t time.Time, f values.DateForm, midnight bool, s string) {
	m.lo, m.hi = minMaxTime(m.n == 0, m.lo, m.hi, t)
	if midnight {
		m.dLo, m.dHi = minMaxTime(m.midnight == 0, m.dLo, m.dHi, t)
		m.midnight++
	} else if m.exNotMd == "" {
		m.exNotMd = report.Shorten(s, maxExampleLen)
	}
	if m.example == "" {
		m.example = report.Shorten(s, maxExampleLen)
	}
	m.n++
	switch f {
	case values.FormExcelSerial:
		m.forms[0]++
	case values.FormEpochSeconds:
		m.forms[1]++
	default:
		m.forms[2]++
	}
}

// numberDates accumulates a column's number-dates by month.
type numberDates struct {
	months   map[int]*numMonth
	overflow numMonth
	decided  *NumberDates // set once folded into the column's counts
}

func monthIndex(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

func (nd *numberDates) add(t time.Time, f values.DateForm, midnight bool, s string) {
	if nd.months == nil {
		nd.months = map[int]*numMonth{}
	}
	k := monthIndex(t)
	m := nd.months[k]
	if m == nil {
		if len(nd.months) >= maxNumberMonths {
			nd.overflow.add(t, f, midnight, s)
			return
		}
		m = &numMonth{}
		nd.months[k] = m
	}
	m.add(t, f, midnight, s)
}

// decideNumbers folds the column's number-dates into its counts, once: those its rule reads
// count as timestamps (and dates, at midnight), the others as invalid date forms and, in a
// contracted date column, as unsupported values.
func (c *column) decideNumbers() *NumberDates {
	nd := &c.numbers
	if nd.decided != nil { // a second report must not fold the numbers in twice
		return nd.decided
	}
	text := c.forms[values.FormISO] + c.forms[values.FormDayFirst] + c.forms[values.FormMonthFirst] + c.forms[values.FormAmbiguous] + c.forms[values.FormMonthName]
	total := nd.overflow.n
	for _, m := range nd.months {
		total += m.n
	}
	d := &NumberDates{Rule: NumbersAll}
	lo, hi := 0, -1 // month window; empty until decided
	if text > 0 && total < text {
		d.Rule = NumbersSpan
		// Both readings of ambiguous d/m values: the order is decided elsewhere, and the span
		// only has to hold the column's dates whichever way they are read.
		first, last := minMaxTime(false, c.stampMin[0], c.stampMax[0], c.stampMin[1])
		first, last = minMaxTime(false, first, last, c.stampMax[1])
		lo, hi = monthIndex(first)-numberMarginMonths, monthIndex(last)+numberMarginMonths
		from := time.Date(lo/12, time.Month(lo%12+1), 1, 0, 0, 0, 0, time.UTC)
		to := time.Date(hi/12, time.Month(hi%12+1), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, -1)
		d.From, d.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
		d.Span = &contract.DaySpan{From: int(from.Unix() / 86400), To: int(to.Unix() / 86400)}
	}
	nd.decided = d
	fold := func(m *numMonth, read bool) {
		if m.n == 0 {
			return
		}
		if !read {
			d.Outside += m.n
			c.forms[values.FormInvalid] += m.n
			if c.want == candDate || c.want == candTimestamp {
				c.example(m.example)
			}
			return
		}
		d.Read += m.n
		c.parses[candTimestamp] += m.n
		c.parses[candDate] += m.midnight
		c.forms[values.FormExcelSerial] += m.forms[0]
		c.forms[values.FormEpochSeconds] += m.forms[1]
		c.forms[values.FormEpochMillis] += m.forms[2]
		for i := range 2 {
			c.stampMin[i], c.stampMax[i] = minMaxTime(!c.hasStamp, c.stampMin[i], c.stampMax[i], m.lo)
			c.stampMin[i], c.stampMax[i] = minMaxTime(false, c.stampMin[i], c.stampMax[i], m.hi)
			if m.midnight > 0 {
				c.dateMin[i], c.dateMax[i] = minMaxTime(!c.hasDate, c.dateMin[i], c.dateMax[i], m.dLo)
				c.dateMin[i], c.dateMax[i] = minMaxTime(false, c.dateMin[i], c.dateMax[i], m.dHi)
			}
		}
		c.hasStamp = true
		c.hasDate = c.hasDate || m.midnight > 0
		switch c.want {
		case candTimestamp:
			c.supported += m.n
		case candDate:
			c.supported += m.midnight
			if m.midnight < m.n {
				c.example(m.exNotMd)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(nd.months)) { // sorted: the same examples every time
		fold(nd.months[k], d.Rule == NumbersAll || lo <= k && k <= hi)
	}
	fold(&nd.overflow, d.Rule == NumbersAll)
	return d
}

// example adds an unsupported value's example, while there is room.
func (c *column) example(s string) {
	if len(c.examples) < maxExamples {
		c.addExample(s)
	}
}
