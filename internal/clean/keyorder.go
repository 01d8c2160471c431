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
type keyOrder struct {
	cols    []int  // the key columns' indexes in cleanRow.vals
	integer []bool // by key column: INTEGER affinity (compared as the int64 the store holds)
	prev    []any  // the last row's key: int64 or string
	next    []any  // scratch for the row being compared
	rows    int
	sorted  bool // every row so far had a greater key than the one before
}

// newKeyOrder watches t's key; nil when t has none or a key column is not a contracted column.
func newKeyOrder(t *contract.Table) *keyOrder {
	if len(t.Key) == 0 {
		return nil
	}
	k := &keyOrder{sorted: true, prev: make([]any, len(t.Key)), next: make([]any, len(t.Key))}
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
		k.next[j] = s
		if k.integer[j] {
			n, ok := canonicalInt64(s)
			if !ok { // INTEGER affinity may store it as another value ("1.0" as 1)
				k.sorted = false
				return
			}
			k.next[j] = n
		}
	}
	if k.rows > 0 && compareKeys(k.prev, k.next) >= 0 {
		k.sorted = false
		return
	}
	k.rows++
	k.prev, k.next = k.next, k.prev
}

// unique reports whether no two rows added share a key.
func (k *keyOrder) unique() bool { return k != nil && k.sorted }

// compareKeys orders two keys column by column: integers by value, text by bytes (SQLite's
// BINARY collation, which the clean tables' columns have). A column holds one kind only.
func compareKeys(a, b []any) int {
	for i := range a {
		var c int
		switch x := a[i].(type) {
		case int64:
			y := b[i].(int64)
			switch {
			case x < y:
				c = -1
			case x > y:
				c = 1
			}
		case string:
			c = strings.Compare(x, b[i].(string))
		}
		if c != 0 {
			return c
		}
	}
	return 0
}
