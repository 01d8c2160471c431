package xlsx

import (
	"math"
	"math/bits"
	"strconv"
	"time"
)

// Excel serial dates (1900 system) count days from 1899-12-30, except that
// serials below 61 are one day off because Excel treats 1900 as a leap year
// (serial 60 is the fictional 1900-02-29). The 1904 system counts from
// 1904-01-01 without that bug.

const (
	secondsPerDay = 86400
	msPerDay      = secondsPerDay * 1000
)

// epoch1900 and epoch1904 are the day-zero dates as days since 1970-01-01.
var (
	epoch1900 = daysSinceUnix(1899, 12, 30)
	epoch1904 = daysSinceUnix(1904, 1, 1)
)

func daysSinceUnix(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}

// serialText renders t's wall clock as a 1900-system serial, rounded to the
// millisecond (the finest a float64 serial carries exactly back, and Excel's
// finest display). TimeOnly writes the day fraction only. The arithmetic is
// done in whole days plus milliseconds because time.Duration overflows
// across 1900..9999.
func serialText(t time.Time, f DateFormat) string {
	h, m, s := t.Clock()
	ms := int64(h*3600+m*60+s)*1000 + int64(t.Nanosecond()+500_000)/1_000_000
	var days int64
	if f != TimeOnly {
		y, mo, d := t.Date()
		days = daysSinceUnix(y, mo, d) - epoch1900
		if days < 61 {
			days-- // 1900 leap-year bug: dates before 1900-03-01
		}
	}
	if ms == msPerDay { // rounding carried into the next day
		ms = 0
		if f != TimeOnly {
			days++
			if days == 60 {
				days = 61
			}
		}
	}
	if ms == 0 {
		return strconv.FormatInt(days, 10)
	}
	return strconv.FormatFloat(float64(days)+float64(ms)/msPerDay, 'f', -1, 64)
}

// maxSerial is one past the last serial Excel shows as a date (9999-12-31).
const maxSerial = 2958466

// serialMillis parses the text of a serial number: whole is its integer part
// and total the serial in milliseconds, rounded to the nearest millisecond: a
// serial is a binary fraction of a day with no exact decimal second, and the
// millisecond is what the float64 serial of any millisecond timestamp reads
// back as exactly. ok is false for anything that is not a number in
// [0, maxSerial).
func serialMillis(raw []byte) (whole, total int64, ok bool) {
	if whole, total, ok := decimalMillis(raw); ok {
		return whole, total, true
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || !(v >= 0 && v < maxSerial) { // also rejects NaN
		return 0, 0, false
	}
	return int64(v), int64(math.Round(v * msPerDay)), true
}

// decimalMillis is the fast path of serialMillis for plain decimals
// ("45678", "45678.3513888889"): exact integer arithmetic, no float parse.
// It reports false for anything else (signs, exponents, > 19 digits).
func decimalMillis(raw []byte) (whole, total int64, ok bool) {
	var n uint64
	digits, frac, dot := 0, 0, false
	for _, c := range raw {
		switch {
		case c >= '0' && c <= '9':
			if digits == 19 {
				return 0, 0, false
			}
			n = n*10 + uint64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, 0, false
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	p := pow10[frac]
	if n/p >= maxSerial {
		return 0, 0, false
	}
	hi, lo := bits.Mul64(n, msPerDay)
	q, rem := bits.Div64(hi, lo, p) // no overflow: n*msPerDay < maxSerial*msPerDay*p < p<<64
	if rem >= p-rem {
		q++ // half up, like math.Round
	}
	if rem != 0 { // not an exact millisecond: maybe a serial cut to a few decimals
		q = uint64(snapSecond(n/p, n%p, p, int64(q)))
	}
	return int64(n / p), int64(q), true
}

// snapSecond returns the whole second nearest to total (ms) when the serial's digits cannot
// tell the two apart: when that second lies within one unit of the last decimal (the serial is
// whole + f/p days, and not an exact millisecond). A serial cut to a few decimals
// (45678.354166 for 08:30:00) reads as the second it was cut from; an exact millisecond, or a
// serial precise enough for one (8+ decimals), keeps it. The clean stage's values.dayMillis
// applies the same rule to serials in text exports.
func snapSecond(whole, f, p uint64, total int64) int64 {
	if p > 1e9 { // a unit under 0.1 ms: rounding gave the millisecond
		return total
	}
	day := int64(whole) * msPerDay
	sec := (total - day + 500) / 1000 * 1000 // the nearest whole second, as ms of the day
	if d := int64(f*msPerDay) - sec*int64(p); -msPerDay < d && d < msPerDay {
		return day + sec
	}
	return total
}

var pow10 = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// serialDays converts a serial (from serialMillis) to days since 1970-01-01
// and milliseconds of the day. ok is false for serial 60 in the 1900 system
// (1900-02-29 does not exist) and past 9999-12-31 23:59:59.999.
func serialDays(whole, total int64, date1904 bool) (days, ms int64, ok bool) {
	d, s := total/msPerDay, total%msPerDay
	switch {
	case date1904:
		d += epoch1904
	case whole == 60:
		return 0, 0, false
	case d < 61:
		d += epoch1900 + 1
	default:
		d += epoch1900
	}
	if d > lastDay {
		return 0, 0, false
	}
	return d, s, true
}

var lastDay = daysSinceUnix(9999, 12, 31)

// appendISO appends days/ms (from serialDays) as "2006-01-02 15:04:05[.fff]"
// (a fraction only when there is one, trailing zeros trimmed, as the clean
// stage writes it), or just the date or time part.
func appendISO(b []byte, days, ms int64, withDate, withTime bool) []byte {
	if withDate {
		y, m, d := time.Unix(days*secondsPerDay, 0).UTC().Date()
		b = append4(b, y)
		b = append(b, '-')
		b = append2(b, int(m))
		b = append(b, '-')
		b = append2(b, d)
		if withTime {
			b = append(b, ' ')
		}
	}
	if withTime {
		secs := ms / 1000
		b = append2(b, int(secs/3600))
		b = append(b, ':')
		b = append2(b, int(secs/60%60))
		b = append(b, ':')
		b = append2(b, int(secs%60))
		if f := int(ms % 1000); f != 0 {
			b = append(b, '.', byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
			for b[len(b)-1] == '0' {
				b = b[:len(b)-1]
			}
		}
	}
	return b
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

func append4(b []byte, n int) []byte {
	return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}
