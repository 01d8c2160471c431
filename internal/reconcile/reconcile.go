// Package reconcile compares what a store holds with what a PostgreSQL generation holds, measure
// by measure: per table the row count and an order-independent hash of every row, per column the
// null count, min, max and (numeric columns) sum. The adapters measure (the clean store in Go
// over its canonical text, PostgreSQL in SQL over its typed columns); this package defines the
// canonical rendering both must agree on, accumulates the store side, and compares. It is pure.
package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// Measures are everything measured of one side, by table.
type Measures struct {
	Tables map[string]*Table `json:"tables"`
}

// Table is one table's measures.
type Table struct {
	Rows int64 `json:"rows"`
	// Hash is the sum modulo 2^64 of RowHash over every row, in decimal: equal multisets of
	// rows give equal hashes whatever their order.
	Hash    string             `json:"hash"`
	Columns map[string]*Column `json:"columns"`
}

// Column is one column's measures. Min, Max and Sum are canonical text, "" when the column has
// no non-null value (or, for Sum, is not numeric; for Min/Max, is boolean).
type Column struct {
	Nulls int64  `json:"nulls"`
	Min   string `json:"min,omitempty"`
	Max   string `json:"max,omitempty"`
	Sum   string `json:"sum,omitempty"`
}

// Difference is one measure on which the two sides disagree.
type Difference struct {
	Table, Column, Measure string
	Want, Got              string
}

func (d Difference) String() string {
	where := d.Table
	if d.Column != "" {
		where += "." + d.Column
	}
	return fmt.Sprintf("%s %s: clean store %s, generation %s", where, d.Measure, d.Want, d.Got)
}

// Compare returns every difference between want (the clean store) and got (the generation),
// in a stable order. A table or column measured on one side only is a difference: a check that
// could not be made is never a pass.
func Compare(want, got *Measures) []Difference {
	var out []Difference
	for _, tn := range keys(want.Tables, got.Tables) {
		w, g := want.Tables[tn], got.Tables[tn]
		if w == nil || g == nil {
			out = append(out, Difference{Table: tn, Measure: "presence", Want: present(w != nil), Got: present(g != nil)})
			continue
		}
		if w.Rows != g.Rows {
			out = append(out, Difference{Table: tn, Measure: "rows", Want: strconv.FormatInt(w.Rows, 10), Got: strconv.FormatInt(g.Rows, 10)})
		}
		if w.Hash != g.Hash {
			out = append(out, Difference{Table: tn, Measure: "row hash", Want: w.Hash, Got: g.Hash})
		}
		for _, cn := range keys(w.Columns, g.Columns) {
			wc, gc := w.Columns[cn], g.Columns[cn]
			if wc == nil || gc == nil {
				out = append(out, Difference{Table: tn, Column: cn, Measure: "presence", Want: present(wc != nil), Got: present(gc != nil)})
				continue
			}
			if wc.Nulls != gc.Nulls {
				out = append(out, Difference{tn, cn, "nulls", strconv.FormatInt(wc.Nulls, 10), strconv.FormatInt(gc.Nulls, 10)})
			}
			for _, m := range []struct{ name, w, g string }{{"min", wc.Min, gc.Min}, {"max", wc.Max, gc.Max}, {"sum", wc.Sum, gc.Sum}} {
				if m.w != m.g {
					out = append(out, Difference{tn, cn, m.name, show(m.w), show(m.g)})
				}
			}
		}
	}
	return out
}

func present(ok bool) string {
	if ok {
		return "measured"
	}
	return "missing"
}

func show(s string) string {
	if s == "" {
		return "(none)"
	}
	return strconv.Quote(s)
}

func keys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// RowText is the canonical rendering of one row, given each value's canonical text (nil for
// NULL): every value as its length in characters, a colon and the text; NULL as a lone "-".
// Length-prefixing makes it unambiguous (no value can fake a separator, and NULL differs from
// ”) without escaping, and PostgreSQL can build the same text with length() and ||.
func RowText(vals []*string) string { return string(appendRowText(nil, vals)) }

func appendRowText(b []byte, vals []*string) []byte {
	for _, v := range vals {
		if v == nil {
			b = append(b, '-')
			continue
		}
		b = appendCount(b, values.RuneCount(*v))
		b = append(b, *v...)
	}
	return b
}

// appendCount is strconv.AppendInt(b, n, 10) and the colon, with the one- and two-digit
// counts most values have written directly, in one append.
func appendCount(b []byte, n int) []byte {
	switch {
	case n >= 0 && n < 10:
		return append(b, byte('0'+n), ':')
	case n >= 10 && n < 100:
		return append(b, byte('0'+n/10), byte('0'+n%10), ':')
	}
	return append(strconv.AppendInt(b, int64(n), 10), ':')
}

// Numeric reports whether a column of type t has a sum.
func Numeric(t contract.Type) bool { return t == contract.Integer || t == contract.Decimal }

// Ordered reports whether a column of type t has a min and max (PostgreSQL has no min of a
// boolean).
func Ordered(t contract.Type) bool { return t != contract.Boolean }

// TableAcc accumulates one table's measures from canonical text rows.
type TableAcc struct {
	types []contract.Type
	names []string
	rows  int64
	hash  uint64
	cols  []colAcc
	buf   []byte // the row text, reused
	ties  bool   // counting the values equal to each min and max, so rows can be removed
	// inexact: a removed row took the last value equal to a min or max (Exact).
	inexact bool
}

type colAcc struct {
	kind     colKind
	nulls    int64
	min, max string
	minN     *big.Rat
	maxN     *big.Rat
	sum      *big.Rat
	scale    int
	any      bool
	// A numeric column is measured in fixed (fixed.go) while every value parses as one and
	// the sum does not overflow; then it moves to big.Rat for good (fixedDone).
	fmin, fmax, fsum     fixed
	fixedDone, fixedSeen bool
	// With TableAcc.ties: how many values equal min and max, and whether one of those was
	// spelled otherwise (a number: "1.5" and "1.50"), which makes the kept spelling depend on
	// which came first.
	minTies, maxTies   int64
	minMixed, maxMixed bool
	// An ordered column's min and max as prefix8, kept with them: most values are decided
	// against both by two integer comparisons (comparePrefixed).
	minP, maxP uint64
}

// prefix8 is s's first eight bytes as a big-endian number, zero-padded when s is shorter.
// Strings whose prefixes differ compare as their prefixes do: at the first byte where the
// padded prefixes differ, either both strings have a byte there, which decides, or the one
// with the smaller (a zero of padding) has ended, a proper prefix of the other, so smaller.
func prefix8(s string) uint64 {
	if len(s) >= 8 {
		return uint64(s[0])<<56 | uint64(s[1])<<48 | uint64(s[2])<<40 | uint64(s[3])<<32 |
			uint64(s[4])<<24 | uint64(s[5])<<16 | uint64(s[6])<<8 | uint64(s[7])
	}
	var p uint64
	for i := 0; i < len(s); i++ {
		p |= uint64(s[i]) << (56 - 8*i)
	}
	return p
}

// comparePrefixed is strings.Compare(a, b), given pa = prefix8(a) and pb = prefix8(b).
func comparePrefixed(pa, pb uint64, a, b string) int {
	switch {
	case pa < pb:
		return -1
	case pa > pb:
		return 1
	}
	return strings.Compare(a, b)
}

// NewTableAcc starts a table whose row has the given column names and types (in row order;
// the hash covers every column, the column measures every named one).
func NewTableAcc(names []string, types []contract.Type) *TableAcc {
	a := &TableAcc{names: names, types: types, cols: make([]colAcc, len(names))}
	for i, t := range types {
		switch {
		case Numeric(t):
			a.cols[i].kind = kindNumeric
		case Ordered(t):
			a.cols[i].kind = kindOrdered
		}
	}
	return a
}

// colKind is what Add measures of a column's values beyond nulls, from its type: precomputed,
// as a type is a string, which Add compared up to three times per value.
type colKind uint8

const (
	kindUnordered colKind = iota // nulls only (boolean)
	kindOrdered                  // min and max, as text
	kindNumeric                  // min, max and sum, as numbers
)

// Add adds one row of canonical text values (nil for NULL). A numeric value that does not
// parse is an error: the store is not canonical, and the comparison cannot be trusted.
func (a *TableAcc) Add(vals []*string) error {
	a.rows++
	a.buf = appendRowText(a.buf[:0], vals)
	a.hash += hashBytesExtended(a.buf)
	for i, v := range vals {
		c := &a.cols[i]
		if v == nil {
			c.nulls++
			continue
		}
		switch c.kind {
		case kindUnordered:
			continue
		case kindNumeric:
			if !c.fixedDone && c.addFixed(a.types[i], *v, a.ties) {
				continue
			}
			r, ok := new(big.Rat).SetString(*v)
			if !ok {
				return fmt.Errorf("column %s: %q is not a number", a.names[i], *v)
			}
			if dot := strings.IndexByte(*v, '.'); dot >= 0 {
				c.scale = max(c.scale, len(*v)-dot-1)
			}
			if c.sum == nil {
				c.sum = new(big.Rat)
			}
			c.sum.Add(c.sum, r)
			if c.minN == nil || c.tieMin(r.Cmp(c.minN), *v, a.ties) {
				c.minN, c.min, c.minTies, c.minMixed = r, *v, 1, false
			}
			if c.maxN == nil || c.tieMax(r.Cmp(c.maxN), *v, a.ties) {
				c.maxN, c.max, c.maxTies, c.maxMixed = r, *v, 1, false
			}
			c.any = true
			continue
		}
		// Canonical date, time and timestamp text sorts as its values do (fixed-width fields,
		// a fraction only after the seconds); text compares byte-wise, as COLLATE "C" does.
		p := prefix8(*v)
		if !c.any {
			c.min, c.minP, c.minTies, c.max, c.maxP, c.maxTies, c.any = *v, p, 1, *v, p, 1, true
			continue
		}
		if lo := comparePrefixed(p, c.minP, *v, c.min); lo < 0 {
			c.min, c.minP, c.minTies = *v, p, 1
		} else if a.ties && lo == 0 {
			c.minTies++
		}
		if hi := comparePrefixed(p, c.maxP, *v, c.max); hi > 0 {
			c.max, c.maxP, c.maxTies = *v, p, 1
		} else if a.ties && hi == 0 {
			c.maxTies++
		}
	}
	return nil
}

// tieMin reports whether a value comparing cmp to the min (spelled v) is a new min; with ties,
// one equal to the min is counted.
func (c *colAcc) tieMin(cmp int, v string, ties bool) bool {
	if cmp == 0 && ties {
		c.minTies++
		c.minMixed = c.minMixed || v != c.min
	}
	return cmp < 0
}

// tieMax is tieMin for the max.
func (c *colAcc) tieMax(cmp int, v string, ties bool) bool {
	if cmp == 0 && ties {
		c.maxTies++
		c.maxMixed = c.maxMixed || v != c.max
	}
	return cmp > 0
}

// addFixed adds a numeric value of type t on the fixed path; false once the value does not
// parse as fixed or the sum would overflow, having moved what it measured to the big.Rat path
// (which then adds the value).
func (c *colAcc) addFixed(t contract.Type, v string, ties bool) bool {
	if x, scale, ok := parseFixed(t, v); ok {
		if sum, ok := c.fsum.add(x); ok {
			if !c.fixedSeen || c.tieMin(x.compare(c.fmin), v, ties) {
				c.fmin, c.min, c.minTies, c.minMixed = x, v, 1, false
			}
			if !c.fixedSeen || c.tieMax(x.compare(c.fmax), v, ties) {
				c.fmax, c.max, c.maxTies, c.maxMixed = x, v, 1, false
			}
			c.fsum, c.fixedSeen, c.any = sum, true, true
			c.scale = max(c.scale, scale)
			return true
		}
	}
	c.toBig()
	return false
}

// Result returns the table's measures.
func (a *TableAcc) Result() *Table {
	t := &Table{Rows: a.rows, Hash: strconv.FormatUint(a.hash, 10), Columns: map[string]*Column{}}
	for i, n := range a.names {
		c := &a.cols[i]
		m := &Column{Nulls: c.nulls, Min: c.min, Max: c.max}
		switch {
		case c.sum != nil:
			m.Sum = Decimal(c.sum, c.scale)
		case c.fixedSeen && c.fsum.f == 0:
			m.Sum = strconv.FormatInt(c.fsum.i, 10)
		case c.fixedSeen:
			m.Sum = Decimal(c.fsum.rat(), c.scale)
		}
		t.Columns[n] = m
	}
	return t
}

// Decimal renders a finite decimal r (with at most scale fraction digits) canonically: no
// exponent, no trailing zeros, no trailing point.
func Decimal(r *big.Rat, scale int) string {
	s := r.FloatString(scale)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// Fingerprint is one hash of all the measures: equal fingerprints mean the two stores hold
// the same rows, so a run whose clean store has the live generation's fingerprint has nothing
// to do. encoding/json sorts map keys, so the rendering is stable.
func Fingerprint(m *Measures) string {
	b, err := json.Marshal(m)
	if err != nil { // maps of strings and numbers always marshal
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
