package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
)

// TestSwapRetries exercises the swap's retry with backoff: a transaction elsewhere holds a lock
// the swap needs (a COMMENT ON SCHEMA of the live schema, as any DDL on it would), so the first
// attempts time out. Released, the swap succeeds on a later attempt and says how many it took;
// never released, the run fails after its retries, live untouched, and the next run succeeds
// with no stray schema.
func TestSwapRetries(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	ctx := context.Background()
	s, first := genClean(t, 1)
	if _, err := genLoad(t, dsn, s, first, nil); err != nil {
		t.Fatal(err)
	}
	hold := func() (release func()) {
		t.Helper()
		c := connect(t, dsn)
		tx, err := c.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `COMMENT ON SCHEMA gen IS 'held by a test'`); err != nil {
			t.Fatal(err)
		}
		return func() { tx.Rollback(ctx) } // the comment is not kept
	}
	opts := func(o *postgres.LoadOptions) { o.LockTimeout, o.SwapRetries = 300*time.Millisecond, 4 }

	t.Run("released", func(t *testing.T) {
		_, next := genClean(t, 2)
		release := hold()
		res, err := genLoad(t, dsn, s, next, func(o *postgres.LoadOptions) {
			opts(o)
			o.Phase = func(p string) { // released 700 ms into the swap: after one or two timeouts
				if p == "swap" {
					time.AfterFunc(700*time.Millisecond, release)
				}
			}
		})
		if err != nil {
			t.Fatalf("a swap whose lock is released after two timeouts: %v", err)
		}
		t.Logf("swap in %d attempts, %s", res.Swap.Attempts, res.Swap.Duration)
		if res.Swap.Attempts < 2 || res.Swap.Duration < 600*time.Millisecond {
			t.Fatalf("the swap did not wait for the lock: %d attempts in %s", res.Swap.Attempts, res.Swap.Duration)
		}
		if got := count(t, conn, "gen.tickets"); got != 102 {
			t.Fatalf("live has %d tickets after the retried swap, want the new generation's 102", got)
		}
	})

	t.Run("never released", func(t *testing.T) {
		before := liveHash(t, conn, "gen")
		schemas := strings.Join(ownedSchemas(t, conn, "gen"), " ")
		_, next := genClean(t, 3)
		release := hold()
		began := time.Now()
		_, err := genLoad(t, dsn, s, next, func(o *postgres.LoadOptions) { o.LockTimeout, o.SwapRetries = 300*time.Millisecond, 2 })
		took := time.Since(began)
		release()
		if err == nil || !strings.Contains(err.Error(), "after 3 attempts") || !strings.Contains(err.Error(), "lock timeout") ||
			!strings.Contains(err.Error(), "live is unchanged") {
			t.Fatalf("a swap that never gets its lock: %v", err)
		}
		t.Logf("failed after %s: %v", took.Round(time.Millisecond), err)
		if liveHash(t, conn, "gen") != before {
			t.Fatal("live changed")
		}
		// The new generation is gone already or recorded as building, for the next run to drop.
		var building int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM sdetl.owned_schemas WHERE purpose = 'building'`).Scan(&building); err != nil {
			t.Fatal(err)
		}
		if after := strings.Join(ownedSchemas(t, conn, "gen"), " "); after != schemas && building == 0 {
			t.Fatalf("schemas %q after the failed swap (before %q), and none recorded as building", after, schemas)
		}
		_, again := genClean(t, 4)
		if _, err := genLoad(t, dsn, s, again, opts); err != nil {
			t.Fatalf("the next run: %v", err)
		}
		if got := count(t, conn, "gen.tickets"); got != 104 {
			t.Fatalf("live has %d tickets, want the next run's 104", got)
		}
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM sdetl.owned_schemas WHERE purpose = 'building'`).Scan(&building); err != nil || building != 0 {
			t.Fatalf("%d generations still building after the next run (%v)", building, err)
		}
		if got := strings.Join(ownedSchemas(t, conn, "gen"), " "); got != "gen gen__g1 gen__g2" {
			t.Fatalf("schemas after the next run: %s", got)
		}
	})
}
