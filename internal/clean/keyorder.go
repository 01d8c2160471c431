package clean

import (
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
)

// Many exports come sorted by their natural key (an event log by incident and modification
// count). When every clean row's key is greater than the one inserted before it, no two rows
// share a key and the dedupe has nothing to find: its grouping, a sort of the whole table on
// the writer's connection after the last row (0.12 s of the event log's clean stage, with the
// reader done and one core idle), is skipped. The check is one comparison per row and holds
// one row's key; any row it cannot compare exactly as the store's GROUP BY would (a NULL, an
// INTEGER column's value that is not a canonical integer) turns it off, and with it the skip.

// keyOrder watches a keyed table's clean rows, in insertion order, for strictly increasing keys.
// The key is held in typed slices, not in interfaces: boxing an int64 or a string allocates,
// twice a row.
type keyOrder struct {
	cols    []int  // the key columns' indexes in cleanRow.vals
	integer []bool // by key column: INTEGER affinity (compared as the int64 the store holds)
	prevN   []int64
	prevS   []string // the last row's key: prevN[j] for an INTEGER column, prevS[j] otherwise
	nextN   []int64
	nextS   []string // the row being compared
	rows    int
	sorted  bool // every row so far had a greater key than the one before
}

// newKeyOrder watches t's key; nil when t has none or a key column is not a contracted column.
func newKeyOrder(t *contract.Table) *keyOrder {
	if len(t.Key) == 0 {
		return nil
	}
	n := len(t.Key)
	k := &keyOrder{sorted: true, prevN: make([]int64, n), prevS: make([]string, n), nextN: make([]int64, n), nextS: make([]string, n)}
	for _, name := range t.Key {
		i := t.ColumnIndex(name)
		if i < 0 {
			return nil
		}
		k.cols = append(k.cols, 3+i)
		k.integer = append(k.integer, sqliteType(t.Columns[i].Type) == "INTEGER")
	}
	return k
}

// add takes the next clean row as inserted (cleanRow.vals).
func (k *keyOrder) add(vals []any) {
	if k == nil || !k.sorted {
		return
	}
	for j, i := range k.cols {
		s, ok := vals[i].(string)
		if !ok { // NULL: the GROUP BY puts NULLs together
			k.sorted = false
			return
		}
		if !k.integer[j] {
			k.nextS[j] = s
			continue
		}
		n, ok := canonicalInt64(s)
		if !ok { // INTEGER affinity may store it as another value ("1.0" as 1)
			k.sorted = false
			return
		}
		k.nextN[j] = n
	}
	if k.rows > 0 && k.compare() >= 0 {
		k.sorted = false
		return
	}
	k.rows++
	k.prevN, k.nextN = k.nextN, k.prevN
	k.prevS, k.nextS = k.nextS, k.prevS
}

// unique reports whether no two rows added share a key.
func (k *keyOrder) unique() bool { return k != nil && k.sorted }

// compare orders the last key and the next one column by column: integers by value, text by
// bytes (SQLite's BINARY collation, which the clean tables' columns have).
func (k *keyOrder) compare() int {
	for j, integer := range k.integer {
		if integer {
			if a, b := k.prevN[j], k.nextN[j]; a != b {
				if a < b {
					return -1
				}
				return 1
			}
			continue
		}
		if c := strings.Compare(k.prevS[j], k.nextS[j]); c != 0 {
			return c
		}
	}
	return 0
}
