package postgres

import (
	"context"
	"sync"
)

// helpMin is the fewest queries for which a second connection is asked to help: with fewer,
// the first has usually taken them all before the second is in (connecting takes a few ms).
const helpMin = 4

// queueTaken, set only by tests, is called by each connection sharing some queries (0 the
// caller's own, 1 the second) with the index of the query it took, before running it; and by
// the second with -1 before it connects.
var queueTaken func(conn, i int)

// queue hands out the indexes 0..n-1 in order, each once, to the connections sharing n
// queries, until every one is taken or it is stopped.
type queue struct {
	mu      sync.Mutex
	next, n int
	stopped bool
}

func (q *queue) take(conn int) (int, bool) {
	q.mu.Lock()
	i, ok := q.next, !q.stopped && q.next < q.n
	if ok {
		q.next++
	}
	q.mu.Unlock()
	if ok && queueTaken != nil {
		queueTaken(conn, i)
	}
	return i, ok
}

// stop hands out no more.
func (q *queue) stop() {
	q.mu.Lock()
	q.stopped = true
	q.mu.Unlock()
}

// helped runs work(0, first) and, beside it, work(1, c) on a second connection c that join
// opens and readies (release closes it), so that two cores run the queries of a queue work
// takes from. The second only helps: when join fails, first does all the work. Joining is given
// up (its context cancelled) once first's work is done, since nothing is left to take; helped
// returns when both are done, so whatever first holds open for the second (a transaction whose
// snapshot it imports) is open while it joins.
func helped[C any](ctx context.Context, first C, join func(ctx context.Context) (c C, release func(), err error), work func(conn int, c C)) {
	jctx, giveUp := context.WithCancel(ctx)
	defer giveUp()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if queueTaken != nil {
			queueTaken(1, -1)
		}
		c, release, err := join(jctx)
		if err != nil {
			return
		}
		defer release()
		work(1, c)
	}()
	work(0, first)
	giveUp()
	wg.Wait()
}
