package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/synth"
)

// readerQueries are what a dashboard runs against the live schema: every shipped KPI query (the
// built-in contract's parameters, with the team and cell minimums at 1 so a tiny scale still
// gives every table KPI rows) and a count(*) per table. Tables stay unqualified: the reader's
// search_path is the live schema and its _ext schema, as a Grafana data source's would be.
func readerQueries() []kpi.Query {
	p := kpi.DefaultParams()
	p.TeamMin, p.CellMin = 1, 1
	qs := kpi.Queries(p, "")
	for _, t := range []string{"tickets", "comments", "timesheets", "roster", postgres.QuarantineTable} {
		qs = append(qs, kpi.Query{Name: "count " + t, SQL: "SELECT count(*) FROM " + t})
	}
	return qs
}

// readerConn is a dashboard's connection: its own, with the search_path a data source sets.
func readerConn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	c, err := postgres.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	if _, err := c.Exec(ctx, "SET search_path TO servicedesk, "+kpi.ExtSchema("servicedesk")); err != nil {
		t.Fatal(err)
	}
	return c
}

// answer runs one reader query and says how many rows it returned; for a count(*), the count.
func answer(ctx context.Context, q pgx.Tx, c *pgx.Conn, sql string) (int64, error) {
	var rows pgx.Rows
	var err error
	if q != nil {
		rows, err = q.Query(ctx, sql)
	} else {
		rows, err = c.Query(ctx, sql)
	}
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	count := strings.HasPrefix(sql, "SELECT count(*) FROM ")
	for rows.Next() {
		n++
		if count {
			if err := rows.Scan(&n); err != nil {
				return 0, err
			}
		}
	}
	return n, rows.Err()
}

// TestReadersSeeNoGapKPIs is the Must-show with the shipped queries: readers on their own
// connections run every KPI query of the built-in servicedesk contract and a count(*) per table,
// continuously, while 20 runs with changing inputs (four generated exports, different seeds and
// scales) and 5 rollbacks change the live generation: zero errors, never an empty result.
// Then a long READ COMMITTED and a long REPEATABLE READ transaction, open across a swap, neither
// delay it past its lock timeout nor get an error from it (docs/design.md, Readers).
func TestReadersSeeNoGapKPIs(t *testing.T) {
	if testing.Short() {
		t.Skip("24 loads")
	}
	t.Parallel() // its own database; much of it waits on PostgreSQL
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	inputs := []synth.Options{
		{Scale: 0.01, Seed: 21, Format: "csv", Dialect: "legacy", Dirt: "realistic"},
		{Scale: 0.014, Seed: 22, Format: "csv", Dialect: "2026", Dirt: "realistic"},
		{Scale: 0.008, Seed: 23, Format: "csv", Dialect: "legacy", Dirt: "realistic"},
		{Scale: 0.012, Seed: 24, Format: "csv", Dialect: "2026", Dirt: "realistic"},
	}
	dirs, works := make([]string, len(inputs)), make([]string, len(inputs))
	for i, o := range inputs {
		dirs[i], _ = generate(t, o)
		works[i] = t.TempDir()
	}
	// Run 1 makes a live schema for the readers to start on.
	mustSdetl(t, "run", "--exports", dirs[0], "--pg", dsn, "--workdir", works[0], "--no-canary")
	// The comment analysis' stand-in scores a few comments, so the quality KPIs have rows too;
	// the table is not sdetl's and must survive every swap and rollback.
	if _, err := readerConn(t, dsn).Exec(ctx, `INSERT INTO comment_quality (comment_id, ticket_id, clarity, completeness, empathy, professionalism, overall, tier)
		SELECT g, g, 1 + g % 5, 2, 3, 4, 3.5, (ARRAY['excellent', 'good', 'acceptable', 'poor'])[1 + g % 4] FROM generate_series(1, 40) g`); err != nil {
		t.Fatal(err)
	}

	qs := readerQueries()
	stop := make(chan struct{})
	var queries atomic.Int64
	var mu sync.Mutex
	var problems []string
	var wg sync.WaitGroup
	for w := range 3 {
		c := readerConn(t, dsn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				// A dashboard refreshes, it does not spin: the pause leaves the loads the CPU
				// while three readers still query every few milliseconds, inside every swap.
				time.Sleep(2 * time.Millisecond)
				q := qs[i%len(qs)]
				n, err := answer(ctx, nil, c, q.SQL)
				queries.Add(1)
				if err != nil || n == 0 {
					mu.Lock()
					problems = append(problems, fmt.Sprintf("%s: %d rows, %v", q.Name, n, err))
					mu.Unlock()
				}
			}
		}()
	}
	rollbacks := 0
	for run := 2; run <= 20; run++ {
		i := (run - 1) % len(inputs)
		if run <= len(inputs) { // each input's first run builds its clean store
			mustSdetl(t, "run", "--exports", dirs[i], "--pg", dsn, "--workdir", works[i], "--no-canary")
		} else { // then its clean store is loaded again over another input's generation
			mustSdetl(t, "load", "--pg", dsn, "--workdir", works[i], "--force")
		}
		if run%4 == 0 {
			mustSdetl(t, "rollback", "--pg", dsn, "--workdir", works[i])
			rollbacks++
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d reader queries (%d distinct) over 20 runs and %d rollbacks", queries.Load(), len(qs), rollbacks)
	if len(problems) > 0 {
		t.Fatalf("readers saw %d errors or empty results, e.g. %v", len(problems), problems[:min(5, len(problems))])
	}
	if rollbacks != 5 || queries.Load() < int64(3*len(qs)) {
		t.Fatalf("%d rollbacks, %d queries: the readers did not cover every query", rollbacks, queries.Load())
	}

	t.Run("long transactions across a swap", func(t *testing.T) {
		long := map[pgx.TxIsoLevel]pgx.Tx{}
		before := map[pgx.TxIsoLevel]int64{}
		for _, iso := range []pgx.TxIsoLevel{pgx.ReadCommitted, pgx.RepeatableRead} {
			tx, err := readerConn(t, dsn).BeginTx(ctx, pgx.TxOptions{IsoLevel: iso, AccessMode: pgx.ReadOnly})
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(context.Background())
			for _, q := range qs { // every table read: the transaction holds all of them
				n, err := answer(ctx, tx, nil, q.SQL)
				if err != nil {
					t.Fatalf("%s reader, %s: %v", iso, q.Name, err)
				}
				if q.Name == "count tickets" {
					before[iso] = n
				}
			}
			long[iso] = tx
		}
		// The next input's clean store, with other tickets: --keep 0 also makes the drop of the
		// generation the long readers hold try (and give up) under the lock timeout.
		began := time.Now()
		out := mustSdetl(t, "load", "--pg", dsn, "--workdir", works[1], "--force", "--keep", "0", "--lock-timeout", "1s")
		took := time.Since(began)
		if !strings.Contains(out, "not dropped yet (a later run retries)") {
			t.Errorf("the drop of the generation the long readers hold did not give up with a warning:\n%s", out)
		}
		swap, attempts := lastSwap(t, dsn)
		t.Logf("load with two long readers open: %s, swap %.3fs in %d attempt(s)", took.Round(time.Millisecond), swap, attempts)
		if swap > 1 || attempts != 1 {
			t.Errorf("the long readers held up the swap: %.3fs, %d attempts (lock timeout 1s)", swap, attempts)
		}
		var live int64
		if err := readerConn(t, dsn).QueryRow(ctx, "SELECT count(*) FROM tickets").Scan(&live); err != nil {
			t.Fatal(err)
		}
		if live == before[pgx.ReadCommitted] {
			t.Fatalf("the new generation has as many tickets as the old (%d): the test cannot tell them apart", live)
		}
		for iso, tx := range long {
			for _, q := range qs {
				if _, err := answer(ctx, tx, nil, q.SQL); err != nil {
					t.Fatalf("%s reader after the swap, %s: %v", iso, q.Name, err)
				}
			}
			n, _ := answer(ctx, tx, nil, "SELECT count(*) FROM tickets")
			t.Logf("%s reader open across the swap: tickets %d before, %d after (new live %d)", iso, before[iso], n, live)
			// READ COMMITTED: each statement resolves the name anew and sees the new generation.
			// REPEATABLE READ: the name resolves to the new generation too, but its snapshot is
			// older than the new rows, so it sees the new tables empty (docs/design.md, Readers).
			want := map[pgx.TxIsoLevel]int64{pgx.ReadCommitted: live, pgx.RepeatableRead: 0}[iso]
			if n != want {
				t.Errorf("%s reader after the swap sees %d tickets, want %d", iso, n, want)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatalf("%s reader commit after the swap: %v", iso, err)
			}
		}
		// The readers gone, the next run drops what they held.
		mustSdetl(t, "load", "--pg", dsn, "--workdir", works[2], "--force", "--keep", "0")
		if schemas, building, running := strayState(t, dsn); len(schemas) != 1 || building != 0 || running != 0 {
			t.Fatalf("after the readers ended and a run with --keep 0: schemas %v, %d building, %d running", schemas, building, running)
		}
	})
}

// lastSwap is the newest run's swap seconds and attempts, from the ledger.
func lastSwap(t *testing.T, dsn string) (seconds float64, attempts int) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var s, a *string
	if err := c.QueryRow(ctx, `SELECT details->'seconds'->>'swap', details->'swap'->>'attempts' FROM `+contract.BookkeepingSchema+
		`.runs WHERE kind <> 'rollback' ORDER BY run_id DESC LIMIT 1`).Scan(&s, &a); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		t.Fatal("the ledger has no swap time for the last run")
	}
	seconds, _ = strconv.ParseFloat(*s, 64)
	if a == nil {
		t.Fatal("the ledger has no swap attempts for the last run")
	}
	attempts, _ = strconv.Atoi(*a)
	return seconds, attempts
}
