package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/reconcile"
)

// verifyGeneration reconciles the committed generation with the clean store's measures (want;
// before: taken before the load, not by its COPY) on conn and, with o.BeforeSwap, scores it on
// connections of its own (scoreOn). The score's scan of each
// table also takes that table's measures (streamedMeasures), so one server scan answers both; the
// quarantine, which the score does not read, is measured in SQL on conn meanwhile, and so is any
// table the score did not read to its end (it failed, or never asked). Both must pass; when both
// fail, the reconciliation's error is returned, as when they ran one after the other. It returns
// the generation's measures and each side's seconds. stats (copyAll's) waits for tables'
// statistics: the score's key and orphan queries wait for their tables' (scoreOn), the
// reads and the reconciliation's aggregates, whose plans do not depend on them, do not.
func verifyGeneration(ctx context.Context, o LoadOptions, conn *pgx.Conn, gen string, want *reconcile.Measures, before bool, stats func(ctx context.Context, tables ...string) error) (got *reconcile.Measures, reconciling, scoring time.Duration, err error) {
	h := o.Health.For("reconcile", o.ping)
	began := time.Now()
	if o.BeforeSwap == nil {
		if got, err = measureGeneration(ctx, conn, o.Spec, gen, h); err != nil {
			err = fmt.Errorf("reconcile: %w", err)
		} else if diffs := reconcile.Compare(want, got); len(diffs) > 0 {
			err = reconcileErr(gen, diffs, before)
		}
		return got, time.Since(began), 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var scoreErr error
	streamed := newStreamedMeasures()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		began := time.Now()
		scoreErr = scoreOn(ctx, o, gen, streamed, stats)
		scoring = time.Since(began)
	}()
	if err = h.Now(); err == nil {
		got, err = measureQuarantine(ctx, conn, gen)
	}
	if err != nil {
		err = fmt.Errorf("reconcile: %w", err)
	} else if diffs := reconcile.Compare(onlyTable(want, QuarantineTable), got); len(diffs) > 0 {
		err = reconcileErr(gen, diffs, before) // without waiting for the score's scan
	}
	reconciling = time.Since(began)
	if err != nil {
		cancel() // the score cannot save the load now
	}
	wg.Wait()
	if err == nil {
		began = time.Now()
		if err = measureTables(ctx, conn, o.Spec, gen, h, streamed, got); err != nil {
			err = fmt.Errorf("reconcile: %w", err)
		} else if diffs := reconcile.Compare(want, got); len(diffs) > 0 {
			err = reconcileErr(gen, diffs, before)
		}
		reconciling += time.Since(began)
	}
	if err == nil {
		err = scoreErr
	}
	return got, reconciling, scoring, err
}

// onlyTable is m with table alone, to compare one table's measures early.
func onlyTable(m *reconcile.Measures, table string) *reconcile.Measures {
	out := &reconcile.Measures{Tables: map[string]*reconcile.Table{}}
	if t, ok := m.Tables[table]; ok {
		out.Tables[table] = t
	}
	return out
}

// scoreOn runs o.BeforeSwap on gen through connections of its own, in the session the
// reconciliation sets (its date style): its reading of each table's rows, taking that table's
// measures, on two (a large table in a part on each), and its key and orphan queries answered
// from a third (prefetchSource), beside the reads, the keys off the natural-key unique index
// (indexedKeys), each once its tables' statistics are in (stats), so that its plans are those
// of analyzed tables.
func scoreOn(ctx context.Context, o LoadOptions, gen string, measures *streamedMeasures, stats func(ctx context.Context, tables ...string) error) error {
	var conns [3]*pgx.Conn
	for i := range conns {
		conn, err := Connect(ctx, o.DSN)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, dateStyle); err != nil {
			return err
		}
		conns[i] = conn
	}
	keys := &indexedKeys{Source: isoQualitySource(conns[2], gen), conn: conns[2], schema: gen}
	src, stop := prefetch(ctx, measuringQualitySource(conns[0], gen, measures, conns[1]), keys, o.Spec, stats)
	defer stop()
	return o.BeforeSwap(ctx, src)
}
