package xlsx

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// The exact decimal fast path must agree with the float path except at
// exact half-second ties, where float rounding error decides.
func TestDecimalSecondsMatchesFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200_000 {
		v := rng.Float64() * maxSerial
		if rng.IntN(4) == 0 {
			v = math.Round(v*secondsPerDay) / secondsPerDay // whole seconds, as writers produce
		}
		text := strconv.FormatFloat(v, 'f', -1, 64)
		if rng.IntN(3) == 0 {
			text = strconv.FormatFloat(v, 'f', 10, 64)
		}
		whole, total, ok := decimalSeconds([]byte(text))
		if !ok {
			if len(text) <= 20 {
				t.Fatalf("%s: fast path refused", text)
			}
			continue
		}
		fv, _ := strconv.ParseFloat(text, 64)
		frac := fv*secondsPerDay - math.Floor(fv*secondsPerDay)
		if math.Abs(frac-0.5) < 1e-4 {
			continue // a tie within float error
		}
		if want := int64(math.Round(fv * secondsPerDay)); total != want || whole != int64(fv) {
			t.Fatalf("%s: got %d,%d want %d,%d", text, whole, total, int64(fv), want)
		}
	}
	for _, bad := range []string{"", ".", "-1", "1e5", "2958466", "1.2.3", "12345678901234567890", "0x10"} {
		if _, _, ok := decimalSeconds([]byte(bad)); ok {
			t.Errorf("decimalSeconds(%q) accepted", bad)
		}
	}
}

func TestSerialDays(t *testing.T) {
	for _, c := range []struct {
		text     string
		date1904 bool
		want     string
	}{
		{"1", false, "1900-01-01 00:00:00"},
		{"59.5", false, "1900-02-28 12:00:00"},
		{"60", false, ""},
		{"60.75", false, ""},
		{"61", false, "1900-03-01 00:00:00"},
		{"45840.681307870368", false, "2025-07-02 16:21:05"},
		{"4.5840681307870368E4", false, "2025-07-02 16:21:05"},
		{"2958465.99998", false, "9999-12-31 23:59:58"},
		{"2958465.9999999", false, ""}, // rounds into the year 10000
		{"0", true, "1904-01-01 00:00:00"},
		{"60", true, "1904-03-01 00:00:00"},
		{"-1", false, ""},
		{"NaN", false, ""},
	} {
		got := ""
		if whole, total, ok := serialSeconds([]byte(c.text)); ok {
			if days, secs, ok := serialDays(whole, total, c.date1904); ok {
				got = string(appendISO(nil, days, secs, true, true))
			}
		}
		if got != c.want {
			t.Errorf("%s (1904=%v) = %q, want %q", c.text, c.date1904, got, c.want)
		}
	}
}
