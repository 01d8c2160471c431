package specdraft

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/exports"
	"github.com/sdetl/sdetl/internal/values"
)

// Composite keys. An event log has no column that identifies a row, but a combination does
// (incident number + modification count). When no single integer or identifier-like text
// column is unique, the export is read once more and combinations of two, then three, of its
// fully populated columns are checked for uniqueness, exactly (every row, not a sample), each
// with its duplicate count: rows whose combination an earlier row already had.
//
// Dates, times and free text are never part of a proposed key: a timestamp unique in one
// export is repeated by the next, and a title is not an identifier. Where only they make rows
// unique, they are listed as candidates to check, not proposed. A combination's identity is
// a 64-bit hash of its parts' clean text; a collision can only make a unique combination look
// duplicated, never the reverse, so a proposed key is really unique.

const (
	maxMembers  = 8 // columns combined, best first: C(8,2) = 28 pairs and C(8,3) = 56 triples
	maxFallback = 3 // date and free-text columns added when nothing else is unique
	maxListed   = 5 // candidates the key note lists
)

// KeyOption is one candidate key and how many rows repeat an earlier row's values of it.
type KeyOption struct {
	Columns    []string `json:"columns"`
	Duplicates int64    `json:"duplicates"`
	// Check is set on a candidate holding a date, time or free-text column: listed, never
	// proposed, because a later export may well repeat it.
	Check bool `json:"check,omitempty"`
}

// member is a column that may be part of a composite key.
type member struct {
	col      int // index in td.Columns
	pref     int
	fallback bool // a date, time or free-text column
}

// keyMembers are the columns a composite key may combine, best first: fully populated, every
// value of the drafted type, more than one distinct value; identifier names and integers first.
func keyMembers(td *TableDraft, sc *scanned) []member {
	var ms []member
	for i, cd := range td.Columns {
		if cd.Nulls > 0 || cd.Invalid > 0 || cd.Distinct < 2 || sc.notKey[i] == notKeySigned || sc.notKey[i] == notKeyNull {
			continue
		}
		m := member{col: i}
		switch cd.Type {
		case contract.Integer:
			m.pref = 2
		case contract.Text:
			m.fallback = sc.cols[i].freeText(cd.NonNull) || sc.notKey[i] == notKeyShape
		case contract.Flag, contract.Boolean, contract.Month:
		case contract.Date, contract.Timestamp, contract.Time:
			m.fallback = true
		default:
			continue // decimals: a quantity, not an identifier
		}
		if keyish(cd.Name) {
			m.pref += 4
		}
		ms = append(ms, m)
	}
	slices.SortStableFunc(ms, func(a, b member) int {
		if a.fallback != b.fallback {
			if a.fallback {
				return 1
			}
			return -1
		}
		if a.pref != b.pref {
			return b.pref - a.pref
		}
		return int(td.Columns[b.col].Distinct - td.Columns[a.col].Distinct)
	})
	var out []member
	nA, nF := 0, 0
	for _, m := range ms {
		switch {
		case !m.fallback && nA < maxMembers:
			nA++
			out = append(out, m)
		case m.fallback && nF < maxFallback:
			nF++
			out = append(out, m)
		}
	}
	return out
}

// freeText reports whether a text column reads as prose rather than an identifier: most of its
// values hold a space, or one is longer than any identifier would be.
func (c *scanCol) freeText(nonNull int64) bool {
	return 2*c.spaced > nonNull || c.maxLen > 64
}

// compositeKeys reads the export again for the members' values and returns every combination
// checked, with its duplicate count, unique ones first (smallest, then best members), and
// whether the rows fit in memory to check them at all.
func compositeKeys(ctx context.Context, sc *scanned, td *TableDraft, ms []member, sentinels []string, budget int) ([]KeyOption, bool, error) {
	if len(ms) < 2 || td.Rows == 0 {
		return nil, true, nil
	}
	if int64(len(ms)+1)*td.Rows > int64(budget) {
		n := int64(budget)/td.Rows - 1
		if n < 2 {
			return nil, false, nil
		}
		ms = ms[:n]
	}
	words, err := memberWords(ctx, sc, td, ms, sentinels)
	if err != nil {
		return nil, true, err
	}
	var opts []KeyOption
	scratch := make([]uint64, td.Rows)
	check := func(combo []int) int64 {
		for r := range scratch {
			h := uint64(14695981039346656037)
			for _, m := range combo {
				h ^= words[m][r]
				h *= 1099511628211
				h ^= h >> 29
			}
			scratch[r] = h
		}
		return duplicates(scratch)
	}
	add := func(combo []int, dups int64) {
		o := KeyOption{Duplicates: dups}
		combo = slices.Clone(combo)
		slices.SortFunc(combo, func(a, b int) int { return ms[a].col - ms[b].col }) // in the export's order
		for _, m := range combo {
			o.Columns = append(o.Columns, td.Columns[ms[m].col].Name)
			o.Check = o.Check || ms[m].fallback
		}
		opts = append(opts, o)
	}
	for m := range ms { // single columns, for their duplicate counts
		copy(scratch, words[m])
		add([]int{m}, duplicates(scratch))
	}
	// Pairs, then triples, and only if no smaller combination of the same kind is unique; a
	// combination holding a fallback column only if none without one is.
	for _, withFallback := range []bool{false, true} {
		found := false
		for size := 2; size <= 3 && !found; size++ {
			for _, combo := range combinations(len(ms), size) {
				fb := false
				for _, m := range combo {
					fb = fb || ms[m].fallback
				}
				if fb != withFallback {
					continue
				}
				dups := check(combo)
				add(combo, dups)
				found = found || dups == 0
			}
		}
		if found || hasUnique(opts) {
			break
		}
	}
	slices.SortStableFunc(opts, func(a, b KeyOption) int {
		switch {
		case (a.Duplicates == 0) != (b.Duplicates == 0):
			if a.Duplicates == 0 {
				return -1
			}
			return 1
		case a.Check != b.Check:
			if a.Check {
				return 1
			}
			return -1
		case a.Duplicates == 0 && len(a.Columns) != len(b.Columns):
			return len(a.Columns) - len(b.Columns)
		case a.Duplicates != b.Duplicates:
			return int(a.Duplicates - b.Duplicates)
		}
		return len(a.Columns) - len(b.Columns)
	})
	return opts, true, nil
}

func hasUnique(opts []KeyOption) bool {
	for _, o := range opts {
		if o.Duplicates == 0 {
			return true
		}
	}
	return false
}

// memberWords reads every row Import stages and returns, per member, one word per row: a hash
// of the value's clean text as the drafted type cleans it (so "7" and "7.0" are one integer).
func memberWords(ctx context.Context, sc *scanned, td *TableDraft, ms []member, sentinels []string) ([][]uint64, error) {
	ex, err := exports.OpenEncoding(ctx, sc.path, exports.Limits{}, sc.encoding)
	if err != nil {
		return nil, err
	}
	defer ex.Close()
	norm := values.NewNormalizer(sentinels)
	cols := make([]*contract.Column, len(ms))
	for i, m := range ms {
		cd := td.Columns[m.col]
		cols[i] = &contract.Column{Name: cd.Name, Type: cd.Type, DateOrder: cd.DateOrder}
		if cols[i].DateOrder == "" {
			cols[i].DateOrder = contract.DMY
		}
		if nd := sc.reports[m.col].NumberDates; nd != nil {
			cols[i].NumberDates = nd.Span
		}
	}
	words := make([][]uint64, len(ms))
	for i := range words {
		words[i] = make([]uint64, 0, td.Rows)
	}
	err = ex.Each(ctx, nil, func(r exports.Row) error {
		if r.Misfit != "" {
			return nil
		}
		for i, m := range ms {
			v := exports.Cell(r.Cells, sc.cols[m.col].pos)
			res, err := norm.NormalizeColumn(cols[i], v)
			if err != nil { // cannot happen for a member (no invalid values); keep it apart
				res.Value = "\x00invalid\x00" + v
			}
			h := fnv.New64a()
			h.Write([]byte(res.Value))
			words[i] = append(words[i], h.Sum64())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range words {
		if int64(len(words[i])) != td.Rows {
			return nil, fmt.Errorf("%s: %d rows on the second reading, %d on the first; the file changed while being read", sc.path, len(words[i]), td.Rows)
		}
	}
	return words, nil
}

// duplicates sorts ws and counts the words that repeat an earlier one.
func duplicates(ws []uint64) int64 {
	slices.Sort(ws)
	var n int64
	for i := 1; i < len(ws); i++ {
		if ws[i] == ws[i-1] {
			n++
		}
	}
	return n
}

// combinations lists the size-element subsets of 0..n-1 in lexicographic order.
func combinations(n, size int) [][]int {
	var out [][]int
	var rec func(start int, cur []int)
	rec = func(start int, cur []int) {
		if len(cur) == size {
			out = append(out, slices.Clone(cur))
			return
		}
		for i := start; i < n; i++ {
			rec(i+1, append(cur, i))
		}
	}
	rec(0, nil)
	return out
}

// describeOptions lists candidates for the key note, e.g. `"Number" + "Mod Count" unique;
// "Number" 4 duplicates`.
func describeOptions(opts []KeyOption, skip int) string {
	var parts []string
	for _, o := range opts[min(skip, len(opts)):] {
		if len(parts) == maxListed {
			break
		}
		s := quoteNames(o.Columns)
		if len(o.Columns) > 1 {
			s = "(" + strings.Join(strings.Split(s, ", "), " + ") + ")"
		}
		if o.Duplicates == 0 {
			s += " unique"
		} else {
			s += " " + plural(o.Duplicates, "duplicate")
		}
		if o.Check {
			s += " (a date or free text: check before making it the key)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// compositeKey proposes a combination of columns as the key when no single column is one, and
// lists the candidates checked with their duplicate counts in the key note.
func (d *Draft) compositeKey(ctx context.Context, sc *scanned, td *TableDraft, sentinels []string) error {
	if len(td.Key) > 0 || td.Rows == 0 {
		return nil
	}
	opts, fit, err := compositeKeys(ctx, sc, td, keyMembers(td, sc), sentinels, keyBudget)
	if err != nil {
		return err
	}
	td.KeyOptions = opts
	var best *KeyOption
	for i, o := range opts {
		if o.Duplicates == 0 && !o.Check && len(o.Columns) > 1 {
			best = &opts[i]
			break
		}
	}
	if best == nil {
		switch {
		case !fit:
			td.KeyNote += fmt.Sprintf("; %s are too many to check combinations of columns in memory", plural(td.Rows, "row"))
		case len(opts) > 0:
			td.KeyNote += "; candidates checked: " + describeOptions(opts, 0)
		}
		if len(td.freeUnique) > 0 {
			td.KeyNote += fmt.Sprintf("; %s %s unique but free text, not an identifier", quoteNames(td.freeUnique), isAre(len(td.freeUnique)))
		}
		return nil
	}
	td.Key = best.Columns
	for _, cd := range td.Columns {
		if slices.Contains(td.Key, cd.Name) {
			cd.Required = true
		}
	}
	td.KeyNote = fmt.Sprintf("key: %s together are fully populated and unique (%s); no single column is", quoteNames(td.Key), plural(td.Rows, "row"))
	if rest := describeOptions(opts, 1); rest != "" {
		td.KeyNote += "; other candidates: " + rest
	}
	td.Modified = modifiedColumn(td)
	return nil
}
