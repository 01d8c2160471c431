package profile

import (
	"time"

	"github.com/sdetl/sdetl/internal/values"
)

// The memo: values repeat within a column (enums, flags, '?' nulls, an incident's timestamps
// on each of its events, user names), and classifying one costs several normaliser calls. Each
// column keeps what add counted for its most recent values in a small direct-mapped table
// indexed by the value's hash (the one the distinct counter needs anyway), holding the whole
// value (at most memoMaxLen bytes) so a hit is a byte-for-byte match, never a hash guess.
//
// Replaying a hit is exact because everything add does for a value is either a count that
// depends on the value alone (recorded in a tally and added again) or idempotent for a value
// already seen: the distinct set or sketch, the min/max of every kind (a value folded into
// [lo, hi] stays within it), the first examples (set only while empty, and a value's first
// sighting set them), the unsupported examples (the value is already in them, or they were
// full). The numbers that parse as dates are counted by month with examples, so they are fed
// again with the date the first sighting parsed. A miss, an evicted slot or a long value takes
// the full path, which is what the profile does without the memo; so the report is the same
// with or without it for any input (memo_test.go checks it).
//
// Memory is bounded: memoSlots entries of fixed size per column, whatever the input size.

// memoSlots is the entries per column (a power of two); 0 turns the memo off (tests).
var memoSlots = 256

const memoMaxLen = 40 // longest value memoised (bytes, trimmed): dates, flags, names, codes

type memoEntry struct {
	n   uint8 // the value's length; 0 = empty slot (add never memoises "")
	key [memoMaxLen]byte
	out tally
}

// tally is what add counted for one value, beyond what is idempotent.
type tally struct {
	sentinel int32 // index+1 of the sentinel it matched; 0 = none
	parses   uint8 // candidates it parsed as
	flags    uint8
	form     values.DateForm // the date form counted; for a number date, its form for numbers.add
	t        time.Time       // a number date's instant, for numbers.add
}

const (
	oSupported  uint8 = 1 << iota // counted as supported
	oYesNo                        // a boolean spelled yes/no
	oTrueFalse                    // a boolean spelled true/false
	oPlus                         // a number with a leading +
	oZero                         // a number with a leading zero
	oOffset                       // a date with a UTC offset
	oNumberDate                   // a bare number that parses as a date (form and t say which)
	oMidnight                     // that number date is at midnight
)

// replay counts a value again as first counted it into o.
func (c *column) replay(o *tally, s string) {
	if o.sentinel > 0 {
		c.sentinelHits[o.sentinel-1]++
		return
	}
	c.nonNull++
	f := o.flags
	switch {
	case f&oYesNo != 0:
		c.yesNo++
	case f&oTrueFalse != 0:
		c.trueFalse++
	}
	switch {
	case f&oPlus != 0:
		c.plus++
	case f&oZero != 0:
		c.leadingZero++
	}
	if f&oNumberDate != 0 {
		c.numbers.add(o.t, o.form, f&oMidnight != 0, s)
	} else {
		c.forms[o.form]++
	}
	if f&oOffset != 0 {
		c.offsets++
	}
	c.countParses(o.parses)
	if f&oSupported != 0 {
		c.supported++
	}
}
