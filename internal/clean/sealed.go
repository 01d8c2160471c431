package clean

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/sdetl/sdetl/internal/quality"
	rc "github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/store"
)

// Once the last row is written the clean store is closed, and what is still asked of it runs
// on read-only connections of its own, two queries at a time, while its pages go to disk: the
// reconciliation's counts, the score's orphan queries and the measures of a table not known
// exactly as written. Each is SQL over a whole table on one core; on the writer's connection
// they ran one after another with the second core idle. The store is renamed into place only
// after all of them have passed, and its results are reported in the order they were asked.

// sealedChecks are the results of the checks on the closed store.
type sealedChecks struct {
	reconciled []error // by Report.Tables index
	score      *quality.Report
	scoreErr   error
	measured   map[string]store.Result[*rc.Table] // the tables measured from the store
}

// checkSealed runs the checks on the closed clean store at path (the staging store is src).
func (c *cleaner) checkSealed(ctx context.Context, path string, tables []*TableResult) (*sealedChecks, error) {
	sc := &sealedChecks{reconciled: make([]error, len(tables)), measured: map[string]store.Result[*rc.Table]{}}
	var mu sync.Mutex
	var jobs []func(db *sql.DB)
	if c.scores != nil { // the longest first: the rows and keys were measured as written, the orphans are asked
		jobs = append(jobs, func(db *sql.DB) {
			sc.score, sc.scoreErr = quality.ScoreFed(ctx, c.o.Spec, dedupedKeys{QualitySource(db), c.keyed}, c.o.ScoreAt, c.scores)
		})
	}
	for _, t := range c.o.Spec.Tables {
		if tm := c.measures[t.Name]; tm != nil && (tm.unsure || !tm.acc.Exact()) {
			jobs = append(jobs, func(db *sql.DB) {
				v, err := measureTable(ctx, db, t, nil)
				mu.Lock()
				sc.measured[t.Name] = store.Result[*rc.Table]{V: v, Err: err}
				mu.Unlock()
			})
		}
	}
	var grouped byTable
	jobs = append(jobs, func(db *sql.DB) { grouped = countByTable(ctx, c.src, db) })
	counts := make([]tableCounts, len(tables))
	for i, tr := range tables {
		jobs = append(jobs, func(db *sql.DB) { counts[i] = countTable(ctx, c.src, db, tr.Table) })
	}
	if err := store.ReadAtOnce(path, jobs); err != nil {
		return nil, fmt.Errorf("clean store: %w", err)
	}
	for i, tr := range tables {
		sc.reconciled[i] = reconcileTable(tr, counts[i], grouped)
	}
	return sc, nil
}

// reconcileErr is the first table that does not reconcile, in contract order.
func (sc *sealedChecks) reconcileErr() error {
	for _, err := range sc.reconciled {
		if err != nil {
			return err
		}
	}
	return nil
}
