package values

import (
	"strings"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

// oldStampText is parseStampText as it was before stamp.time: the Time built by time.Date of
// the civil date. The new construction must give the identical Time (== compares wall clock,
// monotonic-free encoding and location), the same form and the same verdict.
func oldStampText(raw string, order contract.DateOrder) (Stamp, reason) {
	st, form, r := parseStamp(strings.TrimSpace(raw), order)
	if r == "" && st.hasOff {
		r = st.toUTC()
	}
	if r != "" {
		return Stamp{Form: FormInvalid}, r
	}
	y, m, d := civilFromDays(st.days)
	t := time.Date(y, time.Month(m), d, st.sod/3600, st.sod/60%60, st.sod%60, st.us*1000, time.UTC)
	return Stamp{Time: t, Form: form, Offset: st.hasOff}, ""
}

// stampCases are adversarial date/time spellings: every spelling of docs/spec-format.md "Date
// spellings", invalid calendar days, leap days, the year bounds, 2-digit years, 12-hour
// clocks, fractions, offsets that cross a day or the year range, serials and epochs.
var stampCases = []string{
	"2025-03-12", "2025-03-12 15:04", "2025-03-12T15:04:05.123456", "2025-03-12T15:04:05.1234567",
	"2025/03/12", "2025.3.12 15:04", "12/03/2025", "29-02-2016 01:16", "03-12-2025 15:21:08",
	"12.03.2025 15:04", "3/12/25", "12.03.25", "1.2.10", "12-Mar-2025", "12/Mar/25 3:04 PM",
	"12 March 2025", "Mar 12, 2025 3:04:05 PM", "march 12 2025", "12 Sept 2025",
	"Wed, 12 Mar 2025 15:04:05 +0000", "Thu, 12 Mar 2025 15:04:05 +0000", "3/12/2025, 3:04 PM",
	"2025-03-12T15:04:05Z", "2025-03-12 15:04:05+11:00", "2025-03-12 15:04:05 +1100",
	"2025-03-12 15:04:05+11", "2025-03-12 15:04:05 UTC", "2025-03-12 15:04:05 GMT",
	"2025-03-12 15:04:05 GMT+10", "2025-03-12T00:30:00+11:00", "2025-12-31T23:30:00-05:00",
	"1900-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "1900-01-01", "9999-12-31",
	"1899-12-31", "10000-01-01", "31/02/2025", "30/02/2024", "29/02/2024", "29/02/2023",
	"29/02/1900", "29/02/2000", "31/04/2025", "31/12/1999 23:59:59.999999", "00/01/2025",
	"13/13/2025", "12/13/2025", "13/12/2025", "1/1/00", "1/1/68", "1/1/69", "1/1/99",
	"21/02/2016 09:30", "21/02/2016 9:30", "21/02/2016 09:30:59", "21/02/2016 24:00",
	"21/02/2016 23:60", "21/02/2016 12:00 AM", "21/02/2016 12:00 PM", "21/02/2016 12:59:59 am",
	"21/02/2016 13:00 PM", "21/02/2016 0:00 AM", "21/02/2016 09:30:00.5", "21/02/2016 09:30:00.000001",
	"21/02/2016 09:30:00.0000001", "21/02/2016 09:30:00.1000000", "  21/02/2016 09:30  ",
	"\t2025-03-12\n", "1", "59", "60", "61", "45000", "45000.5", "45000.999999999",
	"45000.354166", "2958465", "2958465.9999999", "2958466", "1000000000", "1700000000.123456",
	"1700000000.1234567", "9999999999", "1000000000000", "1700000000123.456", "9999999999999",
	"0", "0.5", "-1", "+45000", "abc", "", "2025-3-1", "2025-03-12 15", "2025-03-12 15:4",
	"12/03/2025 15:04:05.123 PM", "Feb 29, 2024", "Feb 30, 2024", "Mon, 12 Mar 2025",
}

func TestStampTimeIdentical(t *testing.T) {
	for _, s := range stampCases {
		for _, order := range []contract.DateOrder{contract.DMY, contract.MDY} {
			want, wr := oldStampText(s, order)
			got, gr := parseStampText(s, order)
			if got != want || gr != wr {
				t.Errorf("%q %v: got %+v %q, want %+v %q", s, order, got, gr, want, wr)
			}
			wt, wf, we := oldTimestamp(s, order)
			gt, gf, ge := ParseTimestamp(s, order)
			if gt != wt || gf != wf || (ge == nil) != (we == nil) || ge != nil && ge.Error() != we.Error() {
				t.Errorf("ParseTimestamp %q %v: got %v %v %v, want %v %v %v", s, order, gt, gf, ge, wt, wf, we)
			}
		}
	}
}

// oldTimestamp is ParseTimestamp as it was before stamp.time.
func oldTimestamp(raw string, order contract.DateOrder) (time.Time, DateForm, error) {
	st, form, r := parseStamp(strings.TrimSpace(raw), order)
	if r == "" && st.hasOff {
		r = errOffset
	}
	if r != "" {
		return time.Time{}, FormInvalid, invalid(contract.Timestamp, raw, string(r))
	}
	y, m, d := civilFromDays(st.days)
	return time.Date(y, time.Month(m), d, st.sod/3600, st.sod/60%60, st.sod%60, st.us*1000, time.UTC), form, nil
}

// FuzzStampTime extends the comparison to any text.
func FuzzStampTime(f *testing.F) {
	for _, s := range stampCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wr := oldStampText(s, contract.DMY)
		got, gr := parseStampText(s, contract.DMY)
		if got != want || gr != wr {
			t.Errorf("%q: got %+v %q, want %+v %q", s, got, gr, want, wr)
		}
	})
}

func BenchmarkStampTime(b *testing.B) {
	for _, v := range []struct {
		name string
		f    func(string, contract.DateOrder) (Stamp, reason)
	}{{"old", oldStampText}, {"new", parseStampText}} {
		b.Run(v.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				v.f("21/02/2016 09:30", contract.DMY)
			}
		})
	}
}
