package clean

import (
	"context"
	"fmt"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// The normaliser is the goroutine between the reader and the measurer (or the writer): it
// turns each staged row into its clean or quarantine row. On the reader's goroutine the
// normalising made the reader the pipeline's slow end on the event log (0.57 CPU-s against the
// writer's 0.34 and the measurer's 0.26), sharing a core with them; apart, the SQLite scan and
// the normalising each take about half of it. It takes the tables in contract order, and the
// rows in the order read, so each table's rows still reach the writer in their staged order. It
// alone uses the normaliser's memo (c.norm), the boxes (c.boxes) and the change log (c.changes)
// until the pipeline has stopped.

// normaliseAll normalises every batch from in and sends the rows on to out. A failure is sent
// on as a batch with err set, after which the rest of in is drained; it stops when ctx is done.
func (c *cleaner) normaliseAll(ctx context.Context, in <-chan *rawBatch, out chan<- *batch) {
	defer func() {
		for range in { // the reader stops once ctx is done or it has sent everything
		}
	}()
	send := sender(ctx, out)
	for _, t := range c.o.Spec.Tables {
		if err := c.normaliseTable(t, in, send); err != nil {
			if err != errStopped {
				send(&batch{err: err})
			}
			return
		}
	}
}

// errStopped: the reader stopped early or the writer went away (ctx is done, which the writer
// sees); nothing more is sent.
var errStopped = fmt.Errorf("clean: stopped")

// normaliseTable normalises one table's staged rows from in, sending its clean rows in batches.
func (c *cleaner) normaliseTable(t *contract.Table, in <-chan *rawBatch, send func(*batch) bool) error {
	var (
		clean       = make([]values.Result, len(t.Columns))
		derivedFrom = make([]int, len(t.Derived))
		counts      = newChangeCounts(t)
		size        int
		b           = c.newBatch()
	)
	for i, d := range t.Derived {
		derivedFrom[i] = t.ColumnIndex(d.From)
	}
	for end := false; !end; {
		rb, ok := <-in
		if !ok {
			return errStopped
		}
		if rb.err != nil {
			return rb.err
		}
		for i := range rb.rows {
			r := &rb.rows[i]
			if err := c.normaliseRow(t, r, clean, derivedFrom, counts, b); err != nil {
				return fmt.Errorf("clean %s: %w", t.Name, err)
			}
			for _, v := range r.raw {
				size += len(v)
			}
			if len(b.rows) == batchRows || size >= batchBytes {
				if !send(b) {
					return errStopped
				}
				b, size = c.newBatch(), 0
			}
		}
		end = rb.end
		select {
		case c.rawFree <- rb: // back to the reader, which reuses it
		default:
		}
	}
	counts.into(c.changes, t)
	b.end = true
	if !send(b) {
		return errStopped
	}
	return nil
}

// normaliseRow appends the clean or quarantine row of r to b.
func (c *cleaner) normaliseRow(t *contract.Table, r *stagedRow, clean []values.Result, derivedFrom []int, counts *changeCounts, b *batch) error {
	file := c.files[r.fileID]
	failed, rule, reason, err := c.normalizeRow(t, r.raw, clean)
	if err != nil {
		return err
	}
	var cr cleanRow
	var reuse []any // the vals of the row this one replaces in a recycled batch
	if k := len(b.rows); k < cap(b.rows) {
		reuse = b.rows[:k+1][k].vals
	}
	if failed >= 0 {
		col := t.Columns[failed]
		cr = cleanRow{rule: rule, quar: []any{t.Name, file, r.row, r.line, col.Name, rule, contract.Critical,
			r.raw[failed], fmt.Sprintf("%s: %s", col.Name, reason), recordJSON(t, r.raw, r.extra)}}
	} else {
		cr = c.cleanValues(t, clean, derivedFrom, counts, reuse, file, r.fileID, r.row, r.line, r.raw)
	}
	b.rows = append(b.rows, cr)
	return nil
}
