package clean

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
)

// The canary's sample drawn as the cleaner writes the store (Options.Sample): DrawSample reads
// every page of the sampled tables back (their key and strata columns sit behind long texts),
// while the cleaner already holds every clean row with the values it binds. Each row is fed
// with the rowid its INSERT gets (the tables start empty and are only appended to before the
// dedupe, so the n-th clean row inserted is rowid n; the writer checks max(rowid)), and the
// text the store returns for each value (measured.go's reasoning: a string in a TEXT column
// and a canonical integer in an INTEGER one read back as themselves; anything else, which the
// normaliser does not produce, switches the sample off and the canary draws it from the store).
// The rows the dedupe deletes are taken out before each table's pick, so the sample is
// DrawSample's on the finished store: the same rowids, Rows and Strata.
//
// Stratified tables are fed by the measurer (the writer is the clean's slowest goroutine): one
// (rank, rowid) per row, by stratum, as DrawSample holds, plus the key's text when another table
// follows this one. A table that follows another is fed by the writer, which writes the tables
// in contract order, so the followed table is picked (after its dedupe) before the follower's
// first row: a row is taken when its column holds a sampled key, and nothing else is kept.

// sampleAhead is the sample being drawn as the store is written.
type sampleAhead struct {
	sm     *Sample
	seeded uint64
	tables map[string]*aheadTable
	off    error // why the sample cannot be known as written (nil while it can)
}

// aheadTable is one table's part of the sample as it is drawn.
type aheadTable struct {
	t        *contract.Table
	rank     []int // value indexes (cleanRow.vals) of the rank's columns: the key, or every column
	strata   []aheadStratum
	parent   *aheadTable // the table this one follows (nil: stratified)
	followAt int         // the follow column's value index
	keyAt    int         // the key's value index when another table follows this one, else -1
	integer  []bool      // by value index: INTEGER affinity
	seeded   uint64      // where every rank starts (Sample.seeded)
	unsure   error       // a value whose read-back text is not known (set by the feeding goroutine)

	// stratified (the measurer's until the table's last batch)
	n         int64 // rows fed: the next row's rowid is n+1
	stratumOf map[string]int
	groups    [][]ranked
	sk        []byte
	keyText   []byte // when followed: every row's key text, one after another
	keyEnds   []int  // by rowid-1: where its key text ends in keyText; ^end for a NULL

	// following (the writer's)
	picked    []int64
	pickedKey map[int64]string // when followed: the picked rows' non-NULL key texts

	// picked (the writer's, once the table is written)
	done   bool
	ids    []int64
	nStrat int
	keys   map[string]struct{} // when followed: the sampled rows' non-NULL keys
}

type aheadStratum struct {
	at    int  // value index
	month bool // substr(v, 1, 7)
}

// newSampleAhead prepares the sample of s's tables for seed. It is off from the start when a
// follow column's affinity differs from its key's (SQLite's IN then converts one of them).
func newSampleAhead(s *contract.Spec, seed uint64) *sampleAhead {
	a := &sampleAhead{sm: &Sample{Seed: seed, Share: s.Canary.Share, Tables: map[string][]int64{}, Rows: map[string]int{}, Strata: map[string]int{}},
		tables: map[string]*aheadTable{}}
	a.seeded = a.sm.seeded()
	followed := map[string]bool{}
	for _, t := range s.Tables {
		if t.Sample != nil && t.Sample.Follow != nil {
			followed[t.Sample.Follow.Table] = true
		}
	}
	for _, t := range s.Tables {
		at := &aheadTable{t: t, keyAt: -1, integer: make([]bool, 3+len(t.Columns)), seeded: a.seeded}
		for i, c := range t.Columns {
			at.integer[3+i] = sqliteType(c.Type) == "INTEGER"
		}
		if followed[t.Name] {
			at.keyAt = 3 + t.ColumnIndex(t.Key[0]) // contract.Validate: a one-column key
		}
		if t.Sample != nil && t.Sample.Follow != nil {
			f := t.Sample.Follow
			at.parent, at.followAt = a.tables[f.Table], 3+t.ColumnIndex(f.Column) // declared before t
			if at.parent == nil {
				a.off = fmt.Errorf("%s follows %s, not declared before it", t.Name, f.Table)
			} else if p := at.parent; at.integer[at.followAt] != p.integer[p.keyAt] {
				a.off = fmt.Errorf("%s.%s and %s's key differ in affinity", t.Name, f.Column, f.Table)
			}
			if at.keyAt >= 0 {
				at.pickedKey = map[int64]string{}
			}
		} else {
			at.stratumOf = map[string]int{}
			if len(t.Key) > 0 {
				for _, k := range t.Key {
					at.rank = append(at.rank, 3+t.ColumnIndex(k))
				}
			} else { // no natural key: the whole row identifies it
				for i := range t.Columns {
					at.rank = append(at.rank, 3+i)
				}
			}
			if t.Sample != nil {
				for _, st := range t.Sample.Strata {
					at.strata = append(at.strata, aheadStratum{at: 3 + t.ColumnIndex(st.Column), month: st.By == "month"})
				}
			}
		}
		a.tables[t.Name] = at
	}
	return a
}

// table is t's part of the sample (nil when a is nil).
func (a *sampleAhead) table(name string) *aheadTable {
	if a == nil {
		return nil
	}
	return a.tables[name]
}

// text is value i of vals as the store returns it: ok false for NULL; unsure set when the
// store may return it spelled otherwise.
func (at *aheadTable) text(vals []any, i int) (v string, ok bool) {
	switch x := vals[i].(type) {
	case nil:
		return "", false
	case string:
		if at.integer[i] && !canonicalInt(x) && at.unsure == nil {
			at.unsure = fmt.Errorf("%s: %q in an INTEGER column", at.t.Name, x)
		}
		return x, true
	default:
		if at.unsure == nil {
			at.unsure = fmt.Errorf("%s: a %T value", at.t.Name, x)
		}
		return fmt.Sprint(x), true
	}
}

// feed takes a clean row of a stratified table, as inserted, in insertion order (the measurer).
func (at *aheadTable) feed(vals []any) {
	at.n++
	at.sk = at.sk[:0]
	for _, st := range at.strata {
		v, ok := at.text(vals, st.at)
		if ok && st.month {
			v = sqliteMonth(v)
		}
		at.sk = appendRaw(at.sk, !ok, v)
	}
	id, ok := at.stratumOf[string(at.sk)]
	if !ok {
		id = len(at.stratumOf)
		at.stratumOf[string(at.sk)] = id
		at.groups = append(at.groups, nil)
	}
	x := at.seeded
	for _, i := range at.rank {
		v, ok := at.text(vals, i)
		x = rankAdd(x, !ok, v)
	}
	at.groups[id] = append(at.groups[id], ranked{rank: rankMix(x), rowid: at.n})
	if at.keyAt >= 0 {
		end := len(at.keyText)
		if v, ok := at.text(vals, at.keyAt); ok {
			at.keyText = append(at.keyText, v...)
			end = len(at.keyText)
		} else {
			end = ^end
		}
		at.keyEnds = append(at.keyEnds, end)
	}
}

// sqliteMonth is SQLite's substr(v, 1, 7) of the text v: its first 7 characters as SQLite
// counts them (a byte below 0x80 is one; any other byte with the continuation bytes after it is
// one), ending at a NUL.
func sqliteMonth(v string) string {
	i := 0
	for n := 0; n < 7 && i < len(v) && v[i] != 0; n++ {
		b := v[i]
		i++
		if b >= 0x80 {
			for i < len(v) && v[i]&0xc0 == 0x80 {
				i++
			}
		}
	}
	return v[:i]
}

// wrote takes a clean row of a following table as the writer inserts it, as rowid.
func (at *aheadTable) wrote(vals []any, rowid int64) {
	p := at.parent
	if !p.done {
		if at.unsure == nil {
			at.unsure = fmt.Errorf("%s is written before %s, which it follows", at.t.Name, p.t.Name)
		}
		return
	}
	v, ok := at.text(vals, at.followAt)
	if !ok {
		return // NULL is in no IN list
	}
	if _, in := p.keys[v]; !in {
		return
	}
	at.picked = append(at.picked, rowid)
	if at.keyAt >= 0 {
		if k, ok := at.text(vals, at.keyAt); ok {
			at.pickedKey[rowid] = strings.Clone(k) // k shares the staged row's memory
		}
	}
}

// finish picks the table's sample once it is written and deduped: written is its clean rows
// inserted (max(rowid) before the dedupe), lost the rowids the dedupe deleted.
func (a *sampleAhead) finish(at *aheadTable, written int64, lost map[int64]bool) {
	defer func() { at.groups, at.stratumOf, at.keyText, at.keyEnds, at.pickedKey = nil, nil, nil, nil, nil }()
	if a.off != nil {
		return
	}
	if at.unsure != nil {
		a.off = at.unsure
		return
	}
	if at.parent == nil {
		if at.n != written {
			a.off = fmt.Errorf("%s: %d rows fed, %d written", at.t.Name, at.n, written)
			return
		}
		for i, g := range at.groups {
			at.groups[i] = slices.DeleteFunc(g, func(r ranked) bool { return lost[r.rowid] })
			if len(at.groups[i]) > 0 {
				at.nStrat++
			}
		}
		at.ids = a.sm.pick(at.groups) // as DrawSample picks
	} else {
		at.ids = slices.DeleteFunc(at.picked, func(id int64) bool { return lost[id] })
	}
	slices.Sort(at.ids)
	if len(at.ids) == 0 {
		at.ids = nil // as DrawSample leaves a table with no sampled row
	}
	if at.keyAt >= 0 {
		at.keys = make(map[string]struct{}, len(at.ids))
		for _, id := range at.ids {
			if at.parent != nil {
				if k, ok := at.pickedKey[id]; ok {
					at.keys[k] = struct{}{}
				}
				continue
			}
			if end := at.keyEnds[id-1]; end >= 0 {
				start := 0
				if id > 1 {
					if start = at.keyEnds[id-2]; start < 0 {
						start = ^start
					}
				}
				at.keys[string(at.keyText[start:end])] = struct{}{}
			}
		}
	}
	at.done = true
	a.sm.Tables[at.t.Name], a.sm.Rows[at.t.Name], a.sm.Strata[at.t.Name] = at.ids, len(at.ids), at.nStrat
}

// result is the sample, once every table is picked; nil when it could not be known as written.
func (a *sampleAhead) result() *Sample {
	if a == nil || a.off != nil {
		return nil
	}
	for _, at := range a.tables {
		if !at.done {
			return nil
		}
	}
	return a.sm
}

// writtenRows is the table's max(rowid) before its dedupe: the clean rows inserted.
func writtenRows(ctx context.Context, tx querier, t *contract.Table) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, "SELECT coalesce(max(rowid), 0) FROM "+store.Quote(t.Name)).Scan(&n)
	return n, err
}

// loserIDs are the rowids the dedupe is about to delete (temp.losers).
func loserIDs(ctx context.Context, tx querier) (map[int64]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT rid FROM temp.losers`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	lost := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		lost[id] = true
	}
	return lost, rows.Err()
}
