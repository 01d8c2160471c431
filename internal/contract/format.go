package contract

import (
	"fmt"
	"strings"
)

// Date formats: a column's `format` is the one spelling of its dates, written in tokens a
// person reads without knowing any programming language's layout (docs/spec-format.md, "Date
// formats"). It is compiled once, when the contract is loaded, so a format that cannot be read
// is refused there with its position, never at row 3 million.

// FieldKind is one token of a date format.
type FieldKind uint8

// The tokens, longest spellings first where one is a prefix of another.
const (
	FieldLiteral   FieldKind = iota // the text in Lit, exactly
	FieldSpace                      // one space in the format: one or more spaces in a value
	FieldYear4                      // YYYY
	FieldYear2                      // YY: 00..68 is 2000..2068, 69..99 is 1969..1999
	FieldMonthLong                  // MMMM: an English month name, any case (January; Jan is accepted too)
	FieldMonthName                  // MMM: an English month abbreviation, any case (Mar; March is accepted too)
	FieldMonth2                     // MM: 01..12
	FieldMonth                      // M: 1..12, one or two digits
	FieldDay2                       // DD: 01..31
	FieldDay                        // D: 1..31, one or two digits
	FieldHour2                      // HH: 00..23
	FieldHour                       // H: 0..23, one or two digits
	FieldHour12x2                   // hh: 01..12 (needs A)
	FieldHour12                     // h: 1..12, one or two digits (needs A)
	FieldMinute                     // mm: 00..59
	FieldSecond                     // ss: 00..59
	FieldFraction                   // S, SS, SSS, ...: 1 to 9 digits of a second, kept exactly to the µs
	FieldAMPM                       // A or a: AM or PM, any case
	FieldOffset                     // Z: Z, UTC, GMT, +HH:MM, +HHMM or +HH (needs type timestamptz)
)

// Layout is a compiled date format.
type Layout struct {
	Source string
	Fields []LayoutField
	// Order is the format's field order of day and month (dmy or mdy; dmy for year-first).
	Order DateOrder
}

// LayoutField is one token of a layout.
type LayoutField struct {
	Kind FieldKind
	Lit  string // FieldLiteral only
}

// HasClock reports whether the layout holds a time of day.
func (l *Layout) HasClock() bool { return l.Has(FieldHour2, FieldHour, FieldHour12x2, FieldHour12) }

// HasOffset reports whether the layout holds a UTC offset.
func (l *Layout) HasOffset() bool { return l.Has(FieldOffset) }

// Has reports whether the layout holds a field of any of the kinds.
func (l *Layout) Has(kinds ...FieldKind) bool {
	for _, f := range l.Fields {
		for _, k := range kinds {
			if f.Kind == k {
				return true
			}
		}
	}
	return false
}

// formatTokens are matched longest first at each position.
var formatTokens = []struct {
	tok  string
	kind FieldKind
}{
	{"YYYY", FieldYear4}, {"YY", FieldYear2},
	{"MMMM", FieldMonthLong}, {"MMM", FieldMonthName}, {"MM", FieldMonth2}, {"M", FieldMonth},
	{"DD", FieldDay2}, {"D", FieldDay},
	{"HH", FieldHour2}, {"H", FieldHour}, {"hh", FieldHour12x2}, {"h", FieldHour12},
	{"mm", FieldMinute}, {"ss", FieldSecond},
	{"A", FieldAMPM}, {"a", FieldAMPM}, {"Z", FieldOffset},
}

const formatHelp = "tokens: YYYY YY MMMM MMM MM M DD D HH H hh h mm ss S A Z; T, punctuation and 'quoted text' are literal"

// ParseLayout compiles a date format such as "DD-MM-YYYY HH:mm" or "MMM D, YYYY h:mm:ss A".
func ParseLayout(format string) (*Layout, error) {
	l := &Layout{Source: format}
	seen := map[string]bool{} // what each token stands for: year, month, day, hour, ...
	lit := func(s string) {
		if n := len(l.Fields); n > 0 && l.Fields[n-1].Kind == FieldLiteral {
			l.Fields[n-1].Lit += s
			return
		}
		l.Fields = append(l.Fields, LayoutField{Kind: FieldLiteral, Lit: s})
	}
	for i := 0; i < len(format); {
		c := format[i]
		switch {
		case c == ' ':
			for i < len(format) && format[i] == ' ' {
				i++
			}
			l.Fields = append(l.Fields, LayoutField{Kind: FieldSpace})
			continue
		case c == '\'':
			j := strings.IndexByte(format[i+1:], '\'')
			if j <= 0 {
				return nil, fmt.Errorf("format %q: unclosed or empty quoted text at %d (%s)", format, i+1, formatHelp)
			}
			lit(format[i+1 : i+1+j])
			i += j + 2
			continue
		case c == 'S':
			j := i
			for j < len(format) && format[j] == 'S' {
				j++
			}
			if err := l.field(format, i, FieldFraction, "fraction", seen); err != nil {
				return nil, err
			}
			i = j
			continue
		case c == 'T':
			lit("T")
			i++
			continue
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			matched := false
			for _, t := range formatTokens {
				if strings.HasPrefix(format[i:], t.tok) {
					if err := l.field(format, i, t.kind, role(t.kind), seen); err != nil {
						return nil, err
					}
					i += len(t.tok)
					matched = true
					break
				}
			}
			if !matched {
				j := i
				for j < len(format) && (format[j] >= 'a' && format[j] <= 'z' || format[j] >= 'A' && format[j] <= 'Z') {
					j++
				}
				return nil, fmt.Errorf("format %q: unknown token %q at %d (%s)", format, format[i:j], i+1, formatHelp)
			}
			continue
		}
		lit(format[i : i+1])
		i++
	}
	return l, l.check(seen)
}

// role is what a token stands for; a format names each at most once.
func role(k FieldKind) string {
	switch k {
	case FieldYear4, FieldYear2:
		return "year"
	case FieldMonthLong, FieldMonthName, FieldMonth2, FieldMonth:
		return "month"
	case FieldDay2, FieldDay:
		return "day"
	case FieldHour2, FieldHour:
		return "hour"
	case FieldHour12x2, FieldHour12:
		return "hour12"
	case FieldMinute:
		return "minute"
	case FieldSecond:
		return "second"
	case FieldAMPM:
		return "ampm"
	case FieldOffset:
		return "offset"
	}
	return "fraction"
}

func (l *Layout) field(format string, at int, k FieldKind, what string, seen map[string]bool) error {
	if seen[what] || (what == "hour" && seen["hour12"]) || (what == "hour12" && seen["hour"]) {
		return fmt.Errorf("format %q: a second %s token at %d", format, strings.TrimSuffix(what, "12"), at+1)
	}
	seen[what] = true
	if what == "day" && !seen["month"] {
		l.Order = DMY
	}
	if what == "month" && !seen["day"] && !seen["year"] {
		l.Order = MDY
	}
	l.Fields = append(l.Fields, LayoutField{Kind: k})
	return nil
}

func (l *Layout) check(seen map[string]bool) error {
	if l.Order == "" {
		l.Order = DMY
	}
	for _, need := range []string{"year", "month", "day"} {
		if !seen[need] {
			return fmt.Errorf("format %q: no %s (%s)", l.Source, need, formatHelp)
		}
	}
	hour := seen["hour"] || seen["hour12"]
	switch {
	case seen["minute"] && !hour, seen["second"] && !seen["minute"], seen["fraction"] && !seen["second"]:
		return fmt.Errorf("format %q: a time of day needs hours, minutes, seconds in turn (HH:mm, HH:mm:ss, HH:mm:ss.SSS)", l.Source)
	case hour && !seen["minute"]:
		return fmt.Errorf("format %q: an hour without minutes (mm)", l.Source)
	case seen["hour12"] && !seen["ampm"]:
		return fmt.Errorf("format %q: a 12-hour clock (h, hh) needs AM/PM (A)", l.Source)
	case seen["ampm"] && !seen["hour12"]:
		return fmt.Errorf("format %q: AM/PM (A) needs a 12-hour clock (h or hh; HH is 24-hour)", l.Source)
	case seen["offset"] && !hour:
		return fmt.Errorf("format %q: a UTC offset (Z) needs a time of day", l.Source)
	case seen["offset"] && l.Fields[len(l.Fields)-1].Kind != FieldOffset:
		return fmt.Errorf("format %q: the UTC offset (Z) must end the format", l.Source)
	}
	return nil
}

// compileFormat compiles the column's format and checks it fits the column's type.
func (c *Column) compileFormat() error {
	if !c.Type.IsDated() {
		return fmt.Errorf("format %q: only date, timestamp and timestamptz columns take a format, not %s", c.Format, c.Type)
	}
	l, err := ParseLayout(c.Format)
	if err != nil {
		return err
	}
	switch {
	case c.Type == Timestamptz && !l.HasOffset():
		return fmt.Errorf("format %q: a timestamptz column's values carry a UTC offset: end the format with Z", c.Format)
	case c.Type != Timestamptz && l.HasOffset():
		return fmt.Errorf("format %q has a UTC offset (Z): declare the column timestamptz (its values are converted to UTC exactly), or drop the Z", c.Format)
	}
	c.Layout = l
	return nil
}
