package xlsx

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"
)

// The exact decimal fast path must agree with exact rational arithmetic.
func TestDecimalMillisMatchesFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200_000 {
		v := rng.Float64() * maxSerial
		if rng.IntN(4) == 0 {
			v = math.Round(v*msPerDay) / msPerDay // whole milliseconds, as writers produce
		}
		text := strconv.FormatFloat(v, 'f', -1, 64)
		if rng.IntN(3) == 0 {
			text = strconv.FormatFloat(v, 'f', 10, 64)
		}
		whole, total, ok := decimalMillis([]byte(text))
		if !ok {
			if len(text) <= 20 {
				t.Fatalf("%s: fast path refused", text)
			}
			continue
		}
		// The oracle: the decimal text as an exact rational, times ms per day, half up.
		r, _ := new(big.Rat).SetString(text)
		r.Mul(r, big.NewRat(msPerDay, 1))
		r.Add(r, big.NewRat(1, 2))
		want := new(big.Int).Quo(r.Num(), r.Denom()) // floor: both positive
		fv, _ := strconv.ParseFloat(text, 64)
		if total != want.Int64() || whole != int64(fv) {
			t.Fatalf("%s: got %d,%d want %d,%d", text, whole, total, int64(fv), want.Int64())
		}
	}
	for _, bad := range []string{"", ".", "-1", "1e5", "2958466", "1.2.3", "12345678901234567890", "0x10"} {
		if _, _, ok := decimalMillis([]byte(bad)); ok {
			t.Errorf("decimalMillis(%q) accepted", bad)
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
		{"2958465.99998", false, "9999-12-31 23:59:58.272"},
		{"2958465.99999999", false, "9999-12-31 23:59:59.999"},
		{"2958465.999999999", false, ""}, // rounds into the year 10000
		{"45840.681309317130", false, "2025-07-02 16:21:05.125"},
		{"45840.68130787037", false, "2025-07-02 16:21:05"},
		{"45840.681307871", false, "2025-07-02 16:21:05"}, // 0.0000864 s off: the millisecond decides
		{"0", true, "1904-01-01 00:00:00"},
		{"60", true, "1904-03-01 00:00:00"},
		{"-1", false, ""},
		{"NaN", false, ""},
	} {
		got := ""
		if whole, total, ok := serialMillis([]byte(c.text)); ok {
			if days, ms, ok := serialDays(whole, total, c.date1904); ok {
				got = string(appendISO(nil, days, ms, true, true))
			}
		}
		if got != c.want {
			t.Errorf("%s (1904=%v) = %q, want %q", c.text, c.date1904, got, c.want)
		}
	}
}
