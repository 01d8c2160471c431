package values

import (
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

// DateForm is the shape of a raw date/time value, as the profiler reports it.
type DateForm uint8

// The date forms. FormInvalid is last, so [FormInvalid + 1]T arrays can count every form.
const (
	FormISO          DateForm = iota // YYYY-MM-DD[( |T)H:MM[:SS[.f]]]
	FormDayFirst                     // D/M/YYYY with the first part > 12: only day-first fits
	FormMonthFirst                   // M/D/YYYY with the second part > 12: only month-first fits
	FormAmbiguous                    // both parts <= 12: the column's date order decides
	FormMonthName                    // the month is spelled (12-Mar-2025, Mar 12, 2025): one reading
	FormExcelSerial                  // Excel 1900-system serial day number 1 .. 2958465
	FormEpochSeconds                 // Unix seconds in [1e9, 1e10)
	FormEpochMillis                  // Unix milliseconds in [1e12, 1e13)
	FormInvalid                      // none of the above, or not a real date/time
)

var dateFormNames = [...]string{"iso", "day_first", "month_first", "ambiguous", "month_name", "excel_serial", "epoch_seconds", "epoch_millis", "invalid"}

// String returns the stable snake_case name of f ("iso", "day_first", ...).
func (f DateForm) String() string {
	if int(f) < len(dateFormNames) {
		return dateFormNames[f]
	}
	return "invalid"
}

// ClassifyDate reports the form of a date/time value, with or without a UTC offset. raw
// should already be trimmed and non-null (surrounding whitespace is ignored anyway). A value
// whose shape is recognised but which is not a real date/time (31/04/2025, 25:00, year 1800,
// ...) is FormInvalid; so is a value with both d/m parts > 12. Classification does not depend
// on a date order.
func ClassifyDate(raw string) DateForm {
	_, form, r := parseStamp(strings.TrimSpace(raw), contract.DMY)
	if r != "" {
		return FormInvalid
	}
	return form
}

// Stamp is a parsed date/time value, as the profiler reads it.
type Stamp struct {
	Time   time.Time // in time.UTC: the wall clock as written, or the instant when Offset
	Form   DateForm
	Offset bool // the value carried a UTC offset (Z, +11:00, ...) and Time is that instant in UTC
}

// ParseStamp parses a date/time value in any accepted spelling, with or without an offset.
// raw should already be trimmed and non-null. An error is a *ValueError for
// contract.Timestamp and comes with FormInvalid.
func ParseStamp(raw string, order contract.DateOrder) (Stamp, error) {
	st, r := parseStampText(raw, order)
	if r != "" {
		return st, invalid(contract.Timestamp, raw, string(r))
	}
	return st, nil
}

// LooksStamp is ParseStamp without the error: the profiler tries every short value as a date,
// and most are not, so the failure must cost nothing (no ValueError is built).
func LooksStamp(raw string, order contract.DateOrder) (Stamp, bool) {
	st, r := parseStampText(raw, order)
	return st, r == ""
}

func parseStampText(raw string, order contract.DateOrder) (Stamp, reason) {
	st, form, r := parseStamp(TrimSpace(raw), order)
	if r == "" && st.hasOff {
		r = st.toUTC()
	}
	if r != "" {
		return Stamp{Form: FormInvalid}, r
	}
	return Stamp{Time: st.time(), Form: form, Offset: st.hasOff}, ""
}

// time is the stamp's wall clock as a time.Time in time.UTC. time.Unix(...).UTC() is the same
// Time (same fields, nil location) as time.Date of the civil date, without the calendar
// arithmetic twice over: the profiler builds one for every distinct date value.
func (st *stamp) time() time.Time {
	return time.Unix(int64(st.days)*secondsPerDay+int64(st.sod), int64(st.us)*1000).UTC()
}

// ParseTimestamp parses a timestamp value exactly as Normalize does for type timestamp
// (fractional seconds kept to the microsecond) and returns it as a wall-clock time in
// time.UTC, with its form.
// raw should already be trimmed and non-null (surrounding whitespace is ignored anyway).
// An error is a *ValueError for contract.Timestamp and comes with FormInvalid.
func ParseTimestamp(raw string, order contract.DateOrder) (time.Time, DateForm, error) {
	st, form, r := parseStamp(strings.TrimSpace(raw), order)
	if r == "" && st.hasOff {
		r = errOffset
	}
	if r != "" {
		return time.Time{}, FormInvalid, invalid(contract.Timestamp, raw, string(r))
	}
	return st.time(), form, nil
}

const (
	minYear = 1900
	maxYear = 9999

	maxExcelSerial = 2958465 // 9999-12-31
	secondsPerDay  = 86400
)

var (
	minDays     = daysFromCivil(minYear, 1, 1)
	maxDays     = daysFromCivil(maxYear, 12, 31)
	excelBase   = daysFromCivil(1899, 12, 30) // serial 0 for serials >= 61
	excelBase59 = daysFromCivil(1899, 12, 31) // serial 0 for serials < 60 (Excel's 1900 leap-year bug)
)

const (
	errStampSyntax   = reason("not a recognised date/time (YYYY-MM-DD[ HH:MM[:SS[.f]]], D/M/YYYY, D-M-YY, D.M.YYYY, 12-Mar-2025, Mar 12, 2025, each with an optional H:MM[:SS[.f]][ AM|PM]; Excel serial or epoch number; or the column's format)")
	errOffset        = reason("has a time zone (Z or UTC offset); wall-clock times are never shifted: declare the column timestamptz to convert such values to UTC")
	errNoOffset      = reason("has no UTC offset; a timestamptz column's values must carry one (Z, +11:00), they are never assumed to be UTC")
	errTwoDigitYear  = reason("has a 2-digit year")
	errYearDigits    = reason("year must have 4 digits")
	errCalendar      = reason("not a calendar date")
	errBothOver12    = reason("both day/month parts are > 12")
	errClockSyntax   = reason("not a time of day (H:MM[:SS[.f]][ AM|PM])")
	errClock         = reason("time of day out of range")
	errSerial60      = reason("Excel serial 60 is the fictitious 1900-02-29")
	errStampNumber   = reason("number is neither an Excel serial (1..2958465), epoch seconds [1e9, 1e10) nor epoch milliseconds [1e12, 1e13)")
	errYearRange     = reason("year outside 1900..9999")
	errNotMidnight   = reason("has a time of day other than midnight (a date is never truncated)")
	errTimeWrap      = reason("rounds to 24:00:00")
	errNumberOutside = reason("is a bare number dated outside the column's dates: a stray number among date text is not an Excel serial or epoch")
	errFracDigits    = reason("has a fraction of a second finer than a microsecond (PostgreSQL's precision; never rounded)")
	errDayFraction   = reason("Excel day fraction must be 0 <= f < 1")
)

// stamp is a parsed timestamp: a day number, a second of that day and a microsecond of that
// second.
type stamp struct {
	days   int  // days since 1970-01-01
	sod    int  // second of day, 0 .. 86399 after normalisation
	us     int  // microsecond, 0 .. 999999
	off    int  // the value's UTC offset in seconds east, when hasOff
	hasOff bool // the value carried a UTC offset: days and sod are its local wall clock
}

// toUTC turns a stamp with an offset into the UTC instant it names, exactly (offsets are whole
// minutes: nothing is rounded).
func (st *stamp) toUTC() reason {
	t := st.days*secondsPerDay + st.sod - st.off
	st.days, st.sod = floorDiv(t, secondsPerDay), t-floorDiv(t, secondsPerDay)*secondsPerDay
	st.off = 0
	if st.days < minDays || st.days > maxDays {
		return errYearRange
	}
	return ""
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// normalise carries a second of day of 86400 (an Excel serial rounded up to the next
// millisecond) into the next day and checks the year range. Text values never carry: their
// fraction is kept, not rounded.
func (st *stamp) normalise() reason {
	if st.sod >= secondsPerDay {
		st.days += st.sod / secondsPerDay
		st.sod %= secondsPerDay
	}
	if st.days < minDays || st.days > maxDays {
		return errYearRange
	}
	return ""
}

// digits12 reads 1 or 2 digits at s[i:]; it returns the value and the index after them, or
// -1 when there is no digit.
func digits12(s string, i int) (int, int) {
	if i >= len(s) || !isDigit(s[i]) {
		return 0, -1
	}
	v := int(s[i] - '0')
	i++
	if i < len(s) && isDigit(s[i]) {
		v = v*10 + int(s[i]-'0')
		i++
	}
	return v, i
}

// parseStampNumber: an unsigned plain number read as an Excel serial or an epoch.
func parseStampNumber(s string) (stamp, DateForm, reason) {
	n, ok := scanNumber(s, false)
	if !ok {
		return stamp{}, FormInvalid, errStampSyntax
	}
	is := n.iStart
	for is < n.iEnd && s[is] == '0' {
		is++
	}
	if n.iEnd-is > 13 {
		return stamp{}, FormInvalid, errStampNumber
	}
	v, _ := atoiDigits(s[is:n.iEnd]) // "" -> 0
	frac := s[n.fStart:n.fEnd]
	var st stamp
	var form DateForm
	switch {
	case 1 <= v && v <= maxExcelSerial:
		if v == 60 {
			return stamp{}, FormInvalid, errSerial60
		}
		form = FormExcelSerial
		if v < 60 {
			st.days = excelBase59 + v
		} else {
			st.days = excelBase + v
		}
		ms := dayMillis(frac)
		st.sod, st.us = ms/1000, ms%1000*1000
	case 1e9 <= v && v < 1e10:
		form = FormEpochSeconds
		us, ok := micros(frac, 6)
		if !ok {
			return stamp{}, FormInvalid, errFracDigits
		}
		st.days, st.sod, st.us = v/secondsPerDay, v%secondsPerDay, us
	case 1e12 <= v && v < 1e13:
		form = FormEpochMillis
		us, ok := micros(frac, 3) // a fraction of a millisecond: 3 more digits to the microsecond
		if !ok {
			return stamp{}, FormInvalid, errFracDigits
		}
		sec := v / 1000
		st.days, st.sod, st.us = sec/secondsPerDay, sec%secondsPerDay, int(v%1000)*1000+us
	default:
		return stamp{}, FormInvalid, errStampNumber
	}
	if r := st.normalise(); r != "" {
		return stamp{}, FormInvalid, r
	}
	return st, form, ""
}

// micros reads fraction digits as a count of 10^-width units: micros("5", 6) = 500000 (µs of a
// second), micros("25", 3) = 250 (µs of a millisecond). Digits past width must be zeros: a
// finer fraction would have to be rounded, and PostgreSQL holds microseconds.
func micros(frac string, width int) (int, bool) {
	v := 0
	for i := 0; i < width; i++ {
		v *= 10
		if i < len(frac) {
			v += int(frac[i] - '0')
		}
	}
	if len(frac) > width && !allZeros(frac[width:]) {
		return 0, false
	}
	return v, true
}

// dayMillis returns round-half-up(0.frac * 86400000), exactly, for a fraction of a day of any
// length (0 .. 86400000): an Excel serial's time of day to the millisecond. A serial is a
// binary fraction of a day that holds no exact decimal second; the millisecond is Excel's own
// finest display and what the float64 serial of a millisecond timestamp reads back as exactly,
// so rounding there keeps every time Excel can show and invents no digits it cannot. It
// multiplies the digit string by 86400000 from the right: the carry out of the leftmost digit
// is the integer part and that digit's product digit is the first decimal.
func dayMillis(frac string) int {
	const msPerDay = secondsPerDay * 1000
	carry, first := 0, 0
	for i := len(frac) - 1; i >= 0; i-- {
		d := int(frac[i]-'0')*msPerDay + carry
		carry = d / 10
		first = d % 10
	}
	if first >= 5 {
		carry++
	}
	return snapSecond(frac, carry)
}

// snapSecond returns the whole second nearest to ms when the fraction's digits cannot tell
// the two apart: when the fraction is not an exact millisecond and that second lies within
// one unit of its last digit. A serial cut to a few decimals (0.354166 for 08:30:00, as
// scripts often write them) reads as the second it was cut from, not as an invented
// 08:29:59.942; a short serial that is an exact millisecond (0.008645, the shortest float
// form of 00:12:26.928) keeps it, and so does one precise enough for milliseconds (8 or more
// decimals). Past 9 digits the unit is under 0.1 ms and rounding already gave the millisecond.
func snapSecond(frac string, ms int) int {
	const msPerDay = secondsPerDay * 1000
	if len(frac) > 9 {
		return ms
	}
	f, unit := 0, 1
	for i := 0; i < len(frac); i++ {
		f, unit = f*10+int(frac[i]-'0'), unit*10
	}
	if f*msPerDay%unit == 0 { // an exact millisecond
		return ms
	}
	s := (ms + 500) / 1000 * 1000
	if d := f*msPerDay - s*unit; -msPerDay < d && d < msPerDay { // |0.frac days - s| < 1/unit days
		return s
	}
	return ms
}

// ---- converters ----

// IsNumberForm reports whether f is a bare number read as a date (an Excel serial or an
// epoch), as opposed to date text.
func IsNumberForm(f DateForm) bool {
	return f == FormExcelSerial || f == FormEpochSeconds || f == FormEpochMillis
}

// numberIn checks a number-form stamp against the column's span for numbers, when it has one.
func numberIn(st stamp, f DateForm, numbers *contract.DaySpan) reason {
	if numbers != nil && IsNumberForm(f) && (st.days < numbers.From || st.days > numbers.To) {
		return errNumberOutside
	}
	return ""
}

// stampChange is the change flag of a re-formatted value of the given form.
func stampChange(f DateForm) Change {
	switch f {
	case FormExcelSerial:
		return ChangeExcelSerial
	case FormEpochSeconds, FormEpochMillis:
		return ChangeEpoch
	}
	return ChangeDate
}

// parseColumnStamp parses a date/time value of a column: by its format when it has one, else
// in any accepted spelling, with bare numbers checked against the column's span.
func parseColumnStamp(s string, order contract.DateOrder, numbers *contract.DaySpan, layout *contract.Layout) (stamp, DateForm, reason) {
	if layout != nil {
		st, r := parseLayout(s, layout)
		return st, FormISO, r
	}
	st, form, r := parseStamp(s, order)
	if r != "" {
		return st, form, r
	}
	return st, form, numberIn(st, form, numbers)
}

// normTimestamp -> "2006-01-02 15:04:05[.ffffff]" (a fraction only when there is one, without
// trailing zeros: PostgreSQL's own text form).
func normTimestamp(s string, order contract.DateOrder, numbers *contract.DaySpan, layout *contract.Layout) (string, Change, reason) {
	if layout == nil && canonicalStamp(s) {
		return s, 0, ""
	}
	return normTimestampParsed(s, order, numbers, layout)
}

// normTimestampParsed is normTimestamp without the canonical shortcut.
func normTimestampParsed(s string, order contract.DateOrder, numbers *contract.DaySpan, layout *contract.Layout) (string, Change, reason) {
	var st stamp
	var form DateForm
	var r reason
	if layout == nil { // the hot path: no layer between the parser and the rendering
		st, form, r = parseStamp(s, order)
		if r == "" {
			r = numberIn(st, form, numbers)
		}
	} else {
		st, form, r = parseColumnStamp(s, order, numbers, layout)
	}
	if r != "" {
		return "", 0, r
	}
	if st.hasOff {
		return "", 0, errOffset
	}
	var buf [26]byte
	b := appendDate(buf[:0], st.days)
	b = append(b, ' ')
	b = appendClock(b, st.sod)
	b = appendMicros(b, st.us)
	if string(b) == s {
		return s, 0, ""
	}
	return string(b), stampChange(form), ""
}

// canonicalStamp reports whether s is a timestamp's canonical text without a fraction,
// YYYY-MM-DD HH:MM:SS of a real date in the year range and a real clock: the form the clean
// store and the generation hold, which the scores normalise again on every row. For such s
// normTimestamp without a layout returns s unchanged, and this says so without the parse and
// the rendering: parseStamp reads it in parseISO's YYYY-MM-DD HH:MM:SS path (digits at 0-3,
// '-' at 4 and 7, 19 bytes, ' ' at 10, ':' at 13 and 16, all other bytes digits, a valid date
// and clock) as days = daysFromCivil(y, m, d), sod = h:mi:sec, no fraction or offset, form
// ISO (no number span applies); normalise passes it (sod < 86400, y in minYear..maxYear); and
// appendDate(civilFromDays(days)) gives back y-m-d with the 4-digit year, appendClock the
// clock, appendMicros nothing: the rendering is s. TestCanonicalStampShortcut compares.
func canonicalStamp(s string) bool {
	if len(s) != 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':' || !canonicalDate(s[:10]) {
		return false
	}
	h, mi, sec := twoDigits(s[11], s[12]), twoDigits(s[14], s[15]), twoDigits(s[17], s[18])
	return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 59
}

// canonicalDate reports whether s is a date's canonical text, YYYY-MM-DD of a real date in
// the year range: normDate without a layout returns such s unchanged (parseISO reads it by
// dated with no rest; the rest of the argument is canonicalStamp's).
func canonicalDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	y1, y2, m, d := twoDigits(s[0], s[1]), twoDigits(s[2], s[3]), twoDigits(s[5], s[6]), twoDigits(s[8], s[9])
	if y1 < 0 || y2 < 0 {
		return false
	}
	y := y1*100 + y2
	return y >= minYear && y <= maxYear && validDate(y, m, d) // m or d -1 (not digits): invalid
}

// normTimestamptz -> "2006-01-02 15:04:05[.ffffff]+00": the instant in UTC, converted exactly
// from the value's own offset (PostgreSQL's timestamptz text under TimeZone UTC). A value
// without an offset is invalid: its zone is not known, so it is never assumed.
func normTimestamptz(s string, order contract.DateOrder, layout *contract.Layout) (string, Change, reason) {
	st, form, r := parseColumnStamp(s, order, nil, layout)
	if r != "" {
		return "", 0, r
	}
	if form == FormEpochSeconds || form == FormEpochMillis {
		st.hasOff = true // an epoch counts seconds since 1970-01-01 UTC: an instant already
	}
	if !st.hasOff {
		return "", 0, errNoOffset
	}
	if r := st.toUTC(); r != "" {
		return "", 0, r
	}
	var buf [29]byte
	b := appendDate(buf[:0], st.days)
	b = append(b, ' ')
	b = appendClock(b, st.sod)
	b = appendMicros(b, st.us)
	b = append(b, '+', '0', '0')
	if string(b) == s {
		return s, 0, ""
	}
	return string(b), stampChange(form), ""
}

// normDate -> "2006-01-02"; the value's time of day must be midnight, to the microsecond.
func normDate(s string, order contract.DateOrder, numbers *contract.DaySpan, layout *contract.Layout) (string, Change, reason) {
	if layout == nil && canonicalDate(s) {
		return s, 0, ""
	}
	return normDateParsed(s, order, numbers, layout)
}

// normDateParsed is normDate without the canonical shortcut.
func normDateParsed(s string, order contract.DateOrder, numbers *contract.DaySpan, layout *contract.Layout) (string, Change, reason) {
	var st stamp
	var form DateForm
	var r reason
	if layout == nil { // as in normTimestamp: no layer on the hot path
		st, form, r = parseStamp(s, order)
		if r == "" {
			r = numberIn(st, form, numbers)
		}
	} else {
		st, form, r = parseColumnStamp(s, order, numbers, layout)
	}
	if r != "" {
		return "", 0, r
	}
	if st.hasOff {
		return "", 0, errOffset
	}
	if st.sod != 0 || st.us != 0 {
		return "", 0, errNotMidnight
	}
	var buf [10]byte
	b := appendDate(buf[:0], st.days)
	if string(b) == s {
		return s, 0, ""
	}
	return string(b), stampChange(form), ""
}

// normTime -> "15:04:05[.ffffff]": a clock time (its fraction kept exactly) or an Excel day
// fraction 0 <= f < 1 (to the millisecond, as serials are).
func normTime(s string) (string, Change, reason) {
	var sod, us int
	var ch Change
	if strings.IndexByte(s, ':') >= 0 {
		c, rest, r := parseClock(s, true)
		if r != "" {
			return "", 0, r
		}
		if rest != "" {
			return "", 0, errClockSyntax
		}
		sod, us = c.sod, c.us
		ch = ChangeDate
	} else {
		n, ok := scanNumber(s, false)
		if !ok {
			return "", 0, errClockSyntax
		}
		if !allZeros(s[n.iStart:n.iEnd]) {
			return "", 0, errDayFraction
		}
		ms := dayMillis(s[n.fStart:n.fEnd])
		sod, us = ms/1000, ms%1000*1000
		ch = ChangeExcelSerial
	}
	if sod >= secondsPerDay {
		return "", 0, errTimeWrap
	}
	var buf [15]byte
	b := appendClock(buf[:0], sod)
	b = appendMicros(b, us)
	if string(b) == s {
		return s, 0, ""
	}
	return string(b), ch, ""
}

// appendMicros appends ".ffffff" without trailing zeros, or nothing for a whole second.
func appendMicros(b []byte, us int) []byte {
	if us == 0 {
		return b
	}
	b = append(b, '.',
		byte('0'+us/100000), byte('0'+us/10000%10), byte('0'+us/1000%10),
		byte('0'+us/100%10), byte('0'+us/10%10), byte('0'+us%10))
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	return b
}

// appendDate appends YYYY-MM-DD of a day number (years 0..9999).
func appendDate(b []byte, days int) []byte {
	y, m, d := civilFromDays(days)
	return append(b,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+d/10), byte('0'+d%10))
}

// appendClock appends HH:MM:SS of a second of day.
func appendClock(b []byte, sod int) []byte {
	h, m, s := sod/3600, sod/60%60, sod%60
	return append(b,
		byte('0'+h/10), byte('0'+h%10), ':',
		byte('0'+m/10), byte('0'+m%10), ':',
		byte('0'+s/10), byte('0'+s%10))
}

// ---- proleptic Gregorian calendar arithmetic (H. Hinnant's days_from_civil / civil_from_days) ----

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func validDate(y, m, d int) bool {
	return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
}

// daysFromCivil returns the number of days from 1970-01-01 to y-m-d.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int) (y, m, d int) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}
