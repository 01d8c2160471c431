package values

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

// The canonical shortcuts must say yes only where the parser and the rendering give the value
// back unchanged, under every date order and number span (the shortcut ignores both).
func checkShortcut(t testing.TB, s string) {
	spans := []*contract.DaySpan{nil, {From: 0, To: 1}}
	for _, order := range []contract.DateOrder{"", contract.DMY, contract.MDY} {
		for _, span := range spans {
			if canonicalStamp(s) {
				if v, ch, r := normTimestampParsed(s, order, span, nil); v != s || ch != 0 || r != "" {
					t.Fatalf("timestamp %q: shortcut says canonical, parser gives %q %v %q", s, v, ch, r)
				}
			}
			if canonicalDate(s) {
				if v, ch, r := normDateParsed(s, order, span, nil); v != s || ch != 0 || r != "" {
					t.Fatalf("date %q: shortcut says canonical, parser gives %q %v %q", s, v, ch, r)
				}
			}
		}
	}
}

// TestCanonicalStampShortcut: every day of the years at the range's ends and some between,
// every clock field at and beyond its bounds, and single-byte mutations of them; and the
// shortcut does take the canonical values (else it saves nothing).
func TestCanonicalStampShortcut(t *testing.T) {
	var dates []string
	for _, y := range []int{0, 1000, 1899, 1900, 1901, 2000, 2016, 2024, 2100, 9998, 9999} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				dates = append(dates, fmt.Sprintf("%04d-%02d-%02d", y, m, d))
			}
		}
	}
	clocks := []string{"00:00:00", "23:59:59", "24:00:00", "23:60:00", "23:59:60", "12:34:56", "99:99:99"}
	rng := rand.New(rand.NewSource(1))
	bytes := []byte("0123456789 -:T.+Z/a\x00\xff")
	taken := 0
	for _, d := range dates {
		y, m, day := 0, 0, 0
		fmt.Sscanf(d, "%d-%d-%d", &y, &m, &day)
		valid := y >= 1900 && validDate(y, m, day)
		if canonicalDate(d) != valid {
			t.Fatalf("canonicalDate(%q) = %v", d, !valid)
		}
		checkShortcut(t, d)
		for _, c := range clocks {
			s := d + " " + c
			checkShortcut(t, s)
			if canonicalStamp(s) {
				taken++
			}
			b := []byte(s)
			b[rng.Intn(len(b))] = bytes[rng.Intn(len(bytes))]
			checkShortcut(t, string(b))
			checkShortcut(t, string(b[:10]))
		}
	}
	if taken == 0 || !canonicalStamp("2016-06-25 17:26:00") || !canonicalDate("2016-06-25") {
		t.Fatal("the shortcut takes no canonical value")
	}
	for _, s := range []string{"2016-06-25T17:26:00", "2016-06-25 17:26:00.5", "2016-06-25 17:26", " 2016-06-25", "2016-6-25", "1899-12-31", "2016-02-30"} {
		if canonicalStamp(s) || canonicalDate(s) {
			t.Errorf("%q taken as canonical", s)
		}
	}
}

func FuzzCanonicalStampShortcut(f *testing.F) {
	for _, s := range []string{"2016-06-25 17:26:00", "2016-06-25", "1900-01-01 00:00:00", "9999-12-31 23:59:59", "2016-02-29 24:00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkShortcut(t, s) })
}
