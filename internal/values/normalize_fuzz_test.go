package values

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

var allTypes = []contract.Type{contract.Integer, contract.Decimal, contract.Timestamp, contract.Timestamptz, contract.Date, contract.Time, contract.Flag, contract.Month, contract.Boolean, contract.Text}

var fuzzSeeds = []string{
	"", " ", "\u00a0", "nan", "NULL", "-", "?", "N/A", "0", "1", "-0", "+5", "007", "123", "123.0", "123.",
	"3652948.0", "3652948.5", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
	"7.50", ".5", "5.", "-.5", "1e3", "yes", "No", "TRUE", "f", "y", "2025-07", "2025-7", "2025-13",
	"2025-07-02", "2025-07-02 16:21:00", "2025-07-02T16:21", "2025-07-02 16:21:00.5",
	"2025-12-31 23:59:59.5", "9999-12-31 23:59:59.5", "2025-07-02T16:21:00Z", "2/07/2025 16:21",
	"20/05/2025 8:42", "03/04/2025", "31/04/2025", "29/02/2024", "29/02/2025", "2/7/2025 12:00 AM",
	"2/7/2025 11:59:59.5 PM", "45678.99999", "45678.999995", "59", "60", "61", "2958465.99999999",
	"1700000000", "1700000000500", "0.5", "0.99999999", "12:00 AM", "8:30:15 pm", "23:59:59.6",
	"a\x00b", "a\r\nb", "a\rb", "a\n\n\n\n\nb", " PendingAssignment", "na\x00n", "\x00", "\xff",
	"\r\n\r\n\r\n\r\n", "x\n\n\n\n", "\n\n\n\nx\r",
	"2024-12-31 23:59:59.999", "09:00:00.5", "2025-07-02 16:21:00.1234567", "2025-07-02 16:21:00.1234560",
	"45678.351390335645", "45678.999999999", "1751470860.123456", "1700000000499.999", "0.354166",
	"29-02-2016 01:16", "03-12-2025 15:21:08", "12/Mar/25 3:04 PM", "Mar 12, 2025 3:04:05 PM", "12-Mar-2025",
	"12.03.2025 15:04", "3/12/2025 3:04 PM", "2025-03-12T15:04:05.5+11:00", "2025-03-12 15:04:05+00",
	"Wed, 12 Mar 2025 15:04:05 -0700", "12/03/25", "1.2.10", "9999-12-31T23:59:59-01:00",
}

func FuzzNormalize(f *testing.F) {
	for i, s := range fuzzSeeds {
		for ti := range allTypes {
			f.Add(uint8(ti), i%2 == 0, s)
		}
	}
	n := NewNormalizer(testSentinels)
	f.Fuzz(func(t *testing.T, ti uint8, mdy bool, raw string) {
		typ := allTypes[int(ti)%len(allTypes)]
		order := contract.DMY
		if mdy {
			order = contract.MDY
		}
		checkNormalize(t, n, typ, order, raw)
	})
}

// checkNormalize checks the invariants of one normalisation: no panic, errors are ValueErrors of
// the type, Changes == 0 means Value == raw, and the output normalises to itself unchanged.
func checkNormalize(t *testing.T, n *Normalizer, typ contract.Type, order contract.DateOrder, raw string) {
	t.Helper()
	r, err := n.Normalize(typ, order, raw)
	if err != nil {
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Type != typ || ve.Raw != raw || ve.Rule() != contract.RuleInvalid(typ) {
			t.Fatalf("%s %q: error %v is not a ValueError for the type", typ, raw, err)
		}
		if r != (Result{}) {
			t.Fatalf("%s %q: error with a non-zero result %+v", typ, raw, r)
		}
		return
	}
	if r.Null {
		if r.Value != "" {
			t.Fatalf("%s %q: NULL with value %q", typ, raw, r.Value)
		}
		if (raw == "") != (r.Changes == 0) || r.Changes != 0 && !r.Changes.Has(ChangeNull) {
			t.Fatalf("%s %q: NULL with changes %v", typ, raw, r.Changes.Names())
		}
		return
	}
	if r.Changes == 0 && r.Value != raw {
		t.Fatalf("%s %q: value %q but no change recorded", typ, raw, r.Value)
	}
	if r.Changes != 0 && r.Value == raw {
		t.Fatalf("%s %q: value unchanged but changes %v", typ, raw, r.Changes.Names())
	}
	if r.Changes.Has(ChangeNull) {
		t.Fatalf("%s %q: non-NULL value with null_sentinel change", typ, raw)
	}
	if typ == contract.Timestamp {
		// The profile reads timestamps through ParseTimestamp: it must see the same instant.
		tm, _, err := ParseTimestamp(r.Value, order)
		if err != nil || tm.Format("2006-01-02 15:04:05.999999") != r.Value {
			t.Fatalf("%s %q -> %q: ParseTimestamp gives %v (%v)", typ, raw, r.Value, tm, err)
		}
	}
	again, err := n.Normalize(typ, order, r.Value)
	if err != nil || again != (Result{Value: r.Value}) {
		t.Fatalf("%s %q -> %q: normalising again gives %+v (%v), want it unchanged", typ, raw, r.Value, again, err)
	}
	// The other date order must give the same answer for a canonical value.
	other := contract.MDY
	if order == contract.MDY {
		other = contract.DMY
	}
	if again, err := n.Normalize(typ, other, r.Value); err != nil || again != (Result{Value: r.Value}) {
		t.Fatalf("%s %q -> %q: normalising with order %s gives %+v (%v)", typ, raw, r.Value, other, again, err)
	}
}

// TestCanonicalIdempotent generates canonical values of every type and checks that they come
// back unchanged with Changes == 0, then perturbs them into accepted raw forms and checks the
// invariants of checkNormalize.
func TestCanonicalIdempotent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := NewNormalizer(testSentinels)
	gen := map[contract.Type]func() string{
		contract.Integer: func() string {
			switch rng.IntN(3) {
			case 0:
				return strconv.FormatInt(rng.Int64(), 10)
			case 1:
				return strconv.FormatInt(-rng.Int64(), 10)
			}
			return strconv.Itoa(rng.IntN(1000) - 500)
		},
		contract.Decimal: func() string {
			var b strings.Builder
			if rng.IntN(2) == 0 {
				b.WriteByte('-')
			}
			if rng.IntN(3) == 0 {
				b.WriteByte('0')
			} else {
				b.WriteByte(byte('1' + rng.IntN(9)))
				for range rng.IntN(20) {
					b.WriteByte(byte('0' + rng.IntN(10)))
				}
			}
			if rng.IntN(3) > 0 {
				b.WriteByte('.')
				for range rng.IntN(20) {
					b.WriteByte(byte('0' + rng.IntN(10)))
				}
				b.WriteByte(byte('1' + rng.IntN(9)))
			}
			s := b.String()
			if s == "-0" {
				return "0"
			}
			return s
		},
		contract.Timestamp: func() string { return randFracTime(rng).Format("2006-01-02 15:04:05.999999") },
		contract.Timestamptz: func() string {
			for {
				if t := randFracTime(rng); t.Year() > 1900 && t.Year() < 9999 {
					return t.Format("2006-01-02 15:04:05.999999") + "+00"
				}
			}
		},
		contract.Date:    func() string { return randTime(rng).Format(time.DateOnly) },
		contract.Time:    func() string { return randFracTime(rng).Format("15:04:05.999999") },
		contract.Flag:    func() string { return []string{"yes", "no"}[rng.IntN(2)] },
		contract.Boolean: func() string { return []string{"true", "false"}[rng.IntN(2)] },
		contract.Month:   func() string { return randTime(rng).Format("2006-01") },
		contract.Text: func() string {
			const alphabet = "ab -\n\t\r\x00?nN\u00a0é😀"
			rs := []rune(alphabet)
			var b strings.Builder
			for range 1 + rng.IntN(30) {
				b.WriteRune(rs[rng.IntN(len(rs))])
			}
			r, err := n.Normalize(contract.Text, contract.DMY, b.String())
			if err != nil || r.Null {
				return "x"
			}
			return r.Value
		},
	}
	perturb := []func(string) string{
		func(s string) string { return " " + s + "\t" },
		func(s string) string { return "\u00a0" + s },
		strings.ToUpper,
		func(s string) string { return "+" + s },
		func(s string) string { return "0" + s },
		func(s string) string { return s + "0" },
		func(s string) string { return s + ".0" },
		func(s string) string { return s + ".5" },
		func(s string) string { return strings.Replace(s, " ", "T", 1) },
		func(s string) string { return strings.Replace(s, "\n", "\r\n", -1) },
		func(s string) string { return s[:len(s)/2] },
		func(s string) string { return s[len(s)/2:] },
		func(s string) string { return strings.TrimPrefix(s, "0") },
		func(s string) string { return strings.Replace(s, "-0", "-", 1) },
		func(s string) string { return strings.Replace(s, ":00", "", 1) },
	}
	for _, typ := range allTypes {
		for range 3000 {
			v := gen[typ]()
			for _, order := range []contract.DateOrder{contract.DMY, contract.MDY} {
				r, err := n.Normalize(typ, order, v)
				if err != nil || r != (Result{Value: v}) {
					t.Fatalf("canonical %s %q (order %s): got %+v, %v; want it unchanged", typ, v, order, r, err)
				}
			}
			for _, p := range perturb {
				checkNormalize(t, n, typ, contract.DMY, p(v))
			}
		}
	}
	// Re-formatted dates: every accepted raw spelling of a random time normalises to the same
	// canonical value.
	for range 5000 {
		tm := randTime(rng)
		want := tm.Format(time.DateTime)
		dmy := tm.Format("2/1/2006 15:04:05")
		mdy := tm.Format("1/2/2006 3:04:05 PM")
		days := (tm.Unix() - time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).Unix()) / 86400
		sod := tm.Hour()*3600 + tm.Minute()*60 + tm.Second()
		serial := strconv.FormatInt(days, 10) + "." + pad(strconv.FormatInt(int64(sod)*1e12/86400+1, 10), 12) // +1: just above the exact second
		msTime := tm.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
		msSerial := strconv.FormatFloat(float64(days)+float64(int64(sod)*1000+int64(msTime.Nanosecond()/1e6))/86400000, 'f', -1, 64)
		if days >= 61 {
			if r, err := n.Normalize(contract.Timestamp, contract.DMY, msSerial); err != nil || r.Value != msTime.Format("2006-01-02 15:04:05.999") {
				t.Fatalf("serial %s of %v: got %+v, %v", msSerial, msTime, r, err)
			}
		}
		for _, c := range []struct {
			raw   string
			order contract.DateOrder
		}{{dmy, contract.DMY}, {mdy, contract.MDY}, {tm.Format("2006-01-02T15:04:05.000"), contract.DMY}, {serial, contract.DMY}} {
			if days < 61 && c.raw == serial {
				continue
			}
			r, err := n.Normalize(contract.Timestamp, c.order, c.raw)
			if err != nil || r.Value != want {
				t.Fatalf("timestamp %q (%s): got %+v, %v; want %s", c.raw, c.order, r, err, want)
			}
		}
	}
}

// randFracTime is randTime, half the time with microseconds (and then often only milliseconds).
func randFracTime(rng *rand.Rand) time.Time {
	tm := randTime(rng)
	switch rng.IntN(4) {
	case 0:
		return tm.Add(time.Duration(rng.IntN(1e6)) * time.Microsecond)
	case 1:
		return tm.Add(time.Duration(rng.IntN(1e3)) * time.Millisecond)
	}
	return tm
}

func pad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

func randTime(rng *rand.Rand) time.Time {
	lo := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
	if rng.IntN(2) == 0 { // half in the range the exports really hold
		lo = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		hi = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	}
	return time.Unix(lo+rng.Int64N(hi-lo+1), 0).UTC()
}

// refTextHygiene is the text hygiene rule written step by step, as the design states it.
func refTextHygiene(s string) (string, Change) {
	var ch Change
	if strings.Contains(s, "\x00") {
		s = strings.ReplaceAll(s, "\x00", "")
		ch |= ChangeNUL
	}
	if strings.Contains(s, "\r") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
		ch |= ChangeNewline
	}
	if strings.Contains(s, "\n\n\n\n") {
		for strings.Contains(s, "\n\n\n\n") {
			s = strings.ReplaceAll(s, "\n\n\n\n", "\n\n\n")
		}
		ch |= ChangeNewlineRun
	}
	return s, ch
}

// FuzzTextHygiene checks the one-pass text hygiene against the step-by-step rule.
func FuzzTextHygiene(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, s := range []string{"\r\x00\n", "\n\n\x00\n\n", "\r\r\r\r\n", "\r\n\r\n\r\n\r\n\r\n", "a\n\r\n\r\n\rb", "\n\n\n\r\n\x00\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gch := textHygiene(s)
		want, wch := refTextHygiene(s)
		if got != want || gch != wch {
			t.Fatalf("textHygiene(%q) = %q %v; want %q %v", s, got, gch.Names(), want, wch.Names())
		}
	})
}
