package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
)

// kpiFixture makes schema k: table t of 1,000 rows in 7 groups, and an empty comment_quality.
func kpiFixture(t *testing.T) (dsn string, conn *pgx.Conn) {
	t.Helper()
	dsn = pgtest.DSN(t)
	conn = connect(t, dsn)
	ctx := context.Background()
	for _, stmt := range []string{
		"CREATE SCHEMA k",
		"CREATE TABLE k.t (g text, n int)",
		"INSERT INTO k.t SELECT 'g' || (i % 7), i FROM generate_series(1, 1000) i",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := postgres.EnsureQualityTable(ctx, conn, "k"); err != nil {
		t.Fatal(err)
	}
	return dsn, conn
}

// testDefs are KPIs of every shape over k.t: scalars (one NULL), a one-row pair, tables with
// labels and a comment_quality KPI, twice; each sleeps 20 ms (the lateral pg_sleep), so that
// both connections take some.
func testDefs() []kpi.Def {
	const sleep = ", pg_sleep(0.02)"
	shapes := []kpi.Def{
		{Name: "rows", One: true, SQL: "SELECT count(*) AS value FROM t" + sleep},
		{Name: "mean", One: true, SQL: "SELECT round(avg(n), 2) AS value FROM t" + sleep},
		{Name: "nothing", One: true, SQL: "SELECT NULL::numeric AS value FROM pg_sleep(0.02)"},
		{Name: "span", One: true, SQL: "SELECT min(n) AS lo, max(n) AS hi FROM t" + sleep},
		{Name: "groups", Labels: 1, SQL: "SELECT g, count(*) AS n, sum(n) AS total FROM t" + sleep + " GROUP BY g ORDER BY g"},
		{Name: "top", Labels: 2, SQL: "SELECT g, n::text, n * 1.5 AS x FROM t" + sleep + " ORDER BY n DESC LIMIT 5"},
		{Name: "quality", One: true, Quality: true, SQL: "SELECT count(*) AS value FROM comment_quality" + sleep},
	}
	var defs []kpi.Def
	for round := range 2 {
		for _, d := range shapes {
			d.ID, d.Name = 900+len(defs), fmt.Sprintf("%s_%d", d.Name, round)
			d.File = d.Name + ".sql"
			defs = append(defs, d)
		}
	}
	return defs
}

// bothTake makes the first connection wait, on its first query, until the second has taken
// one (so each takes some, whatever the machine's speed); onJoin runs as the second is about to
// connect. It returns which connection took each query.
func bothTake(t *testing.T, onJoin func()) (took func() map[int]int, restore func()) {
	var mu sync.Mutex
	byQuery := map[int]int{}
	in := make(chan struct{})
	var once sync.Once
	restore = postgres.SetQueueTaken(func(conn, i int) {
		switch {
		case conn == 1 && i < 0:
			if onJoin != nil {
				onJoin()
			}
			return
		case conn == 1:
			once.Do(func() { close(in) })
		case conn == 0 && i == 0:
			select {
			case <-in:
			case <-time.After(10 * time.Second):
				t.Error("the second connection took no query in 10 s")
			}
		}
		mu.Lock()
		byQuery[i] = conn
		mu.Unlock()
	})
	return func() map[int]int {
		mu.Lock()
		defer mu.Unlock()
		return byQuery
	}, restore
}

func beginKPIs(t *testing.T, conn *pgx.Conn) pgx.Tx {
	t.Helper()
	tx, err := conn.BeginTx(context.Background(), pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(context.Background()) })
	return tx
}

// TestKPIsOnTwoConnections: the KPIs run on two connections answer exactly what they answer on
// one, in definition order, also when rows are committed after the first connection's snapshot
// and before the second connects: the second sees the first's snapshot, not its own.
func TestKPIsOnTwoConnections(t *testing.T) {
	dsn, conn := kpiFixture(t)
	ctx := context.Background()
	p, defs := kpi.DefaultParams(), testDefs()
	one, err := postgres.KPIs(ctx, beginKPIs(t, conn), "k", p, defs)
	if err != nil {
		t.Fatal(err)
	}
	if *one[0].Value != 1000 || one[6].Available || one[6].Status != kpi.NotAvailable || one[2].Value != nil || len(one[4].Rows) != 7 {
		t.Fatalf("one connection's answers are not the fixture's: %+v", one)
	}
	other := connect(t, dsn)
	took, restore := bothTake(t, func() {
		if _, err := other.Exec(ctx, "INSERT INTO k.t SELECT 'late', 0 FROM generate_series(1, 5)"); err != nil {
			t.Error(err)
		}
	})
	defer restore()
	two, err := postgres.KPIsOn(ctx, beginKPIs(t, connect(t, dsn)), dsn, "k", p, defs)
	if err != nil {
		t.Fatal(err)
	}
	on := took()
	var second []string
	for i, c := range on {
		if c == 1 {
			second = append(second, defs[i].Name)
		}
	}
	if len(on) != len(defs) || len(second) == 0 {
		t.Fatalf("queries taken %v (second connection: %v), want all %d, some by the second", on, second, len(defs))
	}
	if diff := cmp.Diff(one, two, cmpopts.IgnoreFields(kpi.Result{}, "Millis")); diff != "" {
		t.Errorf("two connections (the second ran %v) differ from one (-one +two):\n%s", second, diff)
	}
	for _, r := range two {
		if r.Millis <= 0 {
			t.Errorf("KPI %s: %v ms", r.Name, r.Millis)
		}
	}
	var rows int
	if err := other.QueryRow(ctx, "SELECT count(*) FROM k.t").Scan(&rows); err != nil || rows != 1005 {
		t.Fatalf("the late rows: %d, %v (want 1005 committed)", rows, err)
	}
}

// TestKPIsOnTwoConnectionsFail: one failing query fails the whole call with its name, on either
// connection, as it does on one; a timeout stops both connections' queries and is named too.
func TestKPIsOnTwoConnectionsFail(t *testing.T) {
	dsn, conn := kpiFixture(t)
	p := kpi.DefaultParams()
	bad := kpi.Def{ID: 990, Name: "bad", File: "bad.sql", One: true, SQL: "SELECT 1 / (count(*) - count(*)) AS value FROM t"}
	for _, at := range []int{0, 1, 5} { // taken by the first connection, by the second, by either
		for _, helpers := range []string{"", dsn} {
			t.Run(fmt.Sprintf("at%d_two%v", at, helpers != ""), func(t *testing.T) {
				defs := testDefs()
				defs = append(defs[:at], append([]kpi.Def{bad}, defs[at:]...)...)
				if helpers != "" && at < 2 {
					took, restore := bothTake(t, nil)
					defer restore()
					defer func() {
						if c, ok := took()[at]; !ok || c != at {
							t.Errorf("query %d taken by connection %d (%v), want %d", at, c, ok, at)
						}
					}()
				}
				res, err := postgres.KPIsOn(context.Background(), beginKPIs(t, connect(t, dsn)), helpers, "k", p, defs)
				var pe *pgconn.PgError
				if res != nil || err == nil || !strings.HasPrefix(err.Error(), "kpi 990 bad (bad.sql): ") || !errors.As(err, &pe) || pe.Code != "22012" {
					t.Fatalf("results %v, error %v; want none and kpi 990 bad (bad.sql): division by zero", res, err)
				}
			})
		}
	}
	for _, helpers := range []string{"", dsn} {
		t.Run(fmt.Sprintf("timeout_two%v", helpers != ""), func(t *testing.T) {
			defs := testDefs()
			for i := range defs[:4] {
				defs[i].SQL = "SELECT count(*) AS value FROM pg_sleep(30)"
				defs[i].Labels, defs[i].One = 0, true
			}
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			began := time.Now()
			res, err := postgres.KPIsOn(ctx, beginKPIs(t, connect(t, dsn)), helpers, "k", p, defs)
			if res != nil || err == nil || !strings.HasPrefix(err.Error(), "kpi 90") || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("results %v, error %v; want none and a KPI's deadline", res, err)
			}
			if took := time.Since(began); took > 10*time.Second {
				t.Errorf("the timeout took %v to stop the queries", took)
			}
		})
	}
	// No query is left running (the cancellation reaches the server a moment later).
	var running int
	for wait := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND state = 'active' AND pid <> pg_backend_pid()").Scan(&running); err != nil {
			t.Fatal(err)
		}
		if running == 0 {
			break
		}
		if time.Since(wait) > 5*time.Second {
			t.Errorf("%d sleeping queries still running 5 s after their deadline", running)
			break
		}
	}
}
