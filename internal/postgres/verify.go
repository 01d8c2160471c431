package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/reconcile"
)

// verifyGeneration reconciles the committed generation with the clean store's measures (want)
// on conn and, with o.BeforeSwap, scores it on a second connection at the same time: both only
// read it, and the measures keep the server busy while the score's accumulators keep the
// client busy. Both must pass; when both fail, the reconciliation's error is returned, as when
// they ran one after the other. It returns the generation's measures and each side's seconds.
func verifyGeneration(ctx context.Context, o LoadOptions, conn *pgx.Conn, gen string, want *reconcile.Measures) (got *reconcile.Measures, reconciling, scoring time.Duration, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var scoreErr error
	var wg sync.WaitGroup
	if o.BeforeSwap != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			began := time.Now()
			scoreErr = scoreOn(ctx, o, gen)
			scoring = time.Since(began)
		}()
	}
	began := time.Now()
	got, err = measureGeneration(ctx, conn, o.Spec, gen, o.Health.For("reconcile", o.ping))
	if err != nil {
		err = fmt.Errorf("reconcile: %w", err)
	} else if diffs := reconcile.Compare(want, got); len(diffs) > 0 {
		err = reconcileErr(gen, diffs)
	}
	reconciling = time.Since(began)
	if err != nil {
		cancel() // the score cannot save the load now
	}
	wg.Wait()
	if err == nil {
		err = scoreErr
	}
	return got, reconciling, scoring, err
}

// scoreOn runs o.BeforeSwap on gen through a connection of its own, in the session the
// reconciliation sets (its date style).
func scoreOn(ctx context.Context, o LoadOptions, gen string) error {
	conn, err := Connect(ctx, o.DSN)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, dateStyle); err != nil {
		return err
	}
	return o.BeforeSwap(ctx, QualitySource(conn, gen))
}
