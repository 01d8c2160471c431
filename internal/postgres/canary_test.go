package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sdetl/sdetl/internal/canary"
	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/store"
)

// rowHash is an order-independent digest of every row of a table, for "untouched" checks.
func rowHash(t *testing.T, conn *pgx.Conn, table string) string {
	t.Helper()
	var h string
	if err := conn.QueryRow(context.Background(), "SELECT coalesce(md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))), '') FROM "+table+" x").Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// canaryFixture loads the mini clean store live and draws its sample (one stratum: 50 of 500).
func canaryFixture(t *testing.T) (*contract.Spec, postgres.CanaryOptions, *clean.Sample, *pgx.Conn) {
	t.Helper()
	s, cleanPath := miniClean(t)
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanPath, DSN: dsn, Want: measured(t, s, cleanPath)}); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenReadOnly(cleanPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sm, err := clean.DrawSample(ctx, db, s, 7)
	if err != nil {
		t.Fatal(err)
	}
	if sm.Rows["tickets"] != 50 {
		t.Fatalf("sample of %d tickets, want 50 of 500", sm.Rows["tickets"])
	}
	o := postgres.CanaryOptions{Spec: s, Clean: cleanPath, DSN: dsn, Where: sm.Where, Queries: canary.DefaultQueries(s)}
	return s, o, sm, connect(t, dsn)
}

// miniProfile is a profile of the mini tickets: no NULL notes, created within July 2025.
func miniProfile() *profile.Report {
	return &profile.Report{Tables: []*profile.TableReport{{Table: "tickets", Columns: []*profile.ColumnReport{
		{Name: "note", Rows: 501, Nulls: 0, InferredType: "text"},
		{Name: "created", Rows: 501, Nulls: 1, InferredType: "timestamp", Min: "2025-07-01 08:00:00", Max: "2025-07-01 08:00:00"},
	}}}}
}

// TestCanaryPasses: the sample's rows are loaded into the canary schema with the load's COPY,
// typed as the contract says, the basic queries execute, and afterwards the canary schema and
// its record are gone and the live schema is as it was; every step's seconds are reported.
func TestCanaryPasses(t *testing.T) {
	s, o, sm, conn := canaryFixture(t)
	before := rowHash(t, conn, "mini.tickets")
	o.Seconds = map[string]float64{}
	obs, err := postgres.Canary(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"create", "load", "copy", "index", "analyze", "observe", "queries", "drop"} {
		if o.Seconds[step] <= 0 {
			t.Errorf("canary step %s: %v s (steps %v)", step, o.Seconds[step], o.Seconds)
		}
	}
	if f := canary.Check(canary.Expect(s, miniProfile(), sm.Rows, postgres.FormatType), obs, s.Canary); len(f) != 0 {
		t.Fatalf("a good sample fails: %v", f)
	}
	if obs.Tables[0].Rows != 50 || len(obs.Queries) != 2 {
		t.Errorf("observed %d rows and %d queries, want 50 and 2", obs.Tables[0].Rows, len(obs.Queries))
	}
	noCanaryLeft(t, conn)
	if rowHash(t, conn, "mini.tickets") != before {
		t.Error("the canary changed the live schema")
	}
}

func noCanaryLeft(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	if got := schemas(t, conn); strings.Join(got, " ") != "mini" {
		t.Errorf("schemas after the canary: %v, want only mini", got)
	}
	if n := count(t, conn, "sdetl.owned_schemas WHERE purpose = 'canary'"); n != 0 {
		t.Errorf("%d canary records survive", n)
	}
}

// TestCanaryFails: a column of the wrong type, a query that fails, a null ratio off the
// profile's and a count that differs each fail the canary, naming table, column and measure;
// the canary schema is dropped every time and the live schema untouched.
func TestCanaryFails(t *testing.T) {
	s, o, sm, conn := canaryFixture(t)
	before := rowHash(t, conn, "mini.tickets")
	cases := []struct {
		name    string
		damage  string // SQL run on the loaded canary schema, {s} for its name
		queries []canary.Query
		want    string
	}{
		{name: "type", damage: `ALTER TABLE {s}.tickets ALTER COLUMN hours TYPE text`, want: "tickets.hours: type text, the contract says numeric"},
		{name: "query", queries: []canary.Query{{Name: "kpi_backlog", SQL: "SELECT status FROM tickets"}}, want: `query kpi_backlog: ERROR: column "status" does not exist`},
		{name: "null ratio", damage: `UPDATE {s}.tickets SET note = NULL WHERE id % 2 = 0`, want: "tickets.note: null ratio"},
		{name: "rows", damage: `DELETE FROM {s}.tickets WHERE id IN (SELECT id FROM {s}.tickets LIMIT 1)`, want: "tickets: 49 rows loaded, the sample holds 50"},
		{name: "range", damage: `UPDATE {s}.tickets SET created = '2019-01-01' WHERE id IN (SELECT id FROM {s}.tickets LIMIT 1)`, want: "tickets.created: values 2019-01-01 00:00:00 .. 2025-07-01 08:00:00, outside the profile's range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			restore := postgres.SetCanaryLoaded(func(ctx context.Context, conn *pgx.Conn, schema string) error {
				if c.damage == "" {
					return nil
				}
				_, err := conn.Exec(ctx, strings.ReplaceAll(c.damage, "{s}", pgx.Identifier{schema}.Sanitize()))
				return err
			})
			defer restore()
			oc := o
			oc.Queries = append(append([]canary.Query(nil), o.Queries...), c.queries...)
			obs, err := postgres.Canary(context.Background(), oc)
			if err != nil {
				t.Fatal(err)
			}
			f := canary.Check(canary.Expect(s, miniProfile(), sm.Rows, postgres.FormatType), obs, s.Canary)
			if len(f) != 1 || !strings.Contains(f[0].Message, c.want) {
				t.Errorf("failures %v, want one saying %q", f, c.want)
			}
			noCanaryLeft(t, conn)
			if rowHash(t, conn, "mini.tickets") != before {
				t.Error("the live schema changed")
			}
		})
	}
}

// TestCanaryRefusedValue: a value PostgreSQL refuses while the sample is copied (a data
// exception, an integrity violation) is a canary failure (exit 6); a lost connection or a
// shutdown stays a runtime error.
func TestCanaryRefusedValue(t *testing.T) {
	for code, want := range map[string]bool{"22007": true, "23505": true, "57P01": false, "08006": false} {
		err := postgres.CanaryErr("load tickets", &pgconn.PgError{Code: code, Message: "x"})
		if errors.Is(err, outcome.ErrCanary) != want {
			t.Errorf("SQLSTATE %s: canary failure %v, want %v (%v)", code, !want, want, err)
		}
	}
}

// TestCanaryLeftoverDropped: a canary schema a killed run left (created and recorded, never
// dropped) is dropped by the next canary and by the next load, and never blocks either.
func TestCanaryLeftoverDropped(t *testing.T) {
	s, o, _, conn := canaryFixture(t)
	ctx := context.Background()
	if err := postgres.LeaveCanary(ctx, o); err != nil {
		t.Fatal(err)
	}
	if got := schemas(t, conn); strings.Join(got, " ") != "mini mini__canary" {
		t.Fatalf("schemas %v: the leftover was not made", got)
	}
	if _, err := postgres.Canary(ctx, o); err != nil {
		t.Fatal(err)
	}
	noCanaryLeft(t, conn)
	if err := postgres.LeaveCanary(ctx, o); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: o.Clean, DSN: o.DSN, Want: measured(t, s, o.Clean)}); err != nil {
		t.Fatal(err)
	}
	noCanaryLeft(t, conn)
	// A canary schema sdetl did not create is refused, never dropped.
	exec(t, conn, "CREATE SCHEMA mini__canary")
	if _, err := postgres.Canary(ctx, o); !errors.Is(err, outcome.ErrPreflight) {
		t.Errorf("err %v, want a refusal (preflight)", err)
	}
}

// TestCanarySettingsStayLocal: the canary analyzes its sample with the smaller statistics
// target, and neither it nor the lz4 compression outlives the table's transaction on the
// connection (the run's own, in a run).
func TestCanarySettingsStayLocal(t *testing.T) {
	_, o, _, conn := canaryFixture(t)
	var before [2]string
	if err := conn.QueryRow(context.Background(), "SELECT current_setting('default_statistics_target'), current_setting('default_toast_compression')").Scan(&before[0], &before[1]); err != nil {
		t.Fatal(err)
	}
	var after [2]string
	var bounds int
	restore := postgres.SetCanaryLoaded(func(ctx context.Context, c *pgx.Conn, schema string) error {
		if err := c.QueryRow(ctx, "SELECT current_setting('default_statistics_target'), current_setting('default_toast_compression')").Scan(&after[0], &after[1]); err != nil {
			return err
		}
		// id is unique: its histogram has a bound per row up to the target, plus one.
		return c.QueryRow(ctx, `SELECT coalesce(array_length(histogram_bounds::text::text[], 1), 0) FROM pg_stats
			WHERE schemaname = $1 AND tablename = 'tickets' AND attname = 'id'`, schema).Scan(&bounds)
	})
	defer restore()
	if _, err := postgres.Canary(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("the canary's connection after its tables: %v, before %v", after, before)
	}
	if bounds < 2 || bounds > 11 {
		t.Errorf("id's histogram has %d bounds, want 2 to 11 (statistics target 10)", bounds)
	}
}

// TestCanaryQueriesOnTwoConnections: the canary's queries, shared by two connections, are
// reported in their own order, each as it went, wherever it ran: rows, a failure, a timeout.
func TestCanaryQueriesOnTwoConnections(t *testing.T) {
	_, o, _, _ := canaryFixture(t)
	o.QueryTimeout = 300 * time.Millisecond
	o.Queries = []canary.Query{
		{Name: "all", SQL: "SELECT * FROM tickets"},
		{Name: "bad", SQL: "SELECT nope FROM tickets"},
		{Name: "slow", SQL: "SELECT id FROM tickets, pg_sleep(0.02)"},
		{Name: "too slow", SQL: "SELECT pg_sleep(5)"},
		{Name: "seven", SQL: "SELECT generate_series(1, 7), pg_sleep(0.02)"},
		{Name: "none", SQL: "SELECT id FROM {{schema}}.tickets WHERE id < 0"},
		{Name: "one", SQL: "SELECT count(*) FROM tickets, pg_sleep(0.02)"},
	}
	took, restore := bothTake(t, nil)
	defer restore()
	obs, err := postgres.Canary(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		rows int64
		err  string
	}{{"all", 50, ""}, {"bad", 0, `column "nope" does not exist`}, {"slow", 50, ""}, {"too slow", 0, "statement timeout"}, {"seven", 7, ""}, {"none", 0, ""}, {"one", 1, ""}}
	if len(obs.Queries) != len(want) {
		t.Fatalf("%d query results, want %d: %+v", len(obs.Queries), len(want), obs.Queries)
	}
	for i, w := range want {
		q := obs.Queries[i]
		if q.Name != w.name || q.Rows != w.rows || (w.err == "") != (q.Error == "") || !strings.Contains(q.Error, w.err) {
			t.Errorf("query %d: %+v, want %s: %d rows, error %q", i, q, w.name, w.rows, w.err)
		}
	}
	if on := took(); len(on) != len(want) || on[1] != 1 {
		t.Errorf("queries taken by %v, want all, the failing one by the second connection", on)
	}
}
