package values

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

// The date spellings of real exports (issue 12), each with its one canonical form.
func TestSpellings(t *testing.T) {
	n := NewNormalizer(nil)
	for _, c := range []struct {
		raw   string
		typ   contract.Type
		order contract.DateOrder
		want  string // "" = invalid
	}{
		{"29-02-2016 01:16", contract.Timestamp, contract.DMY, "2016-02-29 01:16:00"},
		{"03-12-2025 15:21:08", contract.Timestamp, contract.MDY, "2025-03-12 15:21:08"},
		{"03-12-2025 15:21:08", contract.Timestamp, contract.DMY, "2025-12-03 15:21:08"},
		{"12/Mar/25 3:04 PM", contract.Timestamp, contract.MDY, "2025-03-12 15:04:00"}, // Jira: the order plays no part
		{"Mar 12, 2025 3:04:05 PM", contract.Timestamp, contract.DMY, "2025-03-12 15:04:05"},
		{"march 12 2025 15:04", contract.Timestamp, contract.DMY, "2025-03-12 15:04:00"},
		{"12-Mar-2025", contract.Date, contract.DMY, "2025-03-12"},
		{"12 MARCH 2025", contract.Date, contract.DMY, "2025-03-12"},
		{"12-Sept-2025", contract.Date, contract.DMY, "2025-09-12"},
		{"12.03.2025 15:04", contract.Timestamp, contract.DMY, "2025-03-12 15:04:00"},
		{"12.03.25", contract.Date, contract.DMY, "2025-03-12"},
		{"1.2.10", contract.Date, contract.DMY, ""}, // a version number, not a date
		{"3/12/2025 3:04 PM", contract.Timestamp, contract.MDY, "2025-03-12 15:04:00"},
		{"3/12/2025, 3:04:05 pm", contract.Timestamp, contract.MDY, "2025-03-12 15:04:05"},
		{"2025-03-12T15:04:05", contract.Timestamp, contract.DMY, "2025-03-12 15:04:05"},
		{"2025-03-12T15:04:05.123456", contract.Timestamp, contract.DMY, "2025-03-12 15:04:05.123456"},
		{"2025/03/12 15:04", contract.Timestamp, contract.MDY, "2025-03-12 15:04:00"},
		{"Wed, 12 Mar 2025 15:04:05 +0000", contract.Timestamptz, contract.DMY, "2025-03-12 15:04:05+00"},
		{"Thu, 12 Mar 2025 15:04:05 +0000", contract.Timestamptz, contract.DMY, ""}, // not that date's weekday
		{"2025-03-12T15:04:05Z", contract.Timestamptz, contract.DMY, "2025-03-12 15:04:05+00"},
		{"2025-03-12T15:04:05.5+11:00", contract.Timestamptz, contract.DMY, "2025-03-12 04:04:05.5+00"},
		{"2025-03-12T01:04:05+11:00", contract.Timestamptz, contract.DMY, "2025-03-11 14:04:05+00"},
		{"2025-03-12 23:30:00-0530", contract.Timestamptz, contract.DMY, "2025-03-13 05:00:00+00"},
		{"12/03/2025 10:00 UTC", contract.Timestamptz, contract.DMY, "2025-03-12 10:00:00+00"},
		{"12/03/2025 10:00 GMT+10", contract.Timestamptz, contract.DMY, "2025-03-12 00:00:00+00"},
		{"1751470860", contract.Timestamptz, contract.DMY, "2025-07-02 15:41:00+00"}, // an epoch is an instant
		{"2025-03-12 15:04:05", contract.Timestamptz, contract.DMY, ""},              // no offset: never assumed
		{"45678.5", contract.Timestamptz, contract.DMY, ""},                          // a serial is a wall clock
		{"2025-03-12T15:04:05+11:00", contract.Timestamp, contract.DMY, ""},          // never shifted silently
		{"2025-03-12T15:04:05+16:00", contract.Timestamptz, contract.DMY, ""},
		{"2025-03-12+11:00", contract.Timestamptz, contract.DMY, ""},
		{"03/04/25", contract.Date, contract.Unresolved, ""}, // nothing decided the order
		{"03/03/25", contract.Date, contract.Unresolved, "2025-03-03"},
		{"13/04/25", contract.Date, contract.Unresolved, "2025-04-13"},
		{"1/1/69", contract.Date, contract.DMY, "1969-01-01"},
		{"1/1/68", contract.Date, contract.DMY, "2068-01-01"},
		{"Marc 12 2025", contract.Date, contract.DMY, ""},
		{"Mar 12", contract.Date, contract.DMY, ""},
	} {
		r, err := n.Normalize(c.typ, c.order, c.raw)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("%s %q (%s): got %q, want invalid", c.typ, c.raw, c.order, r.Value)
		case c.want != "" && (err != nil || r.Value != c.want):
			t.Errorf("%s %q (%s): got %q, %v; want %q", c.typ, c.raw, c.order, r.Value, err, c.want)
		}
	}
}

// spelling renders a time the way some export does; order is the date order it needs.
type spelling struct {
	name  string
	order contract.DateOrder
	clock bool // carries the time of day (to the second, unless frac)
	frac  bool // carries the microseconds
	zone  bool // carries an offset: the time is rendered in a random zone
	f     func(t time.Time, rng *rand.Rand) string
}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func caseOf(rng *rand.Rand, s string) string {
	switch rng.IntN(3) {
	case 0:
		return strings.ToUpper(s)
	case 1:
		return strings.ToLower(s)
	}
	return s
}

func longMonth(t time.Time) string { return t.Month().String() }

func hour12(t time.Time) (int, string) {
	h, ap := t.Hour()%12, "AM"
	if h == 0 {
		h = 12
	}
	if t.Hour() >= 12 {
		ap = "PM"
	}
	return h, ap
}

var spellings = []spelling{
	{"D-M-YYYY H:mm", contract.DMY, true, false, false, func(t time.Time, _ *rand.Rand) string {
		return fmt.Sprintf("%d-%02d-%d %d:%02d:%02d", t.Day(), t.Month(), t.Year(), t.Hour(), t.Minute(), t.Second())
	}},
	{"MM-DD-YYYY HH:mm:ss", contract.MDY, true, false, false, func(t time.Time, _ *rand.Rand) string {
		return t.Format("01-02-2006 15:04:05")
	}},
	{"DD/MMM/YY h:mm A (Jira)", contract.DMY, true, false, false, func(t time.Time, rng *rand.Rand) string {
		h, ap := hour12(t)
		return fmt.Sprintf("%02d/%s/%02d %d:%02d:%02d %s", t.Day(), caseOf(rng, months[t.Month()-1]), t.Year()%100, h, t.Minute(), t.Second(), ap)
	}},
	{"MMM D, YYYY h:mm:ss A", contract.MDY, true, false, false, func(t time.Time, rng *rand.Rand) string {
		h, ap := hour12(t)
		return fmt.Sprintf("%s %d, %d %d:%02d:%02d %s", caseOf(rng, months[t.Month()-1]), t.Day(), t.Year(), h, t.Minute(), t.Second(), strings.ToLower(ap))
	}},
	{"D MMMM YYYY", contract.DMY, false, false, false, func(t time.Time, rng *rand.Rand) string {
		return fmt.Sprintf("%d %s %d", t.Day(), caseOf(rng, longMonth(t)), t.Year())
	}},
	{"DD-MMM-YYYY", contract.MDY, false, false, false, func(t time.Time, rng *rand.Rand) string {
		return fmt.Sprintf("%02d-%s-%d", t.Day(), caseOf(rng, months[t.Month()-1]), t.Year())
	}},
	{"DD.MM.YYYY HH:mm:ss", contract.DMY, true, false, false, func(t time.Time, _ *rand.Rand) string {
		return t.Format("02.01.2006 15:04:05")
	}},
	{"M/D/YYYY h:mm:ss A", contract.MDY, true, false, false, func(t time.Time, _ *rand.Rand) string {
		h, ap := hour12(t)
		return fmt.Sprintf("%d/%d/%d %d:%02d:%02d %s", t.Month(), t.Day(), t.Year(), h, t.Minute(), t.Second(), ap)
	}},
	{"D/M/YY", contract.DMY, false, false, false, func(t time.Time, _ *rand.Rand) string {
		return fmt.Sprintf("%d/%d/%02d", t.Day(), t.Month(), t.Year()%100)
	}},
	{"ISO T fraction", contract.DMY, true, true, false, func(t time.Time, _ *rand.Rand) string {
		return t.Format("2006-01-02T15:04:05.000000")
	}},
	{"ISO T offset", contract.DMY, true, true, true, func(t time.Time, _ *rand.Rand) string {
		return t.Format("2006-01-02T15:04:05.999999Z07:00")
	}},
	{"RFC 1123 numeric zone", contract.DMY, true, false, true, func(t time.Time, _ *rand.Rand) string {
		return t.Format("Mon, 02 Jan 2006 15:04:05 -0700")
	}},
}

// randYY is a random time whose 2-digit year reads back as itself (1969..2068), to the µs.
func randYY(rng *rand.Rand) time.Time {
	y := 1969 + rng.IntN(100)
	d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(365))
	return d.Add(time.Duration(rng.Int64N(86400e6)) * time.Microsecond)
}

// Property: a random date rendered in each supported spelling parses back to itself.
func TestSpellingsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 2026))
	n := NewNormalizer(nil)
	for _, sp := range spellings {
		for range 3000 {
			orig := randYY(rng)
			want := orig.Truncate(time.Second)
			if sp.frac {
				want = orig
			}
			if !sp.clock {
				want = time.Date(orig.Year(), orig.Month(), orig.Day(), 0, 0, 0, 0, time.UTC)
			}
			src, typ := want, contract.Timestamp
			if sp.zone {
				// A random offset, in whole minutes, within what exports carry.
				off := (rng.IntN(26*60+1) - 12*60) * 60 // -12:00 .. +14:00
				src, typ = want.In(time.FixedZone("", off)), contract.Timestamptz
			}
			raw := sp.f(src, rng)
			r, err := n.Normalize(typ, sp.order, raw)
			if err != nil {
				t.Fatalf("%s: %q: %v", sp.name, raw, err)
			}
			canon := want.Format("2006-01-02 15:04:05.999999")
			if typ == contract.Timestamptz {
				canon += "+00"
			}
			if r.Value != canon {
				t.Fatalf("%s: %q -> %q, want %q (from %v)", sp.name, raw, r.Value, canon, orig)
			}
			st, err := ParseStamp(raw, sp.order)
			if err != nil || !st.Time.Equal(want) || st.Offset != sp.zone {
				t.Fatalf("%s: ParseStamp(%q) = %+v, %v; want %v", sp.name, raw, st, err, want)
			}
		}
	}
}

func TestLayoutCompile(t *testing.T) {
	for _, c := range []struct{ format, err string }{
		{"DD-MM-YYYY HH:mm", ""},
		{"MMM D, YYYY h:mm:ss A", ""},
		{"YYYY-MM-DDTHH:mm:ss.SSSZ", ""},
		{"DD/MMM/YY h:mm a", ""},
		{"D 'de' MMMM 'de' YYYY", ""},
		{"DD-MM-YYY", `unknown token "Y"`},
		{"DD-MM", "no year"},
		{"DD-MM-YYYY HH", "an hour without minutes"},
		{"DD-MM-YYYY hh:mm", "needs AM/PM"},
		{"DD-MM-YYYY HH:mm A", "needs a 12-hour clock"},
		{"DD-MM-YYYY HH:mm Q", `unknown token "Q"`},
		{"DD-DD-YYYY", "a second day token"},
		{"DD-MM-YYYY Z", "needs a time of day"},
		{"DD-MM-YYYY HH:mm Z 'x'", "must end the format"},
		{"DD-MM-YYYY 'x", "unclosed"},
		{"DD-MM-YYYY mm:ss", "hours, minutes, seconds in turn"},
	} {
		_, err := contract.ParseLayout(c.format)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.format, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one saying %q", c.format, err, c.err)
		}
	}
	if l, _ := contract.ParseLayout("MM/DD/YYYY"); l.Order != contract.MDY {
		t.Errorf("MM/DD/YYYY order %s", l.Order)
	}
	if l, _ := contract.ParseLayout("DD/MM/YYYY"); l.Order != contract.DMY {
		t.Errorf("DD/MM/YYYY order %s", l.Order)
	}
}

func TestLayoutParse(t *testing.T) {
	n := NewNormalizer(nil)
	for _, c := range []struct {
		format, raw string
		typ         contract.Type
		want        string
	}{
		{"DD-MM-YYYY HH:mm", "03-04-2025 15:21", contract.Timestamp, "2025-04-03 15:21:00"},
		{"MM-DD-YYYY HH:mm:ss", "03-04-2025 15:21:08", contract.Timestamp, "2025-03-04 15:21:08"},
		{"MM-DD-YYYY HH:mm:ss", "03-04-2025 15:21", contract.Timestamp, ""},
		{"MM-DD-YYYY HH:mm:ss", "3-04-2025 15:21:08", contract.Timestamp, ""},
		{"M/D/YY h:mm A", "3/4/25 3:21 pm", contract.Timestamp, "2025-03-04 15:21:00"},
		{"M/D/YY h:mm A", "3/4/25 13:21 pm", contract.Timestamp, ""},
		{"DD MMM YYYY", "04 MAR 2025", contract.Date, "2025-03-04"},
		{"DD MMM YYYY", "04  Mar  2025", contract.Date, "2025-03-04"},
		{"DD MMM YYYY", "31 Apr 2025", contract.Date, ""},
		{"YYYY-MM-DDTHH:mm:ss.SZ", "2025-03-04T10:00:00.25+10:00", contract.Timestamptz, "2025-03-04 00:00:00.25+00"},
		{"YYYY-MM-DDTHH:mm:ss.SZ", "2025-03-04T10:00:00.25", contract.Timestamptz, ""},
		{"D 'de' MMMM 'de' YYYY", "4 de marzo de 2025", contract.Date, ""}, // English month names only
		{"D 'de' MMMM 'de' YYYY", "4 de March de 2025", contract.Date, "2025-03-04"},
		{"DD/MM/YYYY", "2025-03-04", contract.Date, ""}, // the format is the only spelling
	} {
		col := &contract.Column{Name: "c", Type: c.typ, Format: c.format}
		s := &contract.Spec{Schema: "s", Tables: []*contract.Table{{Name: "t", Columns: []*contract.Column{col}}}}
		b := fmt.Sprintf("schema: s\ntables:\n  - name: t\n    columns:\n      - {name: c, type: %s, format: %q}\n", c.typ, c.format)
		parsed, err := contract.Parse([]byte(b))
		if err != nil {
			t.Fatalf("%q: %v", c.format, err)
		}
		_ = s
		r, err := n.NormalizeColumn(parsed.Tables[0].Columns[0], c.raw)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("%q %q: got %q, want invalid", c.format, c.raw, r.Value)
		case c.want != "" && (err != nil || r.Value != c.want):
			t.Errorf("%q %q: got %q, %v; want %q", c.format, c.raw, r.Value, err, c.want)
		}
	}
}

// The contract refuses a format that does not fit its column, naming the column.
func TestLayoutContract(t *testing.T) {
	for _, c := range []struct{ col, err string }{
		{`{name: c, type: text, format: "DD-MM-YYYY"}`, "column c: format \"DD-MM-YYYY\": only date, timestamp and timestamptz"},
		{`{name: c, type: timestamp, format: "YYYY-MM-DD HH:mmZ"}`, "declare the column timestamptz"},
		{`{name: c, type: timestamptz, format: "YYYY-MM-DD HH:mm"}`, "end the format with Z"},
		{`{name: c, type: date, format: "YYYY-MM-DX"}`, `unknown token "X"`},
		{`{name: c, type: date, date_order: ymd}`, `date_order "ymd": want dmy, mdy or unresolved`},
	} {
		_, err := contract.Parse([]byte("schema: s\ntables:\n  - name: t\n    columns:\n      - " + c.col + "\n"))
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want one saying %q", c.col, err, c.err)
		}
	}
}

// FuzzParseStamp: any input parses or fails cleanly; what parses renders back to itself.
func FuzzParseStamp(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, s := range []string{"12/Mar/25 3:04 PM", "Mar 12, 2025 3:04:05 PM", "12-Mar-2025", "12.03.2025 15:04",
		"Wed, 12 Mar 2025 15:04:05 +0000", "2025-03-12T15:04:05.5+11:00", "12/03/2025 10:00 GMT+10", "2025/3/12T1:02"} {
		f.Add(s)
	}
	n := NewNormalizer(nil)
	f.Fuzz(func(t *testing.T, raw string) {
		for _, order := range []contract.DateOrder{contract.DMY, contract.MDY, contract.Unresolved} {
			st, err := ParseStamp(raw, order)
			if err != nil {
				continue
			}
			typ := contract.Timestamp
			if st.Offset {
				typ = contract.Timestamptz
			}
			checkNormalize(t, n, typ, contract.DMY, raw)
			r, err := n.Normalize(typ, order, raw)
			canon := st.Time.Format("2006-01-02 15:04:05.999999")
			if typ == contract.Timestamptz {
				canon += "+00"
			}
			if IsNumberForm(st.Form) && typ == contract.Timestamp {
				continue // numbers: the profile's span rule, not this parse, decides
			}
			if err != nil || r.Value != canon {
				t.Fatalf("%q (%s): ParseStamp %v but Normalize %q, %v", raw, order, st.Time, r.Value, err)
			}
		}
	})
}

// FuzzLayout: any format either compiles or is refused; a compiled one parses any value or
// refuses it, without a panic.
func FuzzLayout(f *testing.F) {
	f.Add("DD-MM-YYYY HH:mm", "03-04-2025 15:21")
	f.Add("MMM D, YYYY h:mm:ss A", "Mar 4, 2025 3:04:05 PM")
	f.Add("YYYY-MM-DDTHH:mm:ss.SZ", "2025-03-04T10:00:00.25+10:00")
	f.Add("D 'de' MMMM 'de' YYYY", "4 de March de 2025")
	n := NewNormalizer(nil)
	f.Fuzz(func(t *testing.T, format, raw string) {
		l, err := contract.ParseLayout(format)
		if err != nil {
			return
		}
		typ := contract.Timestamp
		if l.HasOffset() {
			typ = contract.Timestamptz
		}
		c := &contract.Column{Name: "c", Type: typ, Layout: l}
		r, err := n.NormalizeColumn(c, raw)
		if err == nil && !r.Null {
			if again, err := n.Normalize(typ, contract.DMY, r.Value); err != nil || again.Value != r.Value {
				t.Fatalf("%q %q -> %q: does not read back (%v)", format, raw, r.Value, err)
			}
		}
	})
}

// renderLayout spells t by a layout, as an export written in that format would.
func renderLayout(t time.Time, l *contract.Layout, rng *rand.Rand) string {
	var b strings.Builder
	h12, ap := hour12(t)
	for _, f := range l.Fields {
		switch f.Kind {
		case contract.FieldLiteral:
			b.WriteString(f.Lit)
		case contract.FieldSpace:
			b.WriteString(strings.Repeat(" ", 1+rng.IntN(2)))
		case contract.FieldYear4:
			fmt.Fprintf(&b, "%04d", t.Year())
		case contract.FieldYear2:
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case contract.FieldMonthLong:
			b.WriteString(caseOf(rng, longMonth(t)))
		case contract.FieldMonthName:
			b.WriteString(caseOf(rng, months[t.Month()-1]))
		case contract.FieldMonth2:
			fmt.Fprintf(&b, "%02d", t.Month())
		case contract.FieldMonth:
			fmt.Fprintf(&b, "%d", t.Month())
		case contract.FieldDay2:
			fmt.Fprintf(&b, "%02d", t.Day())
		case contract.FieldDay:
			fmt.Fprintf(&b, "%d", t.Day())
		case contract.FieldHour2:
			fmt.Fprintf(&b, "%02d", t.Hour())
		case contract.FieldHour:
			fmt.Fprintf(&b, "%d", t.Hour())
		case contract.FieldHour12x2:
			fmt.Fprintf(&b, "%02d", h12)
		case contract.FieldHour12:
			fmt.Fprintf(&b, "%d", h12)
		case contract.FieldMinute:
			fmt.Fprintf(&b, "%02d", t.Minute())
		case contract.FieldSecond:
			fmt.Fprintf(&b, "%02d", t.Second())
		case contract.FieldFraction:
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
		case contract.FieldAMPM:
			b.WriteString(caseOf(rng, ap))
		case contract.FieldOffset:
			b.WriteString(t.Format("Z07:00"))
		}
	}
	return b.String()
}

// Property: a random time rendered in a column's format parses back to itself by that format.
func TestLayoutRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 12))
	n := NewNormalizer(nil)
	for _, format := range []string{"DD-MM-YYYY HH:mm", "MM/DD/YY h:mm:ss A", "D MMMM YYYY", "MMM D, YYYY hh:mm a",
		"YYYY-MM-DDTHH:mm:ss.SSSSSSZ", "DD.MM.YYYY H:mm:ss.S", "'day' D 'of' MMMM YYYY", "YYYYMMDDHHmmss", "M/D/YYYY h:mm A Z"} {
		l, err := contract.ParseLayout(format)
		if err != nil {
			t.Fatalf("%q: %v", format, err)
		}
		typ := contract.Timestamp
		if l.HasOffset() {
			typ = contract.Timestamptz
		}
		col := &contract.Column{Name: "c", Type: typ, Layout: l}
		for range 2000 {
			want := randYY(rng)
			if !l.HasClock() {
				want = time.Date(want.Year(), want.Month(), want.Day(), 0, 0, 0, 0, time.UTC)
			} else if !l.Has(contract.FieldFraction) {
				want = want.Truncate(time.Second)
				if !l.Has(contract.FieldSecond) {
					want = want.Truncate(time.Minute)
				}
			}
			src := want
			if typ == contract.Timestamptz {
				src = want.In(time.FixedZone("", (rng.IntN(26*4+1)-12*4)*15*60))
			}
			raw := renderLayout(src, l, rng)
			r, err := n.NormalizeColumn(col, raw)
			canon := want.Format("2006-01-02 15:04:05.999999")
			if typ == contract.Timestamptz {
				canon += "+00"
			}
			if err != nil || r.Value != canon {
				t.Fatalf("%q: %q -> %q (%v), want %q", format, raw, r.Value, err, canon)
			}
		}
	}
}
