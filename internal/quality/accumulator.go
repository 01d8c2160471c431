package quality

import (
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

// Accumulator measures one table's rows as a stage writes them, so that the store's score
// needs no second pass over the table: feed it every row the store will hold, then hand it to
// ScoreFed (or CollectFed) by table name. Keys and orphans are set-level and are still computed
// by the Source in its SQL; everything else comes from the accumulator.
//
// The result equals Score's exactly when the rows fed are exactly the rows the Source's Rows
// would return, in the same order (the examples are the first ones found): for a SQLite store
// written by appending, its insertion order. A stage that deletes or replaces rows it fed must
// not use the accumulator for that table (score it with a pass instead).
//
// Rows are the contracted columns as text, in contract order, NULL as "" (raw text for the
// staging store, canonical text for the clean store). It is not safe for concurrent use.
type Accumulator struct {
	a   *accumulator
	now time.Time
}

// NewAccumulator starts measuring table t of contract s. now fixes the plausible date window
// and must be the now later given to ScoreFed.
func NewAccumulator(s *contract.Spec, t *contract.Table, now time.Time) *Accumulator {
	return &Accumulator{a: newAccumulator(s, t, now), now: now}
}

// Add measures one row. It does not keep row.
func (a *Accumulator) Add(row []string) error { return a.a.add(row) }

// Rows is the number of rows measured.
func (a *Accumulator) Rows() int64 { return a.a.rows }
