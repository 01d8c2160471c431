package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/sdetl/sdetl/internal/contract"
)

// The load's COPY is written in PostgreSQL's binary format straight from the clean store's
// canonical text (docs/design.md, Canonical clean values): one pass over each value's bytes, into
// a reused buffer, with no Go value per field and no type map. Each encoder writes exactly the
// bytes pgx wrote for the value pgx was handed before (TestCopyEncodingMatchesPgx holds them
// against pgx's own encoding), so the server receives, and stores, the same values.

// copyHeader starts a binary COPY stream: the signature, no flags, no header extension.
var copyHeader = []byte("PGCOPY\n\377\r\n\000\000\000\000\000\000\000\000\000")

// copyTrailer ends it: a field count of -1.
var copyTrailer = []byte{0xff, 0xff}

// appendField appends one non-NULL field, its int32 length then its bytes, for a column of
// contract type t (the DDL's PostgreSQL type, PGType) holding canonical text v.
func appendField(buf []byte, t contract.Type, v string) ([]byte, error) {
	switch t {
	case contract.Integer:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("integer %q: %w", v, err)
		}
		return binary.BigEndian.AppendUint64(append(buf, 0, 0, 0, 8), uint64(n)), nil
	case contract.Decimal:
		return appendNumeric(buf, v)
	case contract.Timestamp:
		us, err := parseTimestamp(v)
		if err != nil {
			return nil, fmt.Errorf("timestamp %q: %w", v, err)
		}
		return binary.BigEndian.AppendUint64(append(buf, 0, 0, 0, 8), uint64(us)), nil
	case contract.Timestamptz:
		us, err := parseTimestamptz(v)
		if err != nil {
			return nil, fmt.Errorf("timestamptz %q: %w", v, err)
		}
		return binary.BigEndian.AppendUint64(append(buf, 0, 0, 0, 8), uint64(us)), nil
	case contract.Date:
		days, err := parseDate(v)
		if err != nil {
			return nil, fmt.Errorf("date %q: %w", v, err)
		}
		return binary.BigEndian.AppendUint32(append(buf, 0, 0, 0, 4), uint32(int32(days))), nil
	case contract.Time:
		us, rest, err := parseClock(v)
		if err == nil && rest != "" {
			err = errNotCanonical
		}
		if err != nil {
			return nil, fmt.Errorf("time %q: %w", v, err)
		}
		return binary.BigEndian.AppendUint64(append(buf, 0, 0, 0, 8), uint64(us)), nil
	case contract.Boolean:
		switch v {
		case "true":
			return append(buf, 0, 0, 0, 1, 1), nil
		case "false":
			return append(buf, 0, 0, 0, 1, 0), nil
		}
		return nil, fmt.Errorf("boolean %q", v)
	}
	// text, flag, month: text columns, whose binary form is the bytes themselves.
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(v)))
	return append(buf, v...), nil
}

var errNotCanonical = errors.New("not the canonical form")

// microsecond offsets and day counts from the Unix epoch to PostgreSQL's, 2000-01-01.
const (
	pgEpochDays = 10957
	usPerDay    = 86400 * 1_000_000
)

// parseTimestamp reads "2006-01-02 15:04:05[.ffffff]" as microseconds since 2000-01-01.
func parseTimestamp(v string) (int64, error) {
	us, rest, err := parseDateClock(v)
	if err == nil && rest != "" {
		err = errNotCanonical
	}
	return us, err
}

// parseDateClock reads the "2006-01-02 15:04:05[.ffffff]" that v starts with as microseconds
// since 2000-01-01, and returns what follows it.
func parseDateClock(v string) (int64, string, error) {
	if len(v) < 19 || v[10] != ' ' {
		return 0, "", errNotCanonical
	}
	days, err := parseDate(v[:10])
	if err != nil {
		return 0, "", err
	}
	us, rest, err := parseClock(v[11:])
	if err != nil {
		return 0, "", err
	}
	return days*usPerDay + us, rest, nil
}

// parseTimestamptz reads "2006-01-02 15:04:05[.ffffff]+00" (an offset of whole hours, as the
// layout "-07" reads it; canonical text is always UTC) as the instant's microseconds since
// 2000-01-01 UTC.
func parseTimestamptz(v string) (int64, error) {
	us, rest, err := parseDateClock(v)
	if err != nil {
		return 0, err
	}
	if len(rest) != 3 || (rest[0] != '+' && rest[0] != '-') {
		return 0, errNotCanonical
	}
	h, ok := digits2(rest[1:])
	if !ok || h > 24 { // time.Parse's bound on a zone's hours
		return 0, errNotCanonical
	}
	off := int64(h) * 3600 * 1_000_000
	if rest[0] == '-' {
		off = -off
	}
	return us - off, nil
}

// parseDate reads "2006-01-02" (a real day of the proleptic Gregorian calendar, year 0000 to
// 9999 as Go's time reads them) as days since 2000-01-01.
func parseDate(v string) (int64, error) {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return 0, errNotCanonical
	}
	hi, ok1 := digits2(v[0:2])
	lo, ok2 := digits2(v[2:4])
	m, ok3 := digits2(v[5:7])
	d, ok4 := digits2(v[8:10])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return 0, errNotCanonical
	}
	y := hi*100 + lo
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, errors.New("day out of range")
	}
	return daysFromCivil(int64(y), int64(m), int64(d)) - pgEpochDays, nil
}

// parseClock reads "15:04:05[.f]" (at most 6 fraction digits, the canonical precision) at the
// start of v as microseconds since midnight, and returns what follows it.
func parseClock(v string) (us int64, rest string, err error) {
	if len(v) < 8 || v[2] != ':' || v[5] != ':' {
		return 0, "", errNotCanonical
	}
	h, ok1 := digits2(v[0:2])
	m, ok2 := digits2(v[3:5])
	s, ok3 := digits2(v[6:8])
	if !ok1 || !ok2 || !ok3 {
		return 0, "", errNotCanonical
	}
	if h > 23 || m > 59 || s > 59 {
		return 0, "", errors.New("clock out of range")
	}
	us = int64(h*3600+m*60+s) * 1_000_000
	rest = v[8:]
	if len(rest) > 0 && rest[0] == '.' {
		i, frac, scale := 1, int64(0), int64(100_000)
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			if i > 6 {
				return 0, "", errNotCanonical // finer than a microsecond
			}
			frac += int64(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return 0, "", errNotCanonical
		}
		us += frac
		rest = rest[i:]
	}
	return us, rest, nil
}

// digits2 reads two decimal digits.
func digits2(s string) (int, bool) {
	a, b := s[0]-'0', s[1]-'0'
	if a > 9 || b > 9 {
		return 0, false
	}
	return int(a)*10 + int(b), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is the proleptic Gregorian day number since 1970-01-01 (H. Hinnant's
// days_from_civil), the calendar Go's time and PostgreSQL both use.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12 // March is 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// appendNumeric appends canonical decimal text ("-12.5", "7", "0.25") as PostgreSQL's binary
// numeric: int16 ndigits, weight, sign, dscale, then ndigits base-10000 digits. It writes what
// pgx's NumericCodec writes for the pgtype.Numeric that Scan reads from the same text (the
// server normalises either on receipt): a whole number's trailing zeros go into the exponent,
// the exponent is lowered to a multiple of 4 by padding zeros, every fraction group is written
// (zero groups too), dscale is the text's count of fraction digits.
func appendNumeric(buf []byte, v string) ([]byte, error) {
	neg, s := false, v
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	whole, frac, point := s, "", false
	for i := 0; i < len(s); i++ {
		if s[i] == '.' && !point {
			whole, frac, point = s[:i], s[i+1:], true
		} else if s[i] < '0' || s[i] > '9' {
			return nil, fmt.Errorf("decimal %q: %w", v, errNotCanonical)
		}
	}
	if whole == "" || (point && frac == "") {
		return nil, fmt.Errorf("decimal %q: %w", v, errNotCanonical)
	}
	exp := -len(frac)
	if !point {
		for len(whole) > 1 && whole[len(whole)-1] == '0' {
			whole, exp = whole[:len(whole)-1], exp+1
		}
	}
	dscale := len(frac)
	pad := ((exp % 4) + 4) % 4 // lowers exp to a multiple of 4
	exp -= pad
	w := trimLeadingZeros(whole)
	zero := w == "" && allZeros(frac)
	f := frac
	if point {
		f += "000"[:pad]
	} else if w != "" {
		w += "000"[:pad]
	}
	wholeGroups, fracGroups := (len(w)+3)/4, len(f)/4
	weight := exp/4 - 1 + fracGroups
	if wholeGroups > 0 {
		weight = wholeGroups - 1 + max(exp, 0)/4
	}
	sign := uint16(0)
	if neg && !zero {
		sign = 0x4000
	}
	ndigits := wholeGroups + fracGroups
	buf = binary.BigEndian.AppendUint32(buf, uint32(8+2*ndigits))
	buf = binary.BigEndian.AppendUint16(buf, uint16(ndigits))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(weight)))
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, uint16(dscale))
	// The whole part's groups from the left, the first one short when its digits do not fill it.
	for i := len(w) - (wholeGroups-1)*4 - 4; i < len(w); i += 4 {
		buf = binary.BigEndian.AppendUint16(buf, group(w[max(i, 0):i+4]))
	}
	for i := 0; i < len(f); i += 4 {
		buf = binary.BigEndian.AppendUint16(buf, group(f[i:i+4]))
	}
	return buf, nil
}

func group(d string) uint16 {
	n := uint16(0)
	for i := 0; i < len(d); i++ {
		n = n*10 + uint16(d[i]-'0')
	}
	return n
}

func trimLeadingZeros(d string) string {
	for len(d) > 0 && d[0] == '0' {
		d = d[1:]
	}
	return d
}

func allZeros(d string) bool {
	for i := 0; i < len(d); i++ {
		if d[i] != '0' {
			return false
		}
	}
	return true
}
