package values

import "github.com/sdetl/sdetl/internal/contract"

// Dates in a column's own format (the contract's `format`, compiled into a contract.Layout):
// the value must be spelled exactly as the format says, field by field. No other spelling is
// tried, so the format is the explicit escape hatch where the evidence cannot decide.

const errLayout = reason("does not match the column's format")

// parseLayout parses s by the layout l.
func parseLayout(s string, l *contract.Layout) (stamp, reason) {
	y, m, d := -1, -1, -1
	h, pm, ampm := 0, false, false
	mi, sec, us := 0, 0, 0
	st := stamp{}
	i := 0
	for _, f := range l.Fields {
		switch f.Kind {
		case contract.FieldLiteral:
			if len(s)-i < len(f.Lit) || s[i:i+len(f.Lit)] != f.Lit {
				return stamp{}, errLayout
			}
			i += len(f.Lit)
		case contract.FieldSpace:
			j := i
			for j < len(s) && s[j] == ' ' {
				j++
			}
			if j == i {
				return stamp{}, errLayout
			}
			i = j
		case contract.FieldYear4:
			v, j := fixedDigits(s, i, 4)
			if j < 0 {
				return stamp{}, errLayout
			}
			y, i = v, j
		case contract.FieldYear2:
			v, j := fixedDigits(s, i, 2)
			if j < 0 {
				return stamp{}, errLayout
			}
			if y, i = 1900+v, j; v < pivotYY {
				y = 2000 + v
			}
		case contract.FieldMonthLong, contract.FieldMonthName:
			v, j := monthName(s, i)
			if j < 0 {
				return stamp{}, errLayout
			}
			m, i = v, j
		case contract.FieldMonth2, contract.FieldDay2, contract.FieldHour2, contract.FieldHour12x2, contract.FieldMinute, contract.FieldSecond:
			v, j := fixedDigits(s, i, 2)
			if j < 0 {
				return stamp{}, errLayout
			}
			i = j
			switch f.Kind {
			case contract.FieldMonth2:
				m = v
			case contract.FieldDay2:
				d = v
			case contract.FieldMinute:
				mi = v
			case contract.FieldSecond:
				sec = v
			default:
				h = v
			}
		case contract.FieldMonth, contract.FieldDay, contract.FieldHour, contract.FieldHour12:
			v, j := digits12(s, i)
			if j < 0 {
				return stamp{}, errLayout
			}
			i = j
			switch f.Kind {
			case contract.FieldMonth:
				m = v
			case contract.FieldDay:
				d = v
			default:
				h = v
			}
		case contract.FieldFraction:
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j == i || j-i > 9 {
				return stamp{}, errLayout
			}
			v, ok := micros(s[i:j], 6)
			if !ok {
				return stamp{}, errFracDigits
			}
			us, i = v, j
		case contract.FieldAMPM:
			if len(s)-i < 2 || s[i+1]|0x20 != 'm' || (s[i]|0x20 != 'a' && s[i]|0x20 != 'p') {
				return stamp{}, errLayout
			}
			ampm, pm = true, s[i]|0x20 == 'p'
			i += 2
		case contract.FieldOffset:
			// The offset runs to the end of the value or to the next literal.
			off, r := parseOffset(s[i:])
			if r != "" {
				return stamp{}, r
			}
			st.off, st.hasOff, i = off, true, len(s)
		}
	}
	if i != len(s) {
		return stamp{}, errLayout
	}
	if ampm {
		if h < 1 || h > 12 {
			return stamp{}, errClock
		}
		if h == 12 {
			h = 0
		}
		if pm {
			h += 12
		}
	}
	if h > 23 || mi > 59 || sec > 59 {
		return stamp{}, errClock
	}
	if y < minYear || !validDate(y, m, d) {
		if y < minYear {
			return stamp{}, errYearRange
		}
		return stamp{}, errCalendar
	}
	st.days, st.sod, st.us = daysFromCivil(y, m, d), h*3600+mi*60+sec, us
	return st, st.normalise()
}

// fixedDigits reads exactly n digits at s[i:]; -1 when there are not n.
func fixedDigits(s string, i, n int) (int, int) {
	if len(s)-i < n {
		return 0, -1
	}
	v := 0
	for k := i; k < i+n; k++ {
		if !isDigit(s[k]) {
			return 0, -1
		}
		v = v*10 + int(s[k]-'0')
	}
	return v, i + n // a digit after them is the next field's (YYYYMMDD) or refused by it
}
