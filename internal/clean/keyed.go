package clean

import (
	"context"
	"database/sql"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/quality"
)

// The score's key uniqueness of a clean table is known once the writer's dedupe has run: it
// keeps one row per natural key (PARTITION BY the key, which groups NULLs and compares values
// as the score's GROUP BY does), so no key is duplicated and the keyed rows are the kept rows
// whose key columns are all non-NULL. The measurer counts those as it feeds the score and the
// dedupe takes its losers back out, so the score does not group the finished table again
// (a sort of every row, on one core after the rows are written).

// keyCount counts one table's clean rows whose key columns are all non-NULL.
type keyCount struct {
	cols []int // the key columns' indexes in the table
	n    int64
}

func newKeyCount(t *contract.Table) *keyCount {
	k := &keyCount{}
	for _, name := range t.Key {
		k.cols = append(k.cols, t.ColumnIndex(name))
	}
	return k
}

// add counts a clean row as inserted (cleanRow.vals: lineage, then the columns; nil is NULL).
func (k *keyCount) add(vals []any) {
	for _, i := range k.cols {
		if vals[3+i] == nil {
			return
		}
	}
	k.n++
}

// remove takes back a row the dedupe deletes, read from the store (its contracted columns).
func (k *keyCount) remove(cols []sql.NullString) {
	for _, i := range k.cols {
		if !cols[i].Valid {
			return
		}
	}
	k.n--
}

// dedupedKeys is the clean store's score source with the key uniqueness of every deduped
// table answered from the writer's counts.
type dedupedKeys struct {
	quality.Source
	counts map[string]*keyCount
}

func (d dedupedKeys) Keys(ctx context.Context, s *contract.Spec, t *contract.Table) (*quality.KeyMetrics, error) {
	k := d.counts[t.Name]
	if k == nil {
		return d.Source.Keys(ctx, s, t)
	}
	return &quality.KeyMetrics{Keyed: k.n}, nil
}
