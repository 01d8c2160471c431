package clean

import (
	"context"
	"fmt"

	"github.com/sdetl/sdetl/internal/contract"
)

// The measurer is the goroutine between the normaliser and the writer (Options
// ScoreAt, Measure): it feeds every clean row to its table's score accumulator and
// reconciliation measures, which on the reader's goroutine made the reader the pipeline's slow
// end while the writer waited for rows. It takes the tables in contract order and passes each
// batch on unchanged once measured, so the writer still gets every table's rows in order, and
// the measures of a table are complete when its last batch reaches the writer's dedupe.

// measureAll measures every batch from in and sends it on to out. A failure is sent on as a
// batch with err set, after which the rest of in is drained; it stops when ctx is done.
func (c *cleaner) measureAll(ctx context.Context, in <-chan *batch, out chan<- *batch) {
	defer func() {
		for range in { // the normaliser stops once ctx is done or it has sent everything
		}
	}()
	send := sender(ctx, out)
	for _, t := range c.o.Spec.Tables {
		canon := make([]string, len(t.Columns))
		for end := false; !end; {
			b, ok := <-in
			if !ok {
				return // the normaliser stopped early: ctx is done, which the writer sees
			}
			if b.err == nil {
				if err := c.measureBatch(t, b, canon); err != nil {
					b = &batch{err: fmt.Errorf("clean %s: %w", t.Name, err)}
				}
			}
			end = b.end // before the send: the writer then recycles b
			if !send(b) || b.err != nil {
				return
			}
		}
	}
}

// measureBatch feeds the clean rows of b (of table t) to the table's measures and score
// accumulator, as the store will return them; canon is scratch space for the score's row.
func (c *cleaner) measureBatch(t *contract.Table, b *batch, canon []string) error {
	acc, measure, keyed, ahead := c.scores[t.Name], c.measures[t.Name], c.keyed[t.Name], c.ahead.table(t.Name)
	if ahead != nil && ahead.parent != nil {
		ahead = nil // a following table is drawn by the writer
	}
	for i := range b.rows {
		r := &b.rows[i]
		if r.quar != nil {
			continue // the writer measures the quarantine as it inserts it
		}
		if ahead != nil {
			ahead.feed(r.vals)
		}
		if measure != nil {
			if err := measure.add(r.vals, c.files[r.vals[0].(int64)]); err != nil {
				return err
			}
		}
		if acc != nil {
			for i := range canon {
				canon[i] = scoreText(r.vals[3+i])
			}
			if err := acc.Add(canon); err != nil {
				return err
			}
			if keyed != nil {
				keyed.add(r.vals)
			}
		}
	}
	return nil
}
