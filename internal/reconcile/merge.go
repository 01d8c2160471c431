package reconcile

import (
	"cmp"
	"fmt"
	"math/big"

	"github.com/sdetl/sdetl/internal/contract"
)

// Merge adds to a the rows b accumulated, as if Add had been given them after a's own: a table
// measured in contiguous parts (each its own accumulator), merged in the parts' order, has the
// Result (and Exact) one accumulator of all its rows would have. Counts, sums and the row hash
// (a sum modulo 2^64, as across rows) add; a min or max equal on both sides keeps a's spelling,
// as Add keeps the first value's. b is left as it was.
func (a *TableAcc) Merge(b *TableAcc) error {
	if len(a.cols) != len(b.cols) || a.ties != b.ties {
		return fmt.Errorf("reconcile: merge of accumulators of different tables")
	}
	for i := range a.cols {
		if a.names[i] != b.names[i] || a.types[i] != b.types[i] {
			return fmt.Errorf("reconcile: merge of column %s (%s) with %s (%s)", a.names[i], a.types[i], b.names[i], b.types[i])
		}
	}
	a.rows += b.rows
	a.hash += b.hash
	a.inexact = a.inexact || b.inexact
	for i := range a.cols {
		a.cols[i].merge(&b.cols[i], a.types[i], a.ties)
	}
	return nil
}

// merge adds column d (the later rows) to c.
func (c *colAcc) merge(d *colAcc, t contract.Type, ties bool) {
	c.nulls += d.nulls
	if d.fixedDone {
		c.toBig()
	}
	if !d.any {
		return
	}
	if !c.any { // d's values are the first: c takes them as they are
		nulls, done := c.nulls, c.fixedDone
		*c = *d
		c.nulls = nulls
		if c.sum != nil {
			c.sum = new(big.Rat).Set(d.sum) // c's sum is added to in place later; d's is d's
		}
		if done && !c.fixedDone {
			c.toBig()
		}
		return
	}
	switch {
	case Numeric(t) && !c.fixedDone && !d.fixedDone:
		sum, ok := c.fsum.add(d.fsum)
		if !ok {
			c.toBig() // as Add would have, at the value that overflowed
			c.mergeBig(d, ties)
			return
		}
		c.fsum, c.scale = sum, max(c.scale, d.scale)
		c.mergeMin(d.fmin.compare(c.fmin), d, ties)
		c.mergeMax(d.fmax.compare(c.fmax), d, ties)
	case Numeric(t):
		c.toBig()
		c.mergeBig(d, ties)
	case Ordered(t):
		// Canonical text compares as its values do (see Add).
		c.mergeMin(cmp.Compare(d.min, c.min), d, ties)
		c.mergeMax(cmp.Compare(d.max, c.max), d, ties)
	}
}

// mergeBig adds d to c, which is on the big.Rat path, taking d's fixed measures as numbers if
// d never left that path.
func (c *colAcc) mergeBig(d *colAcc, ties bool) {
	sum, lo, hi := d.sum, d.minN, d.maxN
	if !d.fixedDone && d.fixedSeen {
		sum, lo, hi = d.fsum.rat(), d.fmin.rat(), d.fmax.rat()
	}
	c.sum.Add(c.sum, sum)
	c.scale = max(c.scale, d.scale)
	if c.mergeMin(lo.Cmp(c.minN), d, ties) {
		c.minN = lo
	}
	if c.mergeMax(hi.Cmp(c.maxN), d, ties) {
		c.maxN = hi
	}
}

// toBig moves a numeric column off the fixed path for good.
func (c *colAcc) toBig() {
	if c.fixedDone {
		return
	}
	c.fixedDone = true
	if c.fixedSeen {
		c.sum, c.minN, c.maxN = c.fsum.rat(), c.fmin.rat(), c.fmax.rat()
	}
}

// mergeMin takes d's min when it is lower (cmp < 0, d's compared with c's) and reports so; an
// equal one keeps c's spelling and, with ties, counts d's ties, mixed if spelled otherwise.
func (c *colAcc) mergeMin(cmp int, d *colAcc, ties bool) bool {
	switch {
	case cmp < 0:
		c.min, c.minP, c.fmin, c.minTies, c.minMixed = d.min, d.minP, d.fmin, d.minTies, d.minMixed
		return true
	case cmp == 0 && ties:
		c.minTies += d.minTies
		c.minMixed = c.minMixed || d.minMixed || d.min != c.min
	}
	return false
}

// mergeMax is mergeMin for the max (d's taken when higher).
func (c *colAcc) mergeMax(cmp int, d *colAcc, ties bool) bool {
	switch {
	case cmp > 0:
		c.max, c.maxP, c.fmax, c.maxTies, c.maxMixed = d.max, d.maxP, d.fmax, d.maxTies, d.maxMixed
		return true
	case cmp == 0 && ties:
		c.maxTies += d.maxTies
		c.maxMixed = c.maxMixed || d.maxMixed || d.max != c.max
	}
	return false
}
