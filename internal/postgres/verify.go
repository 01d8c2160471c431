package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/reconcile"
)

// verifyGeneration reconciles the committed generation with the clean store's measures (want)
// on conn and, with o.BeforeSwap, scores it on a second connection at the same time: both only
// read it, and the measures keep the server busy while the score's accumulators keep the
// client busy. The score's scan of each table also takes its row hash (streamHashes), so the
// reconciliation's SQL measures the rest; a hash the score did not take is computed in SQL.
// Both must pass; when both fail, the reconciliation's error is returned, as when they ran one
// after the other. It returns the generation's measures and each side's seconds.
func verifyGeneration(ctx context.Context, o LoadOptions, conn *pgx.Conn, gen string, want *reconcile.Measures) (got *reconcile.Measures, reconciling, scoring time.Duration, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var scoreErr error
	var hashes *streamHashes
	var wg sync.WaitGroup
	if o.BeforeSwap != nil {
		hashes = &streamHashes{tables: map[string]streamHash{}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			began := time.Now()
			scoreErr = scoreOn(ctx, o, gen, hashes)
			scoring = time.Since(began)
		}()
	}
	began := time.Now()
	h := o.Health.For("reconcile", o.ping)
	got, err = measureAll(ctx, conn, o.Spec, gen, h, hashes == nil)
	if err != nil {
		err = fmt.Errorf("reconcile: %w", err)
	} else if diffs := reconcile.Compare(want, assumeHashes(want, got)); len(diffs) > 0 {
		err = reconcileErr(gen, diffs) // every other measure, without waiting for the hashes
	}
	reconciling = time.Since(began)
	if err != nil {
		cancel() // the score cannot save the load now
	}
	wg.Wait()
	if err == nil && hashes != nil {
		began = time.Now()
		if err = takeHashes(ctx, conn, o.Spec, gen, h, hashes, got); err != nil {
			err = fmt.Errorf("reconcile: %w", err)
		} else if diffs := reconcile.Compare(want, got); len(diffs) > 0 {
			err = reconcileErr(gen, diffs)
		}
		reconciling += time.Since(began)
	}
	if err == nil {
		err = scoreErr
	}
	return got, reconciling, scoring, err
}

// assumeHashes is got with each row hash not yet taken ("") as want's, to compare the other
// measures early; the full comparison follows once the hashes are in.
func assumeHashes(want, got *reconcile.Measures) *reconcile.Measures {
	m := &reconcile.Measures{Tables: map[string]*reconcile.Table{}}
	for name, t := range got.Tables {
		if w, ok := want.Tables[name]; ok && t.Hash == "" {
			c := *t
			c.Hash = w.Hash
			t = &c
		}
		m.Tables[name] = t
	}
	return m
}

// takeHashes fills in each contract table's row hash: the one the score's scan took, or, for a
// table it did not read to its end (it failed, or never asked), one computed in SQL. The scan
// must have seen the rows the reconciliation counted.
func takeHashes(ctx context.Context, conn *pgx.Conn, s *contract.Spec, gen string, h *health.Checker, hashes *streamHashes, got *reconcile.Measures) error {
	for _, t := range s.Tables {
		mt := got.Tables[t.Name]
		sh, ok := hashes.get(t.Name)
		if !ok {
			if err := h.Now(); err != nil {
				return err
			}
			names, types := measuredColumns(t)
			rows, hash, err := measureHash(ctx, conn, gen, t.Name, names, types)
			if err != nil {
				return fmt.Errorf("measure %s.%s: %w", gen, t.Name, err)
			}
			sh = streamHash{rows: rows, hash: hash}
		}
		if sh.rows != mt.Rows {
			return fmt.Errorf("%w: generation %s changed while it was verified: %s has %d rows in one scan, %d in another; live is unchanged",
				outcome.ErrReconcile, gen, t.Name, sh.rows, mt.Rows)
		}
		mt.Hash = sh.hash
	}
	return nil
}

// scoreOn runs o.BeforeSwap on gen through a connection of its own, in the session the
// reconciliation sets (its date style), its reading of each table's rows taking the row hashes
// and its key and orphan queries answered from a second connection (prefetchSource).
func scoreOn(ctx context.Context, o LoadOptions, gen string, hashes *streamHashes) error {
	conn, err := Connect(ctx, o.DSN)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, dateStyle); err != nil {
		return err
	}
	// The key and orphan queries on a second connection, while this one streams the rows.
	other, err := Connect(ctx, o.DSN)
	if err != nil {
		return err
	}
	defer other.Close(context.Background())
	if _, err := other.Exec(ctx, dateStyle); err != nil {
		return err
	}
	src, stop := prefetch(ctx, hashingQualitySource(conn, gen, hashes), isoQualitySource(other, gen), o.Spec)
	defer stop()
	return o.BeforeSwap(ctx, src)
}
