package values

import "github.com/sdetl/sdetl/internal/contract"

// Date and time text: the common spellings of a date, each optionally followed by a time of
// day and a UTC offset. Every one has a single reading except d/m against m/d, which the
// column's order decides (from its evidence, its siblings or the contract):
//
//	ISO          2025-03-12, 2025-03-12 15:04[:05[.f]], 2025-03-12T15:04:05.123Z
//	year first   2025/03/12, 2025.3.12 (always year, month, day)
//	numeric      12/03/2025, 12-03-2025, 12.03.2025, 3/12/25 (d/m or m/d)
//	month names  12-Mar-2025, 12/Mar/25, 12 March 2025, Mar 12, 2025, March 12 2025 (English,
//	             short or long, any case; "Sept" too)
//	weekday      an optional leading weekday (Wed, 12 Mar 2025), which must be the date's
//	time         H:MM[:SS[.f]] with optional AM/PM, after spaces (ISO and year first: or T),
//	             optionally after a comma ("3/12/2025, 3:04 PM")
//	offset       Z, UTC, GMT, +HH:MM, +HHMM, +HH (optionally after a space; UTC+11:00 too)
//
// Two-digit years pivot as POSIX strptime's %y and Go's time package do: 00..68 are 2000..2068,
// 69..99 are 1969..1999. In a dotted date a two-digit year needs two-digit day and month
// (12.03.25), so that a version number such as 1.2.10 is not read as a date.
//
// The parser works on the string in place: no allocation on any path, success or failure.

const (
	pivotYY = 69 // two-digit years below are 20yy, the others 19yy

	errOffsetRange   = reason("UTC offset out of range (at most 15:59)")
	errWeekday       = reason("the weekday is not that date's")
	errOrderUnsolved = reason("day and month are both <= 12 and the column's date order is unresolved")
)

// parseStamp parses a trimmed date/time value: date text or a bare number.
func parseStamp(s string, order contract.DateOrder) (stamp, DateForm, reason) {
	if s == "" {
		return stamp{}, FormInvalid, errStampSyntax
	}
	c := s[0]
	switch {
	case len(s) >= 10 && s[4] == '-' && isDigit(c) && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3]):
		st, r := parseISO(s)
		return st, FormISO, r
	case isDigit(c) || c == '.':
		if plainNumber(s) {
			return parseStampNumber(s)
		}
		return parseNumericDate(s, order)
	case isLetter(c):
		return parseNameFirst(s, order)
	}
	return stamp{}, FormInvalid, errStampSyntax
}

// plainNumber reports whether s is digits with at most one '.': a serial or an epoch.
func plainNumber(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return true
}

// parseISO: YYYY-MM-DD, then optional (spaces | 'T') time and offset.
func parseISO(s string) (stamp, reason) {
	if s[7] != '-' || !isDigit(s[5]) || !isDigit(s[6]) || !isDigit(s[8]) || !isDigit(s[9]) {
		return stamp{}, errStampSyntax
	}
	y := int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	m := int(s[5]-'0')*10 + int(s[6]-'0')
	d := int(s[8]-'0')*10 + int(s[9]-'0')
	if len(s) == 19 && (s[10] == ' ' || s[10] == 'T') && s[13] == ':' && s[16] == ':' && validDate(y, m, d) {
		// The common case, canonical or with T: YYYY-MM-DD HH:MM:SS, read without the general tail.
		if h, mi, sec, ok := twoDigits(s[11], s[12]), twoDigits(s[14], s[15]), twoDigits(s[17], s[18]), true; ok && h >= 0 && mi >= 0 && sec >= 0 {
			if h > 23 || mi > 59 || sec > 59 {
				return stamp{}, errClock
			}
			st := stamp{days: daysFromCivil(y, m, d), sod: h*3600 + mi*60 + sec}
			return st, st.normalise()
		}
	}
	return dated(y, m, d, s[10:], true)
}

// twoDigits is the value of two digit bytes, or -1.
func twoDigits(a, b byte) int {
	if !isDigit(a) || !isDigit(b) {
		return -1
	}
	return int(a-'0')*10 + int(b-'0')
}

// dated checks y-m-d and reads the rest of the value (time of day and offset) into a stamp.
func dated(y, m, d int, rest string, t bool) (stamp, reason) {
	if !validDate(y, m, d) {
		return stamp{}, errCalendar
	}
	st := stamp{days: daysFromCivil(y, m, d)}
	if rest != "" {
		if r := st.tail(rest, t); r != "" {
			return stamp{}, r
		}
	}
	return st, st.normalise()
}

// tail reads what follows a date: a separator (spaces, an optional comma before them, or T
// where t allows it), a time of day and an optional offset.
func (st *stamp) tail(rest string, t bool) reason {
	i := 0
	switch {
	case t && rest[0] == 'T':
		i = 1
	case rest[0] == ',' || rest[0] == ' ':
		if rest[0] == ',' {
			i = 1
		}
		j := i
		for j < len(rest) && rest[j] == ' ' {
			j++
		}
		if j == i && i == 1 {
			return errStampSyntax // "2025,3:04"
		}
		i = j
	default:
		if isOffsetStart(rest[0]) {
			return errOffset // a date with an offset and no time of day
		}
		return errStampSyntax
	}
	c, rest, r := parseClock(rest[i:], true)
	if r != "" {
		return r
	}
	st.sod, st.us = c.sod, c.us
	if rest == "" {
		return ""
	}
	off, r := parseOffset(rest)
	if r != "" {
		return r
	}
	st.off, st.hasOff = off, true
	return ""
}

func isOffsetStart(b byte) bool { return b == 'Z' || b == 'z' || b == '+' || b == '-' }

// parseOffset reads a UTC offset (optionally after spaces) that must end the value, in
// seconds east of UTC.
func parseOffset(s string) (int, reason) {
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	s = s[i:]
	switch {
	case s == "Z" || s == "z":
		return 0, ""
	case len(s) >= 3 && (foldEq(s[:3], "utc") || foldEq(s[:3], "gmt")):
		if s = s[3:]; s == "" {
			return 0, ""
		}
	}
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') || !isDigit(s[1]) || !isDigit(s[2]) {
		return 0, errStampSyntax
	}
	h, m := int(s[1]-'0')*10+int(s[2]-'0'), 0
	switch rest := s[3:]; {
	case rest == "":
	case len(rest) == 3 && rest[0] == ':' && isDigit(rest[1]) && isDigit(rest[2]):
		m = int(rest[1]-'0')*10 + int(rest[2]-'0')
	case len(rest) == 2 && isDigit(rest[0]) && isDigit(rest[1]):
		m = int(rest[0]-'0')*10 + int(rest[1]-'0')
	default:
		return 0, errStampSyntax
	}
	if h > 15 || m > 59 {
		return 0, errOffsetRange
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return off, ""
}

// parseNumericDate: a date starting with digits that is not ISO: year first (YYYY/M/D,
// YYYY.M.D, YYYY-M-D), or day and month (digits or a month name) then the year.
func parseNumericDate(s string, order contract.DateOrder) (stamp, DateForm, reason) {
	i := 0
	for i < len(s) && i < 5 && isDigit(s[i]) {
		i++
	}
	n1 := i
	if i == 0 || i >= len(s) {
		return stamp{}, FormInvalid, errStampSyntax
	}
	sep := s[i]
	if sep != '/' && sep != '-' && sep != '.' && sep != ' ' {
		return stamp{}, FormInvalid, errStampSyntax
	}
	if n1 == 4 { // year first: always year, month, day
		if sep == ' ' {
			return stamp{}, FormInvalid, errStampSyntax
		}
		y, _ := atoiDigits(s[:4])
		m, j := digits12(s, 5)
		if j < 0 || j >= len(s) || s[j] != sep {
			return stamp{}, FormInvalid, errStampSyntax
		}
		d, k := digits12(s, j+1)
		if k < 0 || k < len(s) && isDigit(s[k]) {
			return stamp{}, FormInvalid, errStampSyntax
		}
		st, r := dated(y, m, d, s[k:], true)
		return st, FormISO, r
	}
	if n1 > 2 {
		return stamp{}, FormInvalid, errStampSyntax
	}
	a := int(s[0] - '0')
	if n1 == 2 {
		a = a*10 + int(s[1]-'0')
	}
	j := skipSep(s, i, sep)
	if j >= len(s) {
		return stamp{}, FormInvalid, errStampSyntax
	}
	if isLetter(s[j]) { // 12-Mar-2025, 12/Mar/25, 12 March 2025
		m, k := monthName(s, j)
		if k < 0 || k >= len(s) || s[k] != sep {
			return stamp{}, FormInvalid, errStampSyntax
		}
		y, rest, r := year(s, skipSep(s, k, sep), sep, true)
		if r != "" {
			return stamp{}, FormInvalid, r
		}
		st, r := dated(y, m, a, rest, false)
		if r != "" {
			return stamp{}, FormInvalid, r
		}
		return st, FormMonthName, ""
	}
	if sep == ' ' {
		return stamp{}, FormInvalid, errStampSyntax // "12 03 2025": only a month name stands between spaces
	}
	b, k := digits12(s, j)
	if k < 0 || k >= len(s) || s[k] != sep {
		return stamp{}, FormInvalid, errStampSyntax
	}
	y, rest, r := year(s, k+1, sep, n1 == 2 && k-j == 2)
	if r != "" {
		return stamp{}, FormInvalid, r
	}
	var form DateForm
	var d, m int
	switch {
	case a > 12 && b > 12:
		return stamp{}, FormInvalid, errBothOver12
	case a > 12:
		form, d, m = FormDayFirst, a, b
	case b > 12:
		form, m, d = FormMonthFirst, a, b
	default:
		form = FormAmbiguous
		switch order {
		case contract.MDY:
			m, d = a, b
		case contract.Unresolved:
			if a != b { // 03/03/2025 reads the same either way
				return stamp{}, FormInvalid, errOrderUnsolved
			}
			d, m = a, b
		default:
			d, m = a, b
		}
	}
	st, r := dated(y, m, d, rest, false)
	if r != "" {
		return stamp{}, FormInvalid, r
	}
	return st, form, ""
}

// skipSep steps over the separator at s[i]: one character, or a run of spaces.
func skipSep(s string, i int, sep byte) int {
	i++
	if sep == ' ' {
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	return i
}

// year reads a 4- or 2-digit year at s[i:] and returns the rest of the value. A 2-digit year
// after dots needs twoDigitParts (12.03.25, not the version 1.2.10).
func year(s string, i int, sep byte, twoDigitParts bool) (int, string, reason) {
	k := i
	for k < len(s) && isDigit(s[k]) {
		k++
	}
	switch k - i {
	case 4:
		y := int(s[i]-'0')*1000 + int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
		return y, s[k:], ""
	case 2:
		if sep == '.' && !twoDigitParts {
			return 0, "", errStampSyntax
		}
		yy := int(s[i]-'0')*10 + int(s[i+1]-'0')
		if yy < pivotYY {
			return 2000 + yy, s[k:], ""
		}
		return 1900 + yy, s[k:], ""
	case 0:
		return 0, "", errStampSyntax
	}
	return 0, "", errYearDigits
}

// parseNameFirst: a month name first (Mar 12, 2025; March 12 2025; Mar-12-2025), or a weekday
// and then any date.
func parseNameFirst(s string, order contract.DateOrder) (stamp, DateForm, reason) {
	if wd, i := weekday(s); i > 0 {
		if i < len(s) && s[i] == ',' {
			i++
		}
		j := i
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if _, again := weekday(s[j:]); j == i || j == len(s) || again > 0 {
			return stamp{}, FormInvalid, errStampSyntax
		}
		st, form, r := parseStamp(s[j:], order)
		if r == "" && (form == FormExcelSerial || form == FormEpochSeconds || form == FormEpochMillis) {
			r = errStampSyntax
		}
		if r == "" && ((st.days%7+11)%7 != wd) { // 1970-01-01 was a Thursday (4)
			r = errWeekday
		}
		if r != "" {
			return stamp{}, FormInvalid, r
		}
		return st, form, ""
	}
	m, i := monthName(s, 0)
	if i < 0 || i >= len(s) {
		return stamp{}, FormInvalid, errStampSyntax
	}
	sep := s[i]
	if sep != ' ' && sep != '-' && sep != '/' && sep != '.' {
		return stamp{}, FormInvalid, errStampSyntax
	}
	i = skipSep(s, i, sep)
	d, j := digits12(s, i)
	if j < 0 || j >= len(s) {
		return stamp{}, FormInvalid, errStampSyntax
	}
	switch {
	case s[j] == sep && sep != ' ':
		j++
	case s[j] == ',' || s[j] == ' ':
		if s[j] == ',' {
			j++
		}
		k := j
		for k < len(s) && s[k] == ' ' {
			k++
		}
		if k == j && s[j-1] != ',' {
			return stamp{}, FormInvalid, errStampSyntax
		}
		j = k
	default:
		return stamp{}, FormInvalid, errStampSyntax
	}
	y, rest, r := year(s, j, 0, true)
	if r != "" {
		return stamp{}, FormInvalid, r
	}
	st, r := dated(y, m, d, rest, false)
	if r != "" {
		return stamp{}, FormInvalid, r
	}
	return st, FormMonthName, ""
}

var monthNames = [12]string{"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"}

var weekdayNames = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// monthName reads the letters at s[i:] as an English month: its 3-letter abbreviation, "sept",
// or its full name, in any case. It returns the month and the index after the name, or -1.
func monthName(s string, i int) (int, int) {
	j := i
	for j < len(s) && isLetter(s[j]) {
		j++
	}
	w := s[i:j]
	if len(w) < 3 {
		return 0, -1
	}
	for k, name := range monthNames {
		if len(w) == 3 || len(w) == len(name) {
			if foldEq(w, name[:len(w)]) {
				return k + 1, j
			}
		}
	}
	if len(w) == 4 && foldEq(w, "sept") {
		return 9, j
	}
	return 0, -1
}

// weekday reads a leading English weekday (3 letters or full, any case): its number (Sunday
// 0) and the index after it, or 0, 0.
func weekday(s string) (int, int) {
	j := 0
	for j < len(s) && isLetter(s[j]) {
		j++
	}
	w := s[:j]
	if len(w) < 3 {
		return 0, 0
	}
	for k, name := range weekdayNames {
		if (len(w) == 3 || len(w) == len(name)) && foldEq(w, name[:len(w)]) {
			return k, j
		}
	}
	return 0, 0
}

func isLetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

// foldEq compares ASCII letters case-insensitively; lower must be lower case.
func foldEq(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// clock is a parsed time of day.
type clock struct {
	sod int // second of day
	us  int // microsecond of the second, kept exactly
}

// parseClock reads H:MM[:SS[.fraction]] and, when ampm, optional spaces and AM or PM
// (case-insensitive) at the start of s. It returns the unread rest.
func parseClock(s string, ampm bool) (clock, string, reason) {
	h, i := digits12(s, 0)
	if i < 0 || i+3 > len(s) || s[i] != ':' || !isDigit(s[i+1]) || !isDigit(s[i+2]) {
		return clock{}, "", errClockSyntax
	}
	mi := int(s[i+1]-'0')*10 + int(s[i+2]-'0')
	i += 3
	sec, us := 0, 0
	if i < len(s) && s[i] == ':' {
		if i+3 > len(s) || !isDigit(s[i+1]) || !isDigit(s[i+2]) {
			return clock{}, "", errClockSyntax
		}
		sec = int(s[i+1]-'0')*10 + int(s[i+2]-'0')
		i += 3
		if i < len(s) && s[i] == '.' {
			i++
			if i >= len(s) || !isDigit(s[i]) {
				return clock{}, "", errClockSyntax
			}
			f := i
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			var ok bool
			if us, ok = micros(s[f:i], 6); !ok {
				return clock{}, "", errFracDigits
			}
		}
	}
	if i < len(s) && isDigit(s[i]) { // a third hour digit or a 3-digit minute/second
		return clock{}, "", errClockSyntax
	}
	if mi > 59 || sec > 59 {
		return clock{}, "", errClock
	}
	if ampm {
		j := i
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j+2 <= len(s) && (s[j+1] == 'm' || s[j+1] == 'M') && (j+2 == len(s) || !isLetter(s[j+2])) {
			pm := s[j] == 'p' || s[j] == 'P'
			if pm || s[j] == 'a' || s[j] == 'A' {
				if h < 1 || h > 12 {
					return clock{}, "", errClock
				}
				if h == 12 {
					h = 0
				}
				if pm {
					h += 12
				}
				return clock{sod: h*3600 + mi*60 + sec, us: us}, s[j+2:], ""
			}
		}
	}
	if h > 23 {
		return clock{}, "", errClock
	}
	return clock{sod: h*3600 + mi*60 + sec, us: us}, s[i:], ""
}
