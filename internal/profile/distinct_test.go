package profile

import (
	"math"
	"strconv"
	"testing"
)

func TestDistinctExactThenEstimate(t *testing.T) {
	tests := []struct {
		n         int
		exact     bool
		tolerance float64 // relative
	}{
		{0, true, 0},
		{1, true, 0},
		{exactCap, true, 0},
		{exactCap + 1, false, 0.03},
		{100_000, false, 0.03},
		{1_000_000, false, 0.03},
	}
	for _, tt := range tests {
		d := newDistinct()
		for i := 0; i < tt.n; i++ {
			s := "value-" + strconv.Itoa(i)
			d.add(s)
			d.add(s) // repeats never count
		}
		got, exact := d.count()
		if exact != tt.exact {
			t.Errorf("n=%d: exact %v, want %v", tt.n, exact, tt.exact)
		}
		if err := math.Abs(float64(got)-float64(tt.n)) / math.Max(1, float64(tt.n)); err > tt.tolerance {
			t.Errorf("n=%d: count %d, relative error %.4f > %.2f", tt.n, got, err, tt.tolerance)
		}
		if !exact && (d.set != nil || len(d.hll) != hllM) {
			t.Errorf("n=%d: sketch state set=%v registers=%d, want only %d registers", tt.n, d.set != nil, len(d.hll), hllM)
		}
	}
}

func TestHashSpreadsShortAndLongValues(t *testing.T) {
	seen := map[uint64]string{}
	long := make([]byte, 2100)
	for i := 0; i < 50_000; i++ {
		for _, s := range []string{strconv.Itoa(i), "x" + strconv.Itoa(i) + string(long[:i%40])} {
			h := hash64(s)
			if prev, dup := seen[h]; dup && prev != s {
				t.Fatalf("hash collision: %q and %q", prev, s)
			}
			seen[h] = s
		}
	}
	if hash64(string(long)) == hash64(string(long[:2099])) {
		t.Error("hash ignores the length")
	}
}
