package profile

import (
	"fmt"
	"maps"
	"slices"
)

// SetMemoSlots sets the memo's entries per column (0: no memo) and returns the restore.
func SetMemoSlots(n int) (restore func()) {
	old := memoSlots
	memoSlots = n
	return func() { memoSlots = old }
}

// State prints every counter of every column of p (not only what a report shows), for
// comparisons: the memo, the contract and the normaliser are left out.
func State(p *Table) string {
	out := ""
	for _, c := range p.cols {
		x := *c
		x.col, x.norm, x.memo = nil, nil, nil
		n, exact := x.distinct.count()
		x.distinct = distinct{}
		var months []string
		for _, k := range slices.Sorted(maps.Keys(x.numbers.months)) {
			months = append(months, fmt.Sprintf("%d:%+v", k, *x.numbers.months[k]))
		}
		x.numbers.months = nil
		out += fmt.Sprintf("%s distinct=%d/%v months=%v %+v\n", c.col.Name, n, exact, months, x)
	}
	return out
}
