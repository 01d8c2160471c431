package specdraft

import (
	"hash/fnv"
	"slices"
	"strconv"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// Natural-key detection needs exact uniqueness over a full scan, which a distinct-count sketch
// cannot prove. Each column still in the running keeps one 64-bit word per row: the integer
// itself for integer values, else a hash of the clean text. A hash collision can only make a
// unique column look duplicated, never the reverse, so a key the draft proposes is really
// unique. Memory stays bounded: columns drop out at their first null or duplicate (a small exact
// set catches the early repeats of categories and flags), and past the budget the least
// preferred columns stop being checked.

const (
	keyEarlySet = 1 << 12 // values per column held in a set for early duplicate detection
	keyBudget   = 1 << 22 // words (8 bytes each) kept per table before compacting: 32 MiB
)

// Why a column is not a key candidate.
const (
	notKeyNull      = "has nulls"
	notKeyDuplicate = "has duplicates"
	notKeyShape     = "holds dates or fractions" // keys are integers or text
	notKeyBudget    = "too many rows to check uniqueness in memory"
	notKeySigned    = "is numbers written with a leading + (phone numbers, not identifiers)"
)

// keyTracker follows every column that could still be a natural key.
type keyTracker struct {
	norm     *values.Normalizer
	cols     []*keyCol
	total    int // words held over all columns
	budget   int // keyBudget (tests lower it)
	earlyCap int // keyEarlySet (tests lower it)
}

type keyCol struct {
	name   string
	keyish bool // the name says it identifies something
	allInt bool // every value so far is an integer
	early  map[uint64]struct{}
	words  []uint64
	out    string // why it dropped out; "" while in the running
}

func newKeyTracker(norm *values.Normalizer, names []string) *keyTracker {
	k := &keyTracker{norm: norm, budget: keyBudget, earlyCap: keyEarlySet}
	for _, n := range names {
		k.cols = append(k.cols, &keyCol{name: n, keyish: keyish(n), allInt: true, early: map[uint64]struct{}{}})
	}
	return k
}

// add feeds column i's trimmed value s; null says it is empty or a sentinel.
func (k *keyTracker) add(i int, s string, null bool) {
	c := k.cols[i]
	if c.out != "" {
		return
	}
	if null {
		k.drop(c, notKeyNull)
		return
	}
	if s[0] == '+' {
		if _, err := k.norm.Normalize(contract.Decimal, contract.DMY, s); err == nil {
			// An identifier is never signed; and typed text (as a + keeps it), "+31" and "31"
			// would be two keys where the integer reading sees one.
			k.drop(c, notKeySigned)
			return
		}
	}
	w, ok := k.word(c, s)
	if !ok {
		k.drop(c, notKeyShape)
		return
	}
	if c.early != nil {
		if _, dup := c.early[w]; dup {
			k.drop(c, notKeyDuplicate)
			return
		}
		c.early[w] = struct{}{}
		if len(c.early) >= k.earlyCap {
			c.early = nil
		}
	}
	c.words = append(c.words, w)
	k.total++
	if k.total > k.budget {
		k.compact()
	}
}

// word is the value's identity as the clean stage will see it: the integer for an integer (so
// "7" and "7.0" are the same key), else a hash of the clean text. ok is false for values that
// make the column a date, time or decimal column, which the draft never proposes as a key.
func (k *keyTracker) word(c *keyCol, s string) (uint64, bool) {
	if r, err := k.norm.Normalize(contract.Integer, contract.DMY, s); err == nil {
		v, _ := strconv.ParseInt(r.Value, 10, 64)
		return uint64(v), true
	}
	c.allInt = false
	switch values.ClassifyDate(s) {
	case values.FormISO, values.FormDayFirst, values.FormMonthFirst, values.FormAmbiguous, values.FormMonthName:
		return 0, false
	}
	if _, err := k.norm.Normalize(contract.Decimal, contract.DMY, s); err == nil {
		return 0, false
	}
	r, _ := k.norm.Normalize(contract.Text, contract.DMY, s)
	h := fnv.New64a()
	h.Write([]byte(r.Value))
	return h.Sum64(), true
}

func (k *keyTracker) drop(c *keyCol, why string) {
	c.out = why
	k.total -= len(c.words)
	c.words, c.early = nil, nil
}

// compact sorts every column's words to find duplicates. If several survivors still hold more
// than half the budget, the least preferred stop being checked until they fit in it (so
// compaction stays rare); a last one alone may use the whole budget.
func (k *keyTracker) compact() {
	var live []*keyCol
	for _, c := range k.cols {
		if c.out == "" && hasDuplicate(c.words) {
			k.drop(c, notKeyDuplicate)
		}
		if c.out == "" {
			live = append(live, c)
		}
	}
	// The last of the lowest preference goes first.
	slices.SortStableFunc(live, func(a, b *keyCol) int { return b.preference() - a.preference() })
	for len(live) > 1 && k.total > k.budget/2 {
		k.drop(live[len(live)-1], notKeyBudget)
		live = live[:len(live)-1]
	}
	if k.total > k.budget {
		k.drop(live[0], notKeyBudget)
	}
}

// preference ranks key candidates: integer columns first, then names that say "id".
func (c *keyCol) preference() int {
	p := 0
	if c.allInt {
		p += 2
	}
	if c.keyish {
		p++
	}
	return p
}

// finish decides the remaining columns and returns, per column, "" for a unique column that
// never held a null, else why it is not a key.
func (k *keyTracker) finish() []string {
	out := make([]string, len(k.cols))
	for i, c := range k.cols {
		if c.out == "" && hasDuplicate(c.words) {
			k.drop(c, notKeyDuplicate)
		}
		out[i] = c.out
	}
	return out
}

// hasDuplicate sorts ws in place and reports whether a word repeats.
func hasDuplicate(ws []uint64) bool {
	slices.Sort(ws)
	for i := 1; i < len(ws); i++ {
		if ws[i] == ws[i-1] {
			return true
		}
	}
	return false
}
