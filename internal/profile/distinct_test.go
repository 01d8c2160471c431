package profile

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
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
		if !exact && (d.set.n != 0 || d.set.slots != nil || len(d.hll) != hllM) {
			t.Errorf("n=%d: sketch state set=%d registers=%d, want only %d registers", tt.n, d.set.n, len(d.hll), hllM)
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

// refDistinct is the counter as it was before the flat hash set: a Go map, then the sketch.
type refDistinct struct {
	set map[uint64]struct{}
	hll []uint8
}

func (d *refDistinct) addHash(h uint64) {
	if d.set != nil {
		d.set[h] = struct{}{}
		if len(d.set) <= exactCap {
			return
		}
		d.hll = make([]uint8, hllM)
		for k := range d.set {
			insertRef(d.hll, k)
		}
		d.set = nil
		return
	}
	insertRef(d.hll, h)
}

func insertRef(reg []uint8, h uint64) {
	i := h >> hllQ
	rank := uint8(bits.LeadingZeros64(h<<hllP|1<<(hllP-1)) + 1)
	if rank > reg[i] {
		reg[i] = rank
	}
}

// TestDistinctSameAsMap: the flat set counts exactly what the map did and hands the sketch the
// same registers, for streams of hashes with repeats, the hash 0, hashes sharing low bits (long
// probe runs) and counts around the switch to the sketch.
func TestDistinctSameAsMap(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 2, 47, 48, 49, 1000, exactCap - 1, exactCap, exactCap + 1, exactCap + 2, 3 * exactCap} {
		for _, kind := range []string{"random", "low bits shared", "with zero"} {
			d, ref := newDistinct(), refDistinct{set: map[uint64]struct{}{}}
			var seen []uint64
			for i := 0; i < n; i++ {
				var h uint64
				switch {
				case len(seen) > 0 && r.IntN(3) == 0:
					h = seen[r.IntN(len(seen))] // a repeat
				case kind == "low bits shared":
					h = r.Uint64() << 20
				case kind == "with zero" && i%100 == 0:
					h = 0
				default:
					h = r.Uint64()
				}
				seen = append(seen, h)
				d.addHash(h)
				ref.addHash(h)
				if i%997 == 0 || i == n-1 {
					got, exact := d.count()
					if want := int64(len(ref.set)); exact != (ref.set != nil) || exact && got != want {
						t.Fatalf("%s, %d hashes, after %d: count %d exact %v, the map's %d exact %v", kind, n, i+1, got, exact, want, ref.set != nil)
					}
				}
			}
			if !slices.Equal(d.hll, ref.hll) {
				t.Fatalf("%s, %d hashes: the sketch's registers differ from the map's", kind, n)
			}
			if got, _ := d.count(); d.hll != nil && got != int64(math.Round(ertl(ref.hll))) {
				t.Fatalf("%s, %d hashes: estimate %d", kind, n, got)
			}
		}
	}
}
