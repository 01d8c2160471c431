package reconcile

import (
	"cmp"
	"fmt"
	"math/big"
	"strconv"

	"github.com/sdetl/sdetl/internal/contract"
)

// NewRemovableTableAcc is NewTableAcc for a writer that may delete rows it added (a clean
// store resolving duplicate keys): it also counts the values equal to each min and max, so
// Remove can tell whether they still hold.
func NewRemovableTableAcc(names []string, types []contract.Type) *TableAcc {
	a := NewTableAcc(names, types)
	a.ties = true
	return a
}

// Remove takes back a row that was added but is not in the finished table. Rows, nulls, sums
// and the hash are subtracted exactly; a min or max holds while another value equal to it,
// spelled the same, remains. When the removed row held the last such value (or one spelled
// otherwise), the measures cannot be known without the rows: Exact then reports false for
// good, and the caller measures the table from its store instead.
func (a *TableAcc) Remove(vals []*string) error {
	if !a.ties {
		return fmt.Errorf("reconcile: Remove needs NewRemovableTableAcc")
	}
	if len(vals) != len(a.cols) || a.rows == 0 {
		return fmt.Errorf("reconcile: Remove of a row that was not added")
	}
	a.rows--
	a.buf = appendRowText(a.buf[:0], vals)
	a.hash -= hashBytesExtended(a.buf)
	for i, v := range vals {
		c := &a.cols[i]
		if v == nil {
			c.nulls--
			continue
		}
		t := a.types[i]
		var lo, hi int // the value compared with the min and the max
		switch {
		case t == contract.Integer && !c.fixedDone: // every value so far took the int64 path
			n, err := strconv.ParseInt(*v, 10, 64)
			if err != nil {
				return fmt.Errorf("column %s: %q was not added", a.names[i], *v)
			}
			c.fsum.i -= n
			lo, hi = cmp.Compare(n, c.fmin.i), cmp.Compare(n, c.fmax.i)
		case t == contract.Decimal && !c.fixedDone && c.removeFixed(*v, &lo, &hi):
		case Numeric(t):
			c.toBig() // a decimal fixed cannot take away: big.Rat from here on
			r, ok := new(big.Rat).SetString(*v)
			if !ok || c.sum == nil {
				return fmt.Errorf("column %s: %q was not added", a.names[i], *v)
			}
			c.sum.Sub(c.sum, r)
			lo, hi = r.Cmp(c.minN), r.Cmp(c.maxN)
		case Ordered(t):
			lo, hi = cmp.Compare(*v, c.min), cmp.Compare(*v, c.max)
		default:
			continue
		}
		a.untie(lo, &c.minTies, c.minMixed)
		a.untie(-hi, &c.maxTies, c.maxMixed)
	}
	return nil
}

// removeFixed subtracts a decimal on the fixed path and compares it with the min and max;
// false, having done nothing, when it does not parse as fixed or the sum would overflow.
func (c *colAcc) removeFixed(v string, lo, hi *int) bool {
	x, _, ok := parseFixed(contract.Decimal, v)
	if !ok {
		return false
	}
	sum, ok := c.fsum.sub(x)
	if !ok {
		return false
	}
	c.fsum, *lo, *hi = sum, x.compare(c.fmin), x.compare(c.fmax)
	return true
}

// untie accounts for a removed value on the inner side of a min or max (inner > 0), at it
// (0: one of ties values equal to it; mixed, when not all spelled alike) or beyond it (never
// added: the measures are not known).
func (a *TableAcc) untie(inner int, ties *int64, mixed bool) {
	switch {
	case inner > 0:
		return
	case inner < 0 || mixed:
		a.inexact = true
	default:
		if *ties--; *ties <= 0 {
			a.inexact = true
		}
	}
}

// Exact reports whether the measures are still those of the rows added and not removed.
func (a *TableAcc) Exact() bool { return !a.inexact }
