package profile

import (
	"math"
	"math/bits"
)

// Distinct counting: exact (a set of 64-bit hashes) up to exactCap values, then a HyperLogLog
// sketch, so a column's memory is bounded whatever the row count. The hash is our own and
// unseeded, so the same data always gives the same estimate (maphash is seeded per process).

const (
	exactCap = 1 << 14 // distinct values counted exactly before switching to the sketch
	hllP     = 14      // 2^14 one-byte registers = 16 KiB; standard error 1.04/sqrt(2^14) = 0.8%
	hllM     = 1 << hllP
	hllQ     = 64 - hllP // hash bits left for the rank
)

type distinct struct {
	set hashSet // exact until it holds more than exactCap hashes
	hll []uint8 // the sketch, once it took over (set is then empty)
}

func newDistinct() distinct { return distinct{} }

func (d *distinct) add(s string) { d.addHash(hash64(s)) }

// addHash adds the value whose hash64 is h.
func (d *distinct) addHash(h uint64) {
	if d.hll == nil {
		if !d.set.add(h) || d.set.n <= exactCap {
			return
		}
		d.hll = make([]uint8, hllM)
		d.set.each(d.insert) // the sketch keeps a maximum per register: any order gives the same
		d.set = hashSet{}
		return
	}
	d.insert(h)
}

// hashSet is a set of 64-bit hashes: open addressing with linear probing in a power-of-two
// table at most 3/4 full (the hashes are well mixed: their low bits index it). 0 marks an
// empty slot, so the hash 0 is kept aside.
type hashSet struct {
	slots []uint64
	n     int // hashes held, the 0 included
	zero  bool
}

// add adds h and reports whether it was new.
func (s *hashSet) add(h uint64) bool {
	if h == 0 {
		if s.zero {
			return false
		}
		s.zero = true
		s.n++
		return true
	}
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return false
		case 0:
			s.slots[i] = h
			s.n++
			return true
		}
	}
}

func (s *hashSet) grow() {
	old := s.slots
	s.slots = make([]uint64, max(64, 2*len(old)))
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}

// each calls fn with every hash held.
func (s *hashSet) each(fn func(uint64)) {
	if s.zero {
		fn(0)
	}
	for _, h := range s.slots {
		if h != 0 {
			fn(h)
		}
	}
}

func (d *distinct) insert(h uint64) {
	i := h >> hllQ
	rank := uint8(bits.LeadingZeros64(h<<hllP|1<<(hllP-1)) + 1) // the |1<<(p-1) caps the rank at q+1
	if rank > d.hll[i] {
		d.hll[i] = rank
	}
}

// count returns the distinct count and whether it is exact.
func (d *distinct) count() (int64, bool) {
	if d.hll == nil {
		return int64(d.set.n), true
	}
	return int64(math.Round(ertl(d.hll))), false
}

// ertl is O. Ertl's improved raw estimator ("New cardinality estimation algorithms for
// HyperLogLog sketches", 2017): unbiased over the whole range without empirical bias tables.
func ertl(reg []uint8) float64 {
	var c [hllQ + 2]float64
	for _, r := range reg {
		c[r]++
	}
	m := float64(len(reg))
	z := m * tau(1-c[hllQ+1]/m)
	for k := hllQ; k >= 1; k-- {
		z = 0.5 * (z + c[k])
	}
	z += m * sigma(c[0]/m)
	return m * m / (2 * math.Ln2 * z)
}

func sigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += x * y
		y += y
		if z == prev {
			return z
		}
	}
}

func tau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == prev {
			return z / 3
		}
	}
}

// hash64 is a fast 64-bit string hash in the style of wyhash: 16 bytes per 64x64->128-bit
// multiply. Long comment texts (2 KB) make hashing speed matter.
func hash64(s string) uint64 {
	const (
		k0 = 0xa0761d6478bd642f
		k1 = 0xe7037ed1a0b428db
		k2 = 0x8ebc6af09c88c6e3
	)
	h := uint64(len(s)) ^ k0
	for len(s) >= 16 {
		h = mum(le64(s)^k1^h, le64(s[8:])^k2)
		s = s[16:]
	}
	var a, b uint64
	switch {
	case len(s) >= 8:
		a = le64(s)
		b = tail(s[8:])
	default:
		a = tail(s)
	}
	h = mum(a^k1^h, b^k2)
	return mum(h^k0, h^k1)
}

// le64 reads 8 little-endian bytes (the compiler turns this into one load).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// tail packs up to 7 bytes.
func tail(s string) uint64 {
	var v uint64
	for i := 0; i < len(s); i++ {
		v |= uint64(s[i]) << (8 * i)
	}
	return v
}

func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}
