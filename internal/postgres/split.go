package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/store"
)

// Parts: the load's workers start whole tables in the contract's order; a worker left with no
// table to start takes over the second half of what another is still copying (by the clean
// store's rowid), when what is left would take long enough to pay for a second COPY. So a load
// of one big table keeps every connection busy, and a load of several splits only the tail of
// the last. Parts copy into the same table of the generation, each COPY committing on its own
// as whole tables do (the generation is not live: any failure drops it, live untouched), and
// each measures its rows in an accumulator of its own, merged in rowid order once the table's
// last part has ended, which Merge makes exactly the measures of one pass. The table's count
// check, indexes and ANALYZE run once then, on the connection that copied its last part.

var (
	// splitMinLeft is how long a part's rest must be expected to take for a free worker to
	// take half of it: each half then still outweighs starting a COPY (a few ms) many times.
	splitMinLeft = 150 * time.Millisecond
	// splitMinRows is the fewest rowids each half must have.
	splitMinRows int64 = 4096
	// splitMinSeen is how long a part must have run for its rate to say how long its rest
	// takes (its first rows pay for the query's start).
	splitMinSeen = 20 * time.Millisecond
	// splitParts is how many parts each table starts in (tests; 1 in production: a table
	// splits only when a worker is free).
	splitParts = 1
)

// claimRows is how many rowids a part claims at a time, so that its check per row takes a
// lock only once per claim (a variable for the tests' small tables).
var claimRows int64 = 1024

// loadTable is one table of the load (t nil: the quarantine) and its parts.
type loadTable struct {
	i      int
	t      *contract.Table
	name   string
	parts  []*loadPart // in rowid order
	open   int         // parts not yet ended
	failed bool
	began  time.Time    // its first part's start
	rows   atomic.Int64 // rows copied so far, by every part: its progress
}

// loadPart is one contiguous rowid range of a table, copied by one COPY.
type loadPart struct {
	tab *loadTable
	lo  int64
	// hi is the last rowid the part copies; a worker taking over its rest lowers it. Both hi
	// and claimed change under loadPlan.mu only.
	hi int64
	// claimed: the rowids up to here are the part's for sure (its copier reads it without the
	// lock; only it writes it).
	claimed int64
	at      atomic.Int64 // the rowid last copied
	began   time.Time
	acc     *reconcile.TableAcc
	n       int64 // rows copied, once ended
}

// loadPlan hands the workers their parts.
type loadPlan struct {
	mu      sync.Mutex
	queue   []*loadPart // not yet started
	running []*loadPart
	newAcc  func(*loadTable) *reconcile.TableAcc
}

// newLoadPlan makes one part per table (splitParts in tests) of its rowids in src.
func newLoadPlan(ctx context.Context, src *sql.DB, tabs []*loadTable, newAcc func(*loadTable) *reconcile.TableAcc) (*loadPlan, error) {
	pl := &loadPlan{newAcc: newAcc}
	for _, tab := range tabs {
		var lo, hi sql.NullInt64
		if err := src.QueryRowContext(ctx, "SELECT min(rowid), max(rowid) FROM "+store.Quote(tab.name)).Scan(&lo, &hi); err != nil {
			return nil, fmt.Errorf("rowids of clean %s: %w", tab.name, err)
		}
		if !lo.Valid { // empty: one part copies nothing, so the table is still finished
			lo.Int64, hi.Int64 = 1, 0
		}
		pl.add(tab, lo.Int64, hi.Int64)
	}
	return pl, nil
}

// add queues tab's rowids lo to hi, in splitParts parts.
func (pl *loadPlan) add(tab *loadTable, lo, hi int64) {
	k := int64(max(splitParts, 1))
	size := max((hi-lo+1+k-1)/k, 1)
	for from := lo; from <= hi || len(tab.parts) == 0; from += size {
		p := &loadPart{tab: tab, lo: from, hi: min(from+size-1, hi), claimed: from - 1, acc: pl.newAcc(tab)}
		p.at.Store(from - 1)
		tab.parts = append(tab.parts, p)
	}
	tab.open = len(tab.parts)
	pl.queue = append(pl.queue, tab.parts...)
}

// next is the part a free worker copies: a table not started yet, else the second half of
// what is left of a running part, when that pays; nil when no part is left or will be (ctx
// done, or every part running is near its end).
func (pl *loadPlan) next(ctx context.Context) *loadPart {
	for ctx.Err() == nil {
		pl.mu.Lock()
		p := (*loadPart)(nil)
		if len(pl.queue) > 0 {
			p, pl.queue = pl.queue[0], pl.queue[1:]
		} else {
			p = pl.split(time.Now())
		}
		if p != nil {
			p.began = time.Now()
			if p.tab.began.IsZero() {
				p.tab.began = p.began
			}
			pl.running = append(pl.running, p)
		}
		idle := len(pl.running) == 0
		pl.mu.Unlock()
		if p != nil || idle {
			return p
		}
		// Too early to tell how long the running parts will take, or too little left: look
		// again soon, until they end.
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

// split takes over the second half of the rest of the running part expected to take longest,
// if that rest is expected to take splitMinLeft and has twice splitMinRows rowids. pl.mu held.
func (pl *loadPlan) split(now time.Time) *loadPart {
	var best *loadPart
	var bestLeft time.Duration
	for _, p := range pl.running {
		done, left := p.at.Load()-p.lo+1, p.hi-p.claimed
		elapsed := now.Sub(p.began)
		if done <= 0 || elapsed < splitMinSeen || left < 2*splitMinRows {
			continue
		}
		if est := time.Duration(float64(elapsed) * float64(left) / float64(done)); best == nil || est > bestLeft {
			best, bestLeft = p, est
		}
	}
	if best == nil || bestLeft < splitMinLeft {
		return nil
	}
	cut := best.claimed + (best.hi-best.claimed)/2
	q := &loadPart{tab: best.tab, lo: cut + 1, hi: best.hi, claimed: cut, acc: pl.newAcc(best.tab)}
	q.at.Store(cut)
	best.hi = cut
	tab := best.tab
	tab.parts = slices.Insert(tab.parts, slices.Index(tab.parts, best)+1, q)
	tab.open++
	return q
}

// own reports whether the row with rowid rid is still p's to copy, claiming it: false once
// another part has taken over the rows from there on (rowids come in order).
func (pl *loadPlan) own(p *loadPart) func(rid int64) bool {
	return func(rid int64) bool {
		if rid > p.claimed {
			pl.mu.Lock()
			ok := rid <= p.hi
			if ok {
				p.claimed = min(p.hi, rid+claimRows)
			}
			pl.mu.Unlock()
			if !ok {
				return false
			}
		}
		p.at.Store(rid)
		return true
	}
}

// end records a part's end (n rows copied, or err): it returns the part's table when that
// was its last part to end and every part succeeded, for the caller to finish.
func (pl *loadPlan) end(p *loadPart, n int64, err error) *loadTable {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	pl.running = slices.DeleteFunc(pl.running, func(r *loadPart) bool { return r == p })
	p.n = n
	tab := p.tab
	tab.open--
	tab.failed = tab.failed || err != nil
	if tab.open > 0 || tab.failed {
		return nil
	}
	return tab
}

// merged is a finished table's rows copied and measures: its parts', merged in rowid order
// (nil when the parts were not measured).
func (tab *loadTable) merged() (int64, *reconcile.TableAcc, error) {
	acc, n := tab.parts[0].acc, tab.parts[0].n
	for _, p := range tab.parts[1:] {
		if acc != nil {
			if err := acc.Merge(p.acc); err != nil {
				return 0, nil, err
			}
		}
		n += p.n
	}
	return n, acc, nil
}
