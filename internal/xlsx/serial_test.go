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
		// The oracle: the decimal text as an exact rational, times ms per day, half up; and a
		// serial of at most 9 decimals that is no exact millisecond but lies within one unit
		// of its last digit of a whole second reads as that second.
		exact, _ := new(big.Rat).SetString(text)
		exact.Mul(exact, big.NewRat(msPerDay, 1))
		r := new(big.Rat).Add(exact, big.NewRat(1, 2))
		want := new(big.Int).Quo(r.Num(), r.Denom()) // floor: both positive
		if d := decimals(text); d > 0 && d <= 9 && !exact.IsInt() {
			sec := new(big.Int).Mul(new(big.Int).Quo(new(big.Int).Add(want, big.NewInt(500)), big.NewInt(1000)), big.NewInt(1000))
			diff := new(big.Rat).Sub(exact, new(big.Rat).SetInt(sec))
			unit := new(big.Rat).SetFrac(big.NewInt(msPerDay), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil))
			if diff.Abs(diff).Cmp(unit) < 0 {
				want = sec
			}
		}
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

// decimals counts the digits after the point of a plain decimal.
func decimals(text string) int {
	for i := range len(text) {
		if text[i] == '.' {
			return len(text) - i - 1
		}
	}
	return 0
}

// A serial cut to a few decimals reads as the second it was cut from; an exact millisecond
// keeps it.
func TestShortSerials(t *testing.T) {
	for text, want := range map[string]int64{
		"45678.354166": 45678*msPerDay + 30_600_000, // 08:30:00, cut to 6 decimals
		"45678.35":     45678*msPerDay + 30_240_000, // exactly 08:24:00
		"61.008645":    61*msPerDay + 746_928,       // exactly 00:12:26.928
		"0.99999":      86_399_136,                  // exactly 23:59:59.136
		"0.0416666":    3_600_000,                   // 01:00:00 cut to 7 decimals
	} {
		if _, got, ok := decimalMillis([]byte(text)); !ok || got != want {
			t.Errorf("decimalMillis(%s) = %d, %v; want %d", text, got, ok, want)
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
