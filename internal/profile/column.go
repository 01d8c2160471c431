package profile

import (
	"errors"
	"math/bits"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/report"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// The candidate types a value is tried as, most specific first: inference takes the first one
// that enough values support.
type candidate int

const (
	candBoolean candidate = iota // yes/no, true/false, y/n, t/f, 1/0 (the flag and boolean spellings)
	candInteger
	candDecimal
	candMonth
	candTime
	candDate
	candTimestamp
	candTimestamptz // date text with a UTC offset, the one candidate without a wall clock
	nCand
)

var candNames = [nCand]string{"boolean", "integer", "decimal", "month", "time", "date", "timestamp", "timestamptz"}

// candidateOf maps a contracted type to the candidate that supports it; -1 for text.
func candidateOf(t contract.Type) candidate {
	switch t {
	case contract.Flag, contract.Boolean:
		return candBoolean
	case contract.Integer:
		return candInteger
	case contract.Decimal:
		return candDecimal
	case contract.Month:
		return candMonth
	case contract.Time:
		return candTime
	case contract.Date:
		return candDate
	case contract.Timestamp:
		return candTimestamp
	case contract.Timestamptz:
		return candTimestamptz
	}
	return -1
}

const (
	maxCandidateLen = 64 // longer values are only tried as their contracted type: no date is this long
	maxExamples     = 5
	maxExampleLen   = 60 // runes kept of an example value
)

// column accumulates one column. It is fed raw cells and never keeps more than a bounded
// amount of state (the distinct counter switches to a sketch; min/max and examples are a few
// strings).
type column struct {
	col         *contract.Column
	want        candidate // the contracted type's candidate, -1 for text
	norm        *values.Normalizer
	sentinels   []string // trimmed spec sentinels
	sentinelMax int      // longest value that can match one: case folding can triple a rune's bytes

	rows, empty  int64
	sentinelHits []int64
	nonNull      int64
	parses       [nCand]int64
	supported    int64 // non-null values normalising as the contracted type
	yesNo        int64 // boolean values spelled yes/no/y/n
	trueFalse    int64 // boolean values spelled true/false/t/f
	leadingZero  int64 // numbers written with a leading zero ("007")
	plus         int64 // numbers written with a leading + ("+318855443322")
	zeroEx       string
	plusEx       string
	forms        [values.FormInvalid + 1]int64
	distinct     distinct
	examples     []string

	textMin, textMax   string
	numMin, numMax     string       // canonical decimals
	clockMin, clockMax string       // canonical times of day
	monthMin, monthMax string       // canonical months
	stampMin, stampMax [2]time.Time // [0] reading ambiguous d/m values day-first, [1] month-first
	hasStamp           bool
	tzMin, tzMax       [2]time.Time // the same over the values with a UTC offset, as UTC instants
	offsets            int64        // date values with a UTC offset (the others: parses[candTimestamp])
	ambiguousEx        string       // the first ambiguous d/m value
	dateMin, dateMax   [2]time.Time // the same over the values that are dates (midnight exactly)
	hasDate            bool
	numbers            numberDates // bare numbers that parse as dates, by month

	memo []memoEntry // what add counted for recent values (memo.go); allocated on first use
}

func newColumn(c *contract.Column, norm *values.Normalizer, sentinels []string) *column {
	return &column{col: c, want: candidateOf(c.Type), norm: norm, sentinels: sentinels,
		sentinelMax: 3 * maxSentinelLen(sentinels), sentinelHits: make([]int64, len(sentinels)), distinct: newDistinct()}
}

func (c *column) add(raw string) {
	c.rows++
	s := values.TrimSpace(raw)
	if s == "" {
		c.empty++
		return
	}
	h := hash64(s)
	var e *memoEntry
	if len(s) <= memoMaxLen && memoSlots > 0 {
		if c.memo == nil {
			c.memo = make([]memoEntry, memoSlots)
		}
		e = &c.memo[h&uint64(len(c.memo)-1)] // the column's own table: memoSlots may change between tables (tests)
		if int(e.n) == len(s) && string(e.key[:e.n]) == s {
			c.replay(&e.out, s)
			return
		}
	}
	var o tally
	c.first(s, h, &o)
	if e != nil {
		e.n = uint8(copy(e.key[:], s))
		e.out = o
	}
}

// first is add's work for a value the memo does not hold: everything add counts, recorded in
// o for replay to repeat.
func (c *column) first(s string, h uint64, o *tally) {
	if len(s) <= c.sentinelMax {
		for i, x := range c.sentinels {
			if strings.EqualFold(s, x) {
				c.sentinelHits[i]++
				o.sentinel = int32(i + 1)
				return
			}
		}
	}
	c.nonNull++
	c.distinct.addHash(h)
	if c.nonNull == 1 || s < c.textMin {
		c.textMin = s
	}
	if c.nonNull == 1 || s > c.textMax {
		c.textMax = s
	}
	mask, number := c.classify(s, o)
	if number && (c.want == candDate || c.want == candTimestamp) {
		return // a number's support is decided with the column's number rule (decideNumbers)
	}
	if c.col.Layout != nil { // the column's format is its only spelling: support is by it
		mask &^= 1 << c.want
		if _, err := c.norm.NormalizeColumn(c.col, s); err == nil {
			mask |= 1 << c.want
		}
	}
	if c.want < 0 || mask&(1<<c.want) != 0 {
		c.supported++
		o.flags |= oSupported
	} else if len(c.examples) < maxExamples {
		c.addExample(s)
	}
}

// classify tries s as every candidate type it could be and counts the successes. Cheap byte
// checks rule most candidates out without calling a normaliser; they are exact except for the
// length limit, which never applies to the contracted type, so support is always exact.
// number says s is a bare number that parses as a date: its date evidence waits for the
// column's number rule (numbers.go), and mask leaves the date candidates out.
func (c *column) classify(s string, o *tally) (mask uint8, number bool) {
	try := prefilter(s)
	if c.want >= 0 {
		try |= 1 << c.want
		if c.want == candDate {
			try |= 1 << candTimestamp // a date is parsed as a timestamp at midnight
		}
	}
	var ok uint8
	if _, yes := c.parse(contract.Flag, s, try&(1<<candBoolean) != 0); yes {
		ok |= 1 << candBoolean
		o.flags |= c.spelling(s)
	}
	// Every integer spelling is a decimal spelling with the same canonical text.
	if v, yes := c.parse(contract.Integer, s, try&(1<<candInteger) != 0); yes {
		ok |= 1<<candInteger | 1<<candDecimal
		o.flags |= c.number(s, v)
	} else if v, yes := c.parse(contract.Decimal, s, try&(1<<candDecimal) != 0); yes {
		ok |= 1 << candDecimal
		o.flags |= c.number(s, v)
	}
	if v, yes := c.parse(contract.Month, s, try&(1<<candMonth) != 0); yes {
		ok |= 1 << candMonth
		c.monthMin, c.monthMax = minMax(c.parses[candMonth] == 0, c.monthMin, c.monthMax, v, strings.Compare)
	}
	if v, yes := c.parse(contract.Time, s, try&(1<<candTime) != 0); yes {
		ok |= 1 << candTime
		c.clockMin, c.clockMax = minMax(c.parses[candTime] == 0, c.clockMin, c.clockMax, v, strings.Compare)
	}
	form := values.FormInvalid
	if try&(1<<candTimestamp|1<<candDate|1<<candTimestamptz) != 0 {
		// One parse serves timestamp, timestamptz, date (midnight) and the date-form evidence;
		// the form is what values.ClassifyDate reports, and success does not depend on the
		// date order (an ambiguous d/m value is a valid date either way round).
		st, parsed := values.LooksStamp(s, contract.DMY)
		err := error(nil)
		if !parsed {
			err = errNotStamp
		}
		t, f := st.Time, st.Form
		switch {
		case err == nil && values.IsNumberForm(f) && c.want == candTimestamptz:
			if f != values.FormExcelSerial { // an epoch is an instant; a serial is a wall clock
				ok |= 1 << candTimestamptz
			}
		case err == nil && values.IsNumberForm(f):
			midnight := t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
			c.numbers.add(t, f, midnight, s)
			number = true
			o.flags |= oNumberDate
			if midnight {
				o.flags |= oMidnight
			}
			o.t, o.form = t, f
		case err == nil && st.Offset:
			form = f
			ok |= 1 << candTimestamptz
			c.offsets++
			o.flags |= oOffset
			c.stampTZ(s, t, f)
		case err == nil:
			form = f
			ok |= 1 << candTimestamp
			midnight := t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
			if midnight {
				ok |= 1 << candDate
			}
			c.stamp(t, f, midnight)
		}
	}
	if !number {
		o.form = form
		c.forms[form]++
		if form == values.FormAmbiguous && c.ambiguousEx == "" {
			c.ambiguousEx = report.Shorten(s, maxExampleLen)
		}
	}
	c.countParses(ok)
	o.parses = ok
	return ok, number
}

// parse normalises s as t when try is set and returns the canonical value.
func (c *column) parse(t contract.Type, s string, try bool) (string, bool) {
	if !try {
		return "", false
	}
	r, err := c.norm.Normalize(t, contract.DMY, s)
	return r.Value, err == nil
}

// countParses counts a value parsing as each candidate set in ok.
func (c *column) countParses(ok uint8) {
	for ; ok != 0; ok &= ok - 1 {
		c.parses[bits.TrailingZeros8(ok)]++
	}
}

// number tracks the numeric min/max by exact comparison of canonical decimals, and the
// spellings a number type would lose (s is the value as written, v its canonical text). It
// returns the spelling counted (oPlus, oZero or none).
func (c *column) number(s, v string) uint8 {
	c.numMin, c.numMax = minMax(c.parses[candDecimal] == 0, c.numMin, c.numMax, v, compareDecimal)
	switch {
	case s[0] == '+':
		if c.plus++; c.plusEx == "" {
			c.plusEx = report.Shorten(s, maxExampleLen)
		}
		return oPlus
	case leadingZero(s):
		if c.leadingZero++; c.zeroEx == "" {
			c.zeroEx = report.Shorten(s, maxExampleLen)
		}
		return oZero
	}
	return 0
}

// spelling counts how a boolean value is spelled: 1 and 0 alone do not say yes/no. It returns
// the spelling counted (oYesNo, oTrueFalse or none).
func (c *column) spelling(s string) uint8 {
	switch s[0] {
	case 'y', 'Y', 'n', 'N':
		c.yesNo++
		return oYesNo
	case 't', 'T', 'f', 'F':
		c.trueFalse++
		return oTrueFalse
	}
	return 0
}

// evidence is what Infer reads from the column.
func (c *column) evidence(distinct int64) Evidence {
	return Evidence{NonNull: c.nonNull, Rows: c.rows, Distinct: distinct, Parses: c.parses, Offsets: c.offsets,
		YesNo: c.yesNo, TrueFalse: c.trueFalse, LeadingZero: c.leadingZero, Plus: c.plus,
		ZeroExample: c.zeroEx, PlusEx: c.plusEx}
}

// stamp tracks the timestamp min/max under both readings of ambiguous d/m values, because
// the column's date order is only decided once all its evidence is in; and the date min/max
// over the midnight values, so that a date column's extremes are never a truncated timestamp.
func (c *column) stamp(t time.Time, f values.DateForm, midnight bool) {
	alt := t
	if f == values.FormAmbiguous { // read day-first; the month-first reading swaps day and month
		alt = time.Date(t.Year(), time.Month(t.Day()), int(t.Month()), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	for i, v := range [2]time.Time{t, alt} {
		c.stampMin[i], c.stampMax[i] = minMaxTime(!c.hasStamp, c.stampMin[i], c.stampMax[i], v)
		if midnight {
			c.dateMin[i], c.dateMax[i] = minMaxTime(!c.hasDate, c.dateMin[i], c.dateMax[i], v)
		}
	}
	c.hasStamp = true
	c.hasDate = c.hasDate || midnight
}

// stampTZ tracks the min/max of the values with an offset (UTC instants), both readings: the
// month-first reading of an ambiguous value is parsed again, because the swap of day and month
// happens on the wall clock, before the offset.
func (c *column) stampTZ(s string, t time.Time, f values.DateForm) {
	alt := t
	if f == values.FormAmbiguous {
		if st, err := values.ParseStamp(s, contract.MDY); err == nil {
			alt = st.Time
		}
	}
	for i, v := range [2]time.Time{t, alt} {
		c.tzMin[i], c.tzMax[i] = minMaxTime(c.offsets == 1, c.tzMin[i], c.tzMax[i], v)
	}
}

func minMaxTime(first bool, lo, hi, v time.Time) (time.Time, time.Time) {
	if first || v.Before(lo) {
		lo = v
	}
	if first || v.After(hi) {
		hi = v
	}
	return lo, hi
}

func (c *column) addExample(s string) {
	s = report.Shorten(s, maxExampleLen)
	for _, e := range c.examples {
		if e == s {
			return
		}
	}
	c.examples = append(c.examples, s)
}

// prefilter returns the candidates s could possibly be, from its bytes alone.
func prefilter(s string) uint8 {
	var m uint8
	if len(s) <= 5 && strings.IndexByte("yYtTnNfF01", s[0]) >= 0 { // the longest spelling is "false"
		m |= 1 << candBoolean
	}
	if len(s) > maxCandidateLen {
		return m
	}
	b := s[0]
	if b|0x20 >= 'a' && b|0x20 <= 'z' {
		if len(s) >= 8 { // "Mar 1 25", "Wed, 12 Mar 2025": a month or weekday name first
			m |= 1<<candDate | 1<<candTimestamp | 1<<candTimestamptz
		}
		return m
	}
	if !isDigit(b) && b != '.' && b != '+' && b != '-' {
		return m
	}
	numeric, colon := true, false
	for i := 0; i < len(s); i++ {
		switch x := s[i]; {
		case isDigit(x), x == '.', i == 0 && (x == '+' || x == '-'):
		case x == ':':
			colon, numeric = true, false
		case x == '/':
			numeric = false
		default:
			numeric = false
		}
	}
	if numeric {
		m |= 1<<candInteger | 1<<candDecimal
	}
	if b == '+' || b == '-' {
		return m // only numbers carry a sign
	}
	if (len(s) == 6 || len(s) == 7) && s[4] == '-' {
		m |= 1 << candMonth
	}
	// "8:30 AM" (a time of day with a colon is 1 or 2 digits and the colon first, so a date
	// with a clock, "25/6/2016 17:26", is not tried), or an Excel day fraction "0.354".
	if colon && isDigit(b) && (s[1] == ':' || isDigit(s[1]) && len(s) > 2 && s[2] == ':') || numeric && (b == '0' || b == '.') {
		m |= 1 << candTime
	}
	if isDigit(b) { // every date spelling but a name-first one starts with a digit
		m |= 1<<candDate | 1<<candTimestamp | 1<<candTimestamptz
	}
	return m
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// errNotStamp marks a value that is no date/time; its reason is not needed here.
var errNotStamp = errors.New("not a date")

func maxSentinelLen(xs []string) int {
	n := 0
	for _, x := range xs {
		n = max(n, len(x))
	}
	return n
}

// minMax folds v into [lo, hi]; first says there is nothing yet.
func minMax(first bool, lo, hi, v string, cmp func(a, b string) int) (string, string) {
	if first {
		return v, v
	}
	if cmp(v, lo) < 0 {
		lo = v
	}
	if cmp(v, hi) > 0 {
		hi = v
	}
	return lo, hi
}

// compareDecimal orders two canonical decimals ("-12.5", "0", "7"): exact for any length.
func compareDecimal(a, b string) int {
	na, nb := strings.HasPrefix(a, "-"), strings.HasPrefix(b, "-")
	switch {
	case na && !nb:
		return -1
	case !na && nb:
		return 1
	case na && nb:
		return compareDecimal(b[1:], a[1:])
	}
	ia, fa, _ := strings.Cut(a, ".")
	ib, fb, _ := strings.Cut(b, ".")
	if len(ia) != len(ib) { // canonical: no leading zeros
		if len(ia) < len(ib) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(ia, ib); c != 0 {
		return c
	}
	return strings.Compare(fa, fb) // no trailing zeros: plain string order is numeric order
}
