package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
)

const genSpec = `
name: gen
schema: gen
tables:
  - name: tickets
    key: [id]
    indexes: [[created], [status]]
    columns:
      - {name: id, type: integer}
      - {name: created, type: timestamp, required: true}
      - {name: due, type: date}
      - {name: at, type: time}
      - {name: hours, type: decimal}
      - {name: met, type: flag}
      - {name: status, type: text}
      - {name: kind, type: text}
    derived:
      - {name: public, type: boolean, from: kind, map: {comments: "true", worknotes: "false"}}
`

// genClean builds a clean store whose content depends on version v: v+100 rows, one of them
// quarantined, fractional seconds, decimals, NULLs and empty-looking text.
func genClean(t *testing.T, v int) (*contract.Spec, string) {
	t.Helper()
	s, err := contract.Parse([]byte(genSpec))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,created,due,at,hours,met,status,kind\n")
	for i := 1; i <= 100+v; i++ {
		hours := fmt.Sprintf("%d.%d", i%24, i%10)
		if i%7 == 0 {
			hours = ""
		}
		fmt.Fprintf(&b, "%d,2025-07-01 08:%02d:%02d.%03d,2025-07-%02d,09:00:00.5,%s,%s,%s,%s\n", i, i%60, (i*7)%60, i*37%1000,
			1+i%28, hours, []string{"yes", "no"}[i%2], []string{"Open", "Closed", "N/A"}[i%3], []string{"comments", "worknotes", "system"}[i%3])
	}
	fmt.Fprintf(&b, "%d,,,,,,v%d,\n", 1000+v, v) // no created time: quarantined
	if err := os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return s, stageAndClean(t, s, dir)
}

// stageAndClean imports the exports in dir under s and cleans them, returning the clean store.
func stageAndClean(t *testing.T, s *contract.Spec, dir string) string {
	t.Helper()
	ctx := context.Background()
	stagePath, cleanPath := filepath.Join(dir, "stage.db"), filepath.Join(dir, "clean.db")
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: stagePath}); err != nil {
		t.Fatal(err)
	}
	if _, err := clean.Run(ctx, clean.Options{Spec: s, Stage: stagePath, Out: cleanPath}); err != nil {
		t.Fatal(err)
	}
	return cleanPath
}

func genLoad(t *testing.T, dsn string, s *contract.Spec, cleanPath string, mod func(*postgres.LoadOptions)) (*postgres.LoadResult, error) {
	t.Helper()
	o := postgres.LoadOptions{Spec: s, Clean: cleanPath, DSN: dsn, Keep: 2, LockTimeout: 500 * time.Millisecond, SwapRetries: 2,
		MeasureClean: func(ctx context.Context) (*reconcile.Measures, error) { return clean.Measure(ctx, s, cleanPath) }}
	if mod != nil {
		mod(&o)
	}
	return postgres.Load(context.Background(), o)
}

// liveGen loads genClean(t, 1) as live gen: the test's DSN and connection, the contract, the
// clean store and live's hash (liveHash).
func liveGen(t *testing.T) (dsn string, conn *pgx.Conn, s *contract.Spec, cleanPath, before string) {
	t.Helper()
	dsn = pgtest.DSN(t)
	conn = connect(t, dsn)
	s, cleanPath = genClean(t, 1)
	if _, err := genLoad(t, dsn, s, cleanPath, nil); err != nil {
		t.Fatal(err)
	}
	return dsn, conn, s, cleanPath, liveHash(t, conn, "gen")
}

// liveHash is the live tickets table's order-independent row hash, from PostgreSQL's own
// rendering, so a test can say "byte for byte as before".
func liveHash(t *testing.T, conn *pgx.Conn, schema string) string {
	t.Helper()
	var h string
	if err := conn.QueryRow(context.Background(), fmt.Sprintf(`SELECT coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint::numeric), 0)::text || '/' || count(*) FROM %s.tickets t`,
		pgx.Identifier{schema}.Sanitize())).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// liveUntouched fails t unless the live schema gen still hashes to before and no other
// schema sdetl owns is left beside it (a failed load dropped its generation).
func liveUntouched(t *testing.T, conn *pgx.Conn, before string) {
	t.Helper()
	if liveHash(t, conn, "gen") != before {
		t.Fatal("live changed")
	}
	if got := strings.Join(ownedSchemas(t, conn, "gen"), " "); got != "gen" {
		t.Fatalf("schemas left: %s", got)
	}
}

func ownedSchemas(t *testing.T, conn *pgx.Conn, prefix string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 ORDER BY 1`, prefix+"%")
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestGenerationsSwapRollback: each load builds a new generation and swaps it in; the one it
// replaces is retained (two of them), older ones are dropped; rollback makes a previous one
// live and can itself be rolled back; a read-only role reads the live schema after every swap
// and rollback; a table sdetl does not own survives all of it; the ledger records each run.
func TestGenerationsSwapRollback(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	ctx := context.Background()
	exec(t, conn, `CREATE ROLE gen_reader_`+strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_"))+` LOGIN`)
	role := "gen_reader_" + strings.ToLower(t.Name())
	t.Cleanup(func() { conn.Exec(context.Background(), `DROP OWNED BY `+role+`; DROP ROLE `+role) })
	exec(t, conn, `CREATE SCHEMA kpi; CREATE TABLE kpi.comment_quality (id int); INSERT INTO kpi.comment_quality VALUES (1)`)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.User = role
	reader, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close(ctx)
	readerCount := func(want int) {
		t.Helper()
		var n int
		if err := reader.QueryRow(ctx, `SELECT count(*) FROM gen.tickets WHERE status IS NOT NULL OR status IS NULL`).Scan(&n); err != nil || n != want {
			t.Fatalf("read-only role: %d rows, %v; want %d", n, err, want)
		}
	}
	var hashes []string
	for v := 1; v <= 4; v++ {
		s, cleanPath := genClean(t, v)
		res, err := genLoad(t, dsn, s, cleanPath, func(o *postgres.LoadOptions) { o.GrantRoles = []string{role} })
		if err != nil {
			t.Fatalf("load %d: %v", v, err)
		}
		if res.Generation != fmt.Sprintf("gen__g%d", v) || res.Swap == nil {
			t.Fatalf("load %d: generation %q swap %+v", v, res.Generation, res.Swap)
		}
		readerCount(100 + v)
		hashes = append(hashes, liveHash(t, conn, "gen"))
	}
	if got := strings.Join(ownedSchemas(t, conn, "gen"), " "); got != "gen gen__g2 gen__g3" {
		t.Fatalf("schemas after 4 loads: %s, want the live one and 2 retained", got)
	}
	var idx int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE schemaname = 'gen' AND tablename = 'tickets'`).Scan(&idx); err != nil || idx != 3 {
		t.Errorf("indexes on gen.tickets: %d (%v), want natural key + 2 declared", idx, err)
	}
	s, _ := genClean(t, 0)
	gens, err := postgres.Generations(ctx, dsn, s)
	if err != nil || len(gens) != 3 || !gens[0].Live || gens[0].Run != 4 || gens[1].Rows["tickets"] != 103 {
		t.Fatalf("generations: %+v, %v", gens, err)
	}

	rollback := func(to int64) *postgres.RollbackResult {
		t.Helper()
		r, err := postgres.BeginRun(ctx, dsn, s, "rollback", 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := postgres.Rollback(ctx, r, postgres.RollbackOptions{To: to, LockTimeout: 500 * time.Millisecond})
		status := postgres.StatusOK
		if err != nil {
			status = postgres.StatusFailed
		}
		if ferr := r.Finish(ctx, status, nil, err); ferr != nil {
			t.Fatal(ferr)
		}
		if err != nil {
			t.Fatalf("rollback to %d: %v", to, err)
		}
		return res
	}
	began := time.Now()
	res := rollback(0)
	t.Logf("rollback took %s (swap %s)", time.Since(began), res.Swap.Duration)
	if res.To != 3 || liveHash(t, conn, "gen") != hashes[2] {
		t.Fatalf("rollback went to run %d", res.To)
	}
	readerCount(103)
	if res := rollback(0); res.To != 4 || liveHash(t, conn, "gen") != hashes[3] {
		t.Fatalf("rolling the rollback back went to run %d", res.To)
	}
	readerCount(104)
	if res := rollback(2); res.To != 2 || liveHash(t, conn, "gen") != hashes[1] {
		t.Fatalf("rollback --to 2 went to run %d", res.To)
	}
	readerCount(102)
	if got := count(t, conn, "kpi.comment_quality"); got != 1 {
		t.Fatalf("kpi.comment_quality has %d rows after swaps and rollbacks", got)
	}
	var statuses string
	if err := conn.QueryRow(ctx, `SELECT string_agg(kind || ':' || status, ' ' ORDER BY run_id) FROM sdetl.runs`).Scan(&statuses); err != nil {
		t.Fatal(err)
	}
	if statuses != "load:ok load:ok load:ok load:ok rollback:ok rollback:ok rollback:ok" {
		t.Fatalf("ledger: %s", statuses)
	}
}

// TestTamperCaught: a generation changed between load and reconciliation (one value, one row,
// one NULL) fails the run as a reconciliation failure naming table, column and measure, whether
// the clean side was measured by the COPY or given (Want, as a run gives the clean's); live
// keeps its rows and no generation is left behind.
func TestTamperCaught(t *testing.T) {
	dsn, conn, s, cleanPath, before := liveGen(t)
	for _, c := range []struct{ name, sql, want string }{
		{"value", `UPDATE %s.tickets SET hours = hours + 0.1 WHERE id = 5`, "tickets.hours sum"},
		{"row", `DELETE FROM %s.tickets WHERE id = 6`, "tickets rows: clean store 101, generation 100"},
		{"null", `UPDATE %s.tickets SET status = NULL WHERE id = 8`, "tickets.status nulls"},
		{"lineage", `UPDATE %s.tickets SET _source_row = _source_row + 1000 WHERE id = 9`, "tickets._source_row max"},
	} {
		// Measured in SQL (no score), and in the score's scan of each table (the load's way).
		for _, mode := range []struct{ scored, given bool }{{false, false}, {true, false}, {true, true}} {
			scored := mode.scored
			t.Run(fmt.Sprintf("%s/scored=%v/given=%v", c.name, scored, mode.given), func(t *testing.T) {
				_, err := genLoad(t, dsn, s, cleanPath, func(o *postgres.LoadOptions) {
					o.Force = true
					if mode.given {
						o.Want = measured(t, s, cleanPath)
					}
					o.BeforeReconcile = func(ctx context.Context, schema string) error {
						_, err := conn.Exec(ctx, fmt.Sprintf(c.sql, pgx.Identifier{schema}.Sanitize()))
						return err
					}
					if scored {
						o.BeforeSwap = func(ctx context.Context, src quality.Source) error {
							_, err := quality.Score(ctx, s, src, time.Now())
							return err
						}
					}
				})
				if !errors.Is(err, outcome.ErrReconcile) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "row hash") {
					t.Fatalf("err = %v, want a reconciliation failure naming %q and the row hash", err, c.want)
				}
				liveUntouched(t, conn, before)
			})
		}
	}
}

// TestScoreAndReconcileBothGate: the score runs beside the reconciliation on a connection of
// its own; a failing score fails the load on its own, and when both fail the reconciliation's
// error is the one returned (as when they ran in turn). Live is unchanged either way.
func TestScoreAndReconcileBothGate(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	s, cleanPath := genClean(t, 2)
	if _, err := genLoad(t, dsn, s, cleanPath, nil); err != nil {
		t.Fatal(err)
	}
	before := liveHash(t, conn, "gen")
	lowScore := errors.New("the loaded schema scores too low")
	for _, tamper := range []bool{false, true} {
		t.Run(fmt.Sprintf("tampered=%v", tamper), func(t *testing.T) {
			scored := false
			_, err := genLoad(t, dsn, s, cleanPath, func(o *postgres.LoadOptions) {
				o.Force = true
				o.BeforeSwap = func(ctx context.Context, src quality.Source) error {
					r, err := quality.Score(ctx, s, src, time.Now())
					if err != nil {
						return err
					}
					for _, rule := range r.Rules { // it read the committed rows
						for _, n := range rule.Counts {
							scored = scored || n > 0
						}
					}
					return lowScore
				}
				if tamper {
					o.BeforeReconcile = func(ctx context.Context, schema string) error {
						_, err := conn.Exec(ctx, fmt.Sprintf(`DELETE FROM %s.tickets WHERE id = 6`, pgx.Identifier{schema}.Sanitize()))
						return err
					}
				}
			})
			switch {
			case tamper && (!errors.Is(err, outcome.ErrReconcile) || errors.Is(err, lowScore)):
				t.Fatalf("err = %v, want the reconciliation's failure", err)
			case !tamper && !errors.Is(err, lowScore):
				t.Fatalf("err = %v, want the score's failure", err)
			case !tamper && !scored:
				t.Fatal("the score saw no rows of the generation")
			}
			liveUntouched(t, conn, before)
		})
	}
}

// TestNothingToDo: loading an unchanged clean store twice: the second says nothing to do and
// builds no generation; --force builds one with the same rows (same row hash).
func TestNothingToDo(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	s, cleanPath := genClean(t, 3)
	if _, err := genLoad(t, dsn, s, cleanPath, nil); err != nil {
		t.Fatal(err)
	}
	before := liveHash(t, conn, "gen")
	res, err := genLoad(t, dsn, s, cleanPath, nil)
	if err != nil || !res.NothingToDo || res.Generation != "" {
		t.Fatalf("second load: %+v, %v; want nothing to do", res, err)
	}
	res, err = genLoad(t, dsn, s, cleanPath, func(o *postgres.LoadOptions) { o.Force = true })
	if err != nil || res.NothingToDo || res.Generation != "gen__g3" {
		t.Fatalf("forced load: %+v, %v", res, err)
	}
	if after := liveHash(t, conn, "gen"); after != before {
		t.Fatalf("forced load changed the rows: %s -> %s", before, after)
	}
	var statuses string
	if err := conn.QueryRow(context.Background(), `SELECT string_agg(status, ' ' ORDER BY run_id) FROM sdetl.runs`).Scan(&statuses); err != nil || statuses != "ok nothing_to_do ok" {
		t.Fatalf("ledger: %q %v", statuses, err)
	}

	// The clean side is measured by the COPY; a full measure before the load is only taken
	// when the row counts equal live's. Other counts: no measure, a load.
	measures := 0
	counting := func(path string) func(*postgres.LoadOptions) {
		return func(o *postgres.LoadOptions) {
			o.MeasureClean = func(ctx context.Context) (*reconcile.Measures, error) { measures++; return clean.Measure(ctx, s, path) }
		}
	}
	_, other := genClean(t, 4)
	if res, err := genLoad(t, dsn, s, other, counting(other)); err != nil || res.NothingToDo || measures != 0 {
		t.Fatalf("a store with other counts: %+v, %v, measured before the load %d times", res, err, measures)
	}
	// The same counts, one value changed: measured before, found different, loaded.
	b, _, err := store.Update(context.Background(), other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.DB.Exec(`UPDATE tickets SET status = 'Reopened' WHERE rowid = 5`); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	before = liveHash(t, conn, "gen")
	if res, err := genLoad(t, dsn, s, other, counting(other)); err != nil || res.NothingToDo || measures != 1 {
		t.Fatalf("a store with live's counts and one value changed: %+v, %v, measured before the load %d times", res, err, measures)
	}
	if liveHash(t, conn, "gen") == before {
		t.Fatal("the changed value did not reach live")
	}
	if res, err := genLoad(t, dsn, s, other, counting(other)); err != nil || !res.NothingToDo || measures != 2 {
		t.Fatalf("the same store again: %+v, %v, measured %d times; want nothing to do", res, err, measures)
	}
	// Measures given by the caller must be the store's: else the store changed after they were
	// taken, and the generation's read-back measures, compared with them, say so.
	res, err = genLoad(t, dsn, s, other, func(o *postgres.LoadOptions) { o.Force, o.Want = true, measured(t, s, cleanPath) })
	if !errors.Is(err, outcome.ErrReconcile) || !strings.Contains(err.Error(), "the store changed since it was measured") || !strings.Contains(err.Error(), "quarantine row hash") {
		t.Fatalf("a load whose given measures are another store's: %+v, %v", res, err)
	}
}

// TestDependentViewRefused: a dashboard view in another schema on the live tickets would
// follow the old table to the retired generation; the load refuses, naming it, live unchanged.
func TestDependentViewRefused(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	s, cleanPath := genClean(t, 1)
	if _, err := genLoad(t, dsn, s, cleanPath, nil); err != nil {
		t.Fatal(err)
	}
	exec(t, conn, `CREATE VIEW public.open_tickets AS SELECT id FROM gen.tickets WHERE status = 'Open'`)
	before := liveHash(t, conn, "gen")
	s2, clean2 := genClean(t, 2)
	_, err := genLoad(t, dsn, s2, clean2, nil)
	wantNotOwned(t, err, "view public.open_tickets")
	if liveHash(t, conn, "gen") != before {
		t.Fatal("live changed")
	}
}

// TestLockWait: a second run waits up to its lock wait and then fails naming the holder.
func TestLockWait(t *testing.T) {
	dsn := pgtest.DSN(t)
	s, _ := genClean(t, 1)
	ctx := context.Background()
	r, err := postgres.BeginRun(ctx, dsn, s, "run", 0)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, err = postgres.BeginRun(ctx, dsn, s, "run", 600*time.Millisecond)
	host, _ := os.Hostname()
	if !errors.Is(err, postgres.ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("run %d, started", r.ID)) ||
		!strings.Contains(err.Error(), fmt.Sprintf("sdetl pid %d on %s, backend pid ", os.Getpid(), host)) ||
		strings.Contains(err.Error(), "\n") || time.Since(began) < 500*time.Millisecond {
		t.Fatalf("second run: %v after %s", err, time.Since(began))
	}
	t.Logf("busy lock: %v", err)
	go func() { time.Sleep(300 * time.Millisecond); r.Finish(ctx, postgres.StatusOK, nil, nil) }()
	r2, err := postgres.BeginRun(ctx, dsn, s, "run", 5*time.Second)
	if err != nil {
		t.Fatalf("a run waiting for the lock: %v", err)
	}
	r2.Finish(ctx, postgres.StatusOK, nil, nil)
}

// TestReadersSeeNoGap: readers on their own connections query the live schema continuously
// while 20 loads with changing inputs and 5 rollbacks swap generations: no error, never an
// empty result. A reader transaction held open across a swap neither blocks it past its lock
// timeout nor is broken by it.
func TestReadersSeeNoGap(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	s, first := genClean(t, 0)
	if _, err := genLoad(t, dsn, s, first, nil); err != nil {
		t.Fatal(err)
	}
	stores := make([]string, 6)
	for i := range stores {
		_, stores[i] = genClean(t, i+1)
	}

	// The long reader: a transaction that read the live tables before the swaps.
	long := connect(t, dsn)
	tx, err := long.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM gen.tickets`).Scan(&n); err != nil || n != 100 {
		t.Fatalf("long reader: %d, %v", n, err)
	}

	stop := make(chan struct{})
	var queries, failures atomic.Int64
	var mu sync.Mutex
	var problems []string
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := postgres.Connect(ctx, dsn)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close(ctx)
			qs := []string{`SELECT count(*) FROM gen.tickets`, `SELECT count(*) FROM gen.quarantine`,
				`SELECT count(*) FROM (SELECT status, count(*), avg(hours) FROM gen.tickets WHERE created >= '2025-07-01' GROUP BY status) x`}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var n int64
				err := c.QueryRow(ctx, qs[(i+w)%len(qs)]).Scan(&n)
				queries.Add(1)
				if err != nil || n == 0 {
					failures.Add(1)
					mu.Lock()
					problems = append(problems, fmt.Sprintf("%s: %d, %v", qs[(i+w)%len(qs)], n, err))
					mu.Unlock()
				}
			}
		}()
	}
	var worst time.Duration
	rollbacks := 0
	for i := range 20 {
		began := time.Now()
		res, err := genLoad(t, dsn, s, stores[i%len(stores)], func(o *postgres.LoadOptions) { o.Force = true })
		if err != nil {
			t.Fatalf("load %d: %v", i, err)
		}
		worst = max(worst, res.Swap.Duration)
		if i == 0 {
			// The swap went through with the long reader open; it still reads, and commits.
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM gen.tickets`).Scan(&n); err != nil {
				t.Fatalf("long reader after the swap: %v", err)
			}
			if res.Swap.Duration > 2*time.Second {
				t.Errorf("swap with a long reader open took %s", res.Swap.Duration)
			}
			_ = began
		}
		if i == 2 {
			if err := tx.Commit(ctx); err != nil {
				t.Fatalf("long reader commit: %v", err)
			}
		}
		if i%4 == 3 && rollbacks < 5 {
			r, err := postgres.BeginRun(ctx, dsn, s, "rollback", 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			rb, err := postgres.Rollback(ctx, r, postgres.RollbackOptions{LockTimeout: 500 * time.Millisecond, SwapRetries: 2})
			r.Finish(ctx, postgres.StatusOK, nil, err)
			if err != nil {
				t.Fatalf("rollback: %v", err)
			}
			worst = max(worst, rb.Swap.Duration)
			rollbacks++
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d reader queries, %d failures, %d rollbacks, slowest swap %s", queries.Load(), failures.Load(), rollbacks, worst)
	if failures.Load() > 0 {
		t.Fatalf("readers saw %d failures, e.g. %v", failures.Load(), problems[:min(3, len(problems))])
	}
	if rollbacks != 5 || queries.Load() < 100 {
		t.Fatalf("%d rollbacks, %d queries", rollbacks, queries.Load())
	}
}

// TestLockHeldByDeadClient: a run whose process died while its connection lingers (a crashed
// client host: the server has not noticed) still holds the lock. The next run names it, says
// its process is gone and how to free the lock; freed, the next run marks it killed.
func TestLockHeldByDeadClient(t *testing.T) {
	dsn := pgtest.DSN(t)
	s, _ := genClean(t, 1)
	ctx := context.Background()
	r, err := postgres.BeginRun(ctx, dsn, s, "run", 0) // creates the ledger
	if err != nil {
		t.Fatal(err)
	}
	r.Finish(ctx, postgres.StatusOK, nil, nil)
	dead := osexec.Command("true") // a process id that no longer exists
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	orphan := connect(t, dsn) // the dead run's connection: it holds the lock and its ledger row
	if _, err := postgres.Lock(ctx, orphan, s.Schema); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	var id int64
	var backend int32
	if err := orphan.QueryRow(ctx, `INSERT INTO sdetl.runs (contract, schema_name, kind, status, client_host, client_pid)
		VALUES ($1, $2, 'run', 'running', $3, $4) RETURNING run_id, backend_pid`, s.Name, s.Schema, host, dead.Process.Pid).Scan(&id, &backend); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.BeginRun(ctx, dsn, s, "run", 0)
	want := fmt.Sprintf("run %d, started", id)
	free := fmt.Sprintf("sdetl pid %d on %s, is gone but its connection (backend pid %d) still holds the lock: SELECT pg_terminate_backend(%d) frees it", dead.Process.Pid, host, backend, backend)
	if !errors.Is(err, postgres.ErrLocked) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), free) {
		t.Fatalf("a lock held by a dead client: %v", err)
	}
	t.Logf("busy lock: %v", err)
	c := connect(t, dsn)
	if _, err := c.Exec(ctx, "SELECT pg_terminate_backend($1)", backend); err != nil {
		t.Fatal(err)
	}
	var r2 *postgres.Run
	for range 50 { // the terminated backend releases its lock as it exits
		if r2, err = postgres.BeginRun(ctx, dsn, s, "run", 0); !errors.Is(err, postgres.ErrLocked) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Finish(ctx, postgres.StatusOK, nil, nil)
	if got := strings.Join(r2.Recovered, "; "); !strings.Contains(got, fmt.Sprintf("run %d (sdetl pid %d on %s) was killed", id, dead.Process.Pid, host)) {
		t.Fatalf("the next run's recovery: %q", got)
	}
}

// TestStatisticsBeforeSwap: each table's ANALYZE runs in its load, at once after its index;
// the verification's read-back may begin beside the last tables' ANALYZE, but the score's key
// (and orphan) queries, whose plans depend on statistics, wait for their tables', and so do
// the grants and the swap: every live table has statistics after the swap, and a failed
// ANALYZE fails the load, live unchanged and the generation dropped.
func TestStatisticsBeforeSwap(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	ctx := context.Background()
	s, cleanPath := genClean(t, 1)
	scored := func(o *postgres.LoadOptions) {
		o.BeforeSwap = func(ctx context.Context, src quality.Source) error {
			_, err := quality.Score(ctx, s, src, time.Now())
			return err
		}
	}
	var mu sync.Mutex
	var analyzedAt, readAt, keysAt time.Time // tickets' ANALYZE's fault ended, its read began, its keys were answered
	restore := postgres.SetAnalyzeFault(func(ctx context.Context, table string) error {
		select {
		case <-time.After(300 * time.Millisecond):
			if table == "tickets" {
				mu.Lock()
				analyzedAt = time.Now()
				mu.Unlock()
			}
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	began := time.Now()
	res, err := genLoad(t, dsn, s, cleanPath, func(o *postgres.LoadOptions) {
		o.BeforeSwap = func(ctx context.Context, src quality.Source) error {
			_, err := quality.Score(ctx, s, &stampedSource{PartSource: src.(quality.PartSource), mu: &mu, read: &readAt, keys: &keysAt}, time.Now())
			return err
		}
	})
	restore()
	if err != nil {
		t.Fatal(err)
	}
	if w := time.Since(began); w < 300*time.Millisecond {
		t.Errorf("the load took %s with a 300 ms ANALYZE", w)
	}
	for _, tl := range res.Tables {
		if tl.Analyzing < 300*time.Millisecond || tl.Counting <= 0 {
			t.Errorf("%s: analyze %s, count %s", tl.Table, tl.Analyzing, tl.Counting)
		}
	}
	if analyzedAt.IsZero() || readAt.IsZero() || keysAt.IsZero() {
		t.Fatalf("tickets analyzed at %v, read at %v, keys at %v", analyzedAt, readAt, keysAt)
	}
	if !readAt.Before(analyzedAt) {
		t.Errorf("the read-back of tickets began %s after its ANALYZE's fault ended, not beside it", readAt.Sub(analyzedAt))
	}
	if !keysAt.After(analyzedAt) {
		t.Errorf("the keys of tickets were answered %s before its ANALYZE", analyzedAt.Sub(keysAt))
	}
	var analyzed int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = 'gen' AND analyze_count > 0`).Scan(&analyzed); err != nil || analyzed != 2 {
		t.Fatalf("live tables analyzed: %d (%v), want tickets and quarantine", analyzed, err)
	}
	if n := count(t, conn, "pg_stats WHERE schemaname = 'gen' AND tablename = 'tickets'"); n == 0 {
		t.Fatal("live tickets has no statistics")
	}
	before := liveHash(t, conn, "gen")
	for _, table := range []string{"tickets", postgres.QuarantineTable} {
		t.Run(table, func(t *testing.T) {
			defer postgres.SetAnalyzeFault(func(ctx context.Context, tb string) error {
				if tb == table {
					return errors.New("injected")
				}
				return nil
			})()
			_, err := genLoad(t, dsn, s, cleanPath, func(o *postgres.LoadOptions) { o.Force = true; scored(o) })
			if err == nil || !strings.Contains(err.Error(), "analyze gen__g") || !strings.Contains(err.Error(), table+": injected") {
				t.Fatalf("err = %v, want the ANALYZE of %s failing the load", err, table)
			}
			liveUntouched(t, conn, before)
		})
	}
}

// stampedSource is the score's source that stamps when tickets' rows begin to be read and when
// its keys are answered.
type stampedSource struct {
	quality.PartSource
	mu         *sync.Mutex
	read, keys *time.Time
}

func (s *stampedSource) stamp(at *time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if at.IsZero() {
		*at = time.Now()
	}
}

func (s *stampedSource) Rows(ctx context.Context, t *contract.Table, fn func([]string) error) error {
	s.stamp(s.read)
	return s.PartSource.Rows(ctx, t, fn)
}

func (s *stampedSource) RowParts(ctx context.Context, t *contract.Table, part func() func([]string) error) error {
	s.stamp(s.read)
	return s.PartSource.RowParts(ctx, t, part)
}

func (s *stampedSource) Keys(ctx context.Context, sp *contract.Spec, t *contract.Table) (*quality.KeyMetrics, error) {
	km, err := s.PartSource.Keys(ctx, sp, t)
	s.stamp(s.keys)
	return km, err
}

// TestCountCheckFails: a table whose generation lost a row after its COPY (PostgreSQL counts
// one fewer than the clean store, counted while the tables copied, and the COPY sent) fails the
// load as a reconciliation failure naming both counts; live unchanged, the generation dropped.
func TestCountCheckFails(t *testing.T) {
	dsn, conn, s, cleanPath, before := liveGen(t)
	for _, c := range []struct{ table, sql, want string }{
		{"tickets", `DELETE FROM %s.tickets WHERE id = 7`, "tickets: clean store has 101 rows, copied 101, PostgreSQL counts 100"},
		{postgres.QuarantineTable, `DELETE FROM %s.quarantine`, "quarantine: clean store has 1 rows, copied 1, PostgreSQL counts 0"},
	} {
		t.Run(c.table, func(t *testing.T) {
			defer postgres.SetCountFault(func(ctx context.Context, conn *pgx.Conn, gen, table string) error {
				if table != c.table {
					return nil
				}
				_, err := conn.Exec(ctx, fmt.Sprintf(c.sql, pgx.Identifier{gen}.Sanitize()))
				return err
			})()
			_, err := genLoad(t, dsn, s, cleanPath, func(o *postgres.LoadOptions) { o.Force = true })
			if !errors.Is(err, outcome.ErrReconcile) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a reconciliation failure: %s", err, c.want)
			}
			liveUntouched(t, conn, before)
		})
	}
}

// TestIndexFails: a unique key index that finds duplicates fails the load with its own error,
// with or without a score to run (the reconciliation would find nothing wrong: the clean store
// itself holds the duplicate, as the generation does), and live is as it was.
func TestIndexFails(t *testing.T) {
	dsn, conn, s, cleanPath, before := liveGen(t)
	db, err := sql.Open("sqlite", "file:"+cleanPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE tickets SET id = 8 WHERE id = 7`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, scored := range []bool{false, true} {
		t.Run(fmt.Sprintf("scored=%v", scored), func(t *testing.T) {
			_, err := genLoad(t, dsn, s, cleanPath, func(o *postgres.LoadOptions) {
				o.Force, o.MeasureClean = true, nil
				if scored {
					o.BeforeSwap = func(ctx context.Context, src quality.Source) error {
						_, err := quality.Score(ctx, s, src, time.Now())
						return err
					}
				}
			})
			if err == nil || !strings.Contains(err.Error(), "index gen__g") || !strings.Contains(err.Error(), "23505") {
				t.Fatalf("err = %v, want the unique index's failure", err)
			}
			liveUntouched(t, conn, before)
		})
	}
}
