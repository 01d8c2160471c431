package reconcile

import (
	"cmp"
	"math"
	"math/big"
	"strconv"

	"github.com/sdetl/sdetl/internal/contract"
)

// fixed is a number exactly, as a whole part and a fraction in units of 1e-18: every int64,
// and every decimal of up to 18 digits on each side of the point. A numeric column is measured
// in fixed while each value parses as one and no sum overflows, then on big.Rat for good: the
// same measures (the values are exact either way, and a sum is rendered from its value), at a
// fraction of the cost. A parsed value's parts have its sign; a sum's may differ.
type fixed struct{ i, f int64 }

const fracUnit = 1_000_000_000_000_000_000 // 1e18: one in fixed.f

// pow10 are the powers of ten up to 1e18.
var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// parseFixed parses a numeric column's canonical value of type t as fixed, with its count of
// fraction digits: an integer as strconv.ParseInt does, a decimal only when it is spelled
// -?D+(.D+)? with at most 18 digits on each side (whatever else big.Rat reads, it reads). ok
// false sends the value to big.Rat.
func parseFixed(t contract.Type, s string) (x fixed, scale int, ok bool) {
	if t == contract.Integer {
		n, err := strconv.ParseInt(s, 10, 64)
		return fixed{i: n}, 0, err == nil
	}
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	j := 0
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		x.i = x.i*10 + int64(s[j]-'0')
		j++
	}
	if j == 0 || j > 18 {
		return fixed{}, 0, false
	}
	if j < len(s) {
		frac := s[j+1:]
		if s[j] != '.' || len(frac) == 0 || len(frac) > 18 {
			return fixed{}, 0, false
		}
		for k := 0; k < len(frac); k++ {
			if frac[k] < '0' || frac[k] > '9' {
				return fixed{}, 0, false
			}
			x.f = x.f*10 + int64(frac[k]-'0')
		}
		x.f *= pow10[18-len(frac)]
		scale = len(frac)
	}
	if neg {
		x.i, x.f = -x.i, -x.f
	}
	return x, scale, true
}

// compare orders parsed values (parts of one sign): by whole part, then fraction.
func (x fixed) compare(y fixed) int {
	if c := cmp.Compare(x.i, y.i); c != 0 {
		return c
	}
	return cmp.Compare(x.f, y.f)
}

// add is x+y, false if the whole part overflows int64.
func (x fixed) add(y fixed) (fixed, bool) {
	i, ok := addInt64(x.i, y.i)
	f := x.f + y.f // each below 1e18 in magnitude: no overflow
	switch {
	case f >= fracUnit:
		f -= fracUnit
		i, ok = i+1, ok && i < math.MaxInt64
	case f <= -fracUnit:
		f += fracUnit
		i, ok = i-1, ok && i > math.MinInt64
	}
	return fixed{i, f}, ok
}

// sub is x-y, false if the whole part overflows int64.
func (x fixed) sub(y fixed) (fixed, bool) {
	if y.i == math.MinInt64 {
		return fixed{}, false
	}
	return x.add(fixed{-y.i, -y.f})
}

func addInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, !((b > 0 && s < a) || (b < 0 && s > a))
}

// rat is x as a big.Rat.
func (x fixed) rat() *big.Rat {
	if x.f == 0 {
		return new(big.Rat).SetInt64(x.i)
	}
	n := new(big.Int).Mul(big.NewInt(x.i), big.NewInt(fracUnit))
	return new(big.Rat).SetFrac(n.Add(n, big.NewInt(x.f)), big.NewInt(fracUnit))
}
