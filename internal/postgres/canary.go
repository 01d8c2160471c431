package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sdetl/sdetl/internal/canary"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/store"
)

// PurposeCanary marks the canary's schema in owned_schemas.
const PurposeCanary = "canary"

// CanaryOptions configure a canary load.
type CanaryOptions struct {
	Spec  *contract.Spec
	Clean string // the clean store
	DSN   string
	// Where is the sample's clean-store row filter per table (" WHERE ..."), as the load's
	// COPY takes it (clean.Sample.Where).
	Where   func(table string) string
	Queries []canary.Query
	// QueryTimeout bounds each query (statement_timeout); 0 means 60 s.
	QueryTimeout time.Duration
	AdoptSchema  string // as LoadOptions.AdoptSchema: the ownership check must agree with the load's
	Progress     func(table string, rows int)
	// Run, when set, is the run (BeginRun) whose connection holds the advisory lock: the canary
	// runs on it instead of taking the lock again on a connection of its own.
	Run *Run
	// Health is checked before and every Health.Every rows of each table's COPY, the server
	// pinged on a connection of its own; zero: no checks.
	Health health.Limits
	ping   func() error
	// Seconds, when set, receives the wall seconds of each of the canary's steps: create,
	// load (every table's copy, indexes and statistics, two at a time), observe, queries and
	// drop; and copy, index and analyze, each summed over the tables (on two connections, so
	// together more than load).
	Seconds map[string]float64
	laps    *sync.Mutex // Seconds', written by both loading connections
}

// lap adds the seconds since began to step's (when anyone listens).
func (o *CanaryOptions) lap(step string, began time.Time) {
	if o.Seconds == nil || o.laps == nil {
		return
	}
	o.laps.Lock()
	o.Seconds[step] += time.Since(began).Seconds()
	o.laps.Unlock()
}

// canaryLoaded, set only by tests, runs between the canary's load and its observation: the
// place to damage a sample the way a broken load would.
var canaryLoaded func(ctx context.Context, conn *pgx.Conn, schema string) error

// CanarySchema is the schema the canary loads into.
func CanarySchema(s *contract.Spec) string { return s.Schema + "__canary" }

// Canary loads the sample into the canary schema with the load's own COPY, observes it (column
// types, rows, NULLs, date extremes) and runs every query on it, then drops the schema, whatever
// happened. The schema is committed and recorded as owned (purpose canary) before anything is
// copied, so a run killed mid-canary leaves a schema the next run's ownership check finds as a
// leftover and drops (here, and in Load). The live schema is never touched. A value PostgreSQL
// refuses is a canary failure (outcome.ErrCanary); the judgement of what was observed is
// canary.Check's.
func Canary(ctx context.Context, opts CanaryOptions) (_ *canary.Observed, err error) {
	o := &opts
	o.laps = new(sync.Mutex)
	src, err := store.OpenReadOnly(o.Clean)
	if err != nil {
		return nil, fmt.Errorf("clean store: %w", err)
	}
	defer src.Close()
	var conn *pgx.Conn
	if o.Run != nil { // the run's connection already holds the lock
		conn = o.Run.conn
	} else {
		if conn, err = Connect(ctx, o.DSN); err != nil {
			return nil, err
		}
		defer conn.Close(context.Background())
		unlock, err := Lock(ctx, conn, o.Spec.Schema)
		if err != nil {
			return nil, err
		}
		defer unlock()
		if err := ensureBookkeeping(ctx, conn); err != nil {
			return nil, err
		}
	}
	if o.Health != (health.Limits{}) {
		p := newPinger(o.DSN)
		defer p.close()
		o.ping = p.ping
	}
	schema := CanarySchema(o.Spec)
	began := time.Now()
	if err := createCanary(ctx, conn, o, schema); err != nil {
		return nil, err
	}
	o.lap("create", began)
	defer func() {
		// Dropped also when ctx was cancelled: a short grace of its own.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		began := time.Now()
		if derr := dropCanary(dctx, conn, schema); derr != nil && err == nil {
			err = derr
		}
		o.lap("drop", began)
	}()
	testPoint("canary")
	began = time.Now()
	if err := loadCanaryTables(ctx, conn, src, o, schema); err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, quarantineDDL(schema)); err != nil { // empty: the queries may read it
		return nil, fmt.Errorf("canary: create quarantine: %w", err)
	}
	if canaryLoaded != nil {
		if err := canaryLoaded(ctx, conn, schema); err != nil {
			return nil, err
		}
	}
	o.lap("load", began)
	began = time.Now()
	obs, err := observe(ctx, conn, o.Spec, schema)
	if err != nil {
		return nil, err
	}
	o.lap("observe", began)
	began = time.Now()
	obs.Queries = runQueries(ctx, conn, o.DSN, schema, o.Queries, o.QueryTimeout)
	o.lap("queries", began)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return obs, nil
}

// createCanary settles ownership (under the run's lock), drops a canary a killed run left, and
// creates and records the new one, in one short committed transaction.
func createCanary(ctx context.Context, conn *pgx.Conn, o *CanaryOptions, schema string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	tg, err := checkOwnership(ctx, tx, o.Spec, o.AdoptSchema)
	if err != nil {
		return err
	}
	for _, name := range tg.leftovers {
		if name == schema {
			if err := dropOwned(ctx, tx, name); err != nil {
				return err
			}
		}
	}
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+ident(schema)); err != nil {
		return fmt.Errorf("create schema %s: %w", schema, err)
	}
	if err := recordSchema(ctx, tx, schema, PurposeCanary, o.Spec.Name, loadedTables(o.Spec), false); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func dropCanary(ctx context.Context, conn *pgx.Conn, schema string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("drop canary schema %s: %w", schema, err)
	}
	defer tx.Rollback(context.Background())
	if err := dropOwned(ctx, tx, schema); err != nil {
		return fmt.Errorf("drop canary schema %s: %w", schema, err)
	}
	return tx.Commit(ctx)
}

// canaryConns is how many connections load the canary's tables at once: the table on the
// run's connection and the next on a second one, as the load's copies run.
const canaryConns = 2

// loadCanaryTables loads every contract table of the sample, on conn and on a connection of
// its own beside it, each table in its own transaction; the first error stops the others, and
// the first that is not a cancellation it caused is returned.
func loadCanaryTables(ctx context.Context, conn *pgx.Conn, src *sql.DB, o *CanaryOptions, schema string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tables := make(chan *contract.Table)
	errs := make([]error, canaryConns)
	src.SetMaxOpenConns(canaryConns) // each copy streams from the store on a read connection of its own
	var wg sync.WaitGroup
	for w := range canaryConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := conn
			if w > 0 {
				var err error
				if c, err = Connect(ctx, o.DSN); err != nil {
					errs[w] = err
					cancel()
					for range tables {
					}
					return
				}
				defer c.Close(context.Background())
			}
			for t := range tables {
				if errs[w] != nil || ctx.Err() != nil {
					continue
				}
				if errs[w] = loadCanaryTable(ctx, c, src, o, schema, t); errs[w] != nil {
					cancel()
				}
			}
		}()
	}
	for _, t := range o.Spec.Tables {
		tables <- t
	}
	close(tables)
	wg.Wait()
	if err := firstCause(errs); err != nil {
		return err
	}
	return ctx.Err()
}

// canaryLocal sets, for one canary table's transaction only (the first connection is the run's):
// long values compressed with lz4 where the server has it, as the load's copies compress them
// (copySession; pglz made the sample's comments copy twice as slow), and statistics of a 3,000-row
// sample instead of 30,000. The statistics only steer the plans of the queries the canary runs,
// never their results; a sample is small, and ANALYZE of every column of 30,000 rows was a
// quarter of the event log's canary.
const canaryLocal = `SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings
	WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals);
	SET LOCAL default_statistics_target = 10`

// loadCanaryTable creates one table, COPYs the sample's rows into it with the load's copyTable
// and builds its indexes and statistics as the load does, in one transaction.
func loadCanaryTable(ctx context.Context, conn *pgx.Conn, src *sql.DB, o *CanaryOptions, schema string, t *contract.Table) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, canaryLocal); err != nil {
		return fmt.Errorf("canary: settings: %w", err)
	}
	if _, err := tx.Exec(ctx, tableDDL(schema, t)); err != nil {
		return fmt.Errorf("canary: create %s: %w", t.Name, err)
	}
	where := ""
	if o.Where != nil {
		where = o.Where(t.Name)
	}
	began := time.Now()
	if _, err := copyTable(ctx, tx.Conn(), src, schema, t, where, o.Progress, o.Health.For("canary", o.ping), nil); err != nil {
		return canaryErr("load "+t.Name, explainRowTooBig(t, err))
	}
	o.lap("copy", began)
	began = time.Now()
	// The load's indexes and statistics too: without them the KPI queries plan blind on the
	// sample (nested loops over unanalyzed tables), and their time grew with the square of the
	// rows (canary 1.4 s at the reference size, 15.2 s at 4x).
	for _, ddl := range indexDDL(schema, t) {
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return canaryErr("index of "+t.Name, err)
		}
	}
	o.lap("index", began)
	began = time.Now()
	if _, err := tx.Exec(ctx, "ANALYZE "+ident(schema, t.Name)); err != nil {
		return fmt.Errorf("canary: analyze %s: %w", t.Name, err)
	}
	o.lap("analyze", began)
	return tx.Commit(ctx)
}

// canaryErr makes a data error PostgreSQL raised (class 22 data exception, 23 integrity
// constraint violation) a canary failure; anything else (a lost connection) stays an error.
func canaryErr(what string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "23")) {
		return fmt.Errorf("%w: %s: %w; the live schema is untouched", outcome.ErrCanary, what, err)
	}
	return fmt.Errorf("canary: %s: %w", what, err)
}

// observe reads what the canary schema holds: per table its rows, and per column its type as
// format_type names it, its NULLs and, for date kinds, its extremes as PostgreSQL's text.
func observe(ctx context.Context, conn *pgx.Conn, s *contract.Spec, schema string) (*canary.Observed, error) {
	obs := &canary.Observed{}
	for _, t := range s.Tables {
		to := canary.TableObserved{Table: t.Name}
		rows, err := conn.Query(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
			WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, ident(schema, t.Name))
		if err != nil {
			return nil, fmt.Errorf("canary: columns of %s: %w", t.Name, err)
		}
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				var c canary.ColumnObserved
				if err := rows.Scan(&c.Name, &c.Type); err != nil {
					return err
				}
				to.Columns = append(to.Columns, c)
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, fmt.Errorf("canary: columns of %s: %w", t.Name, err)
		}
		if err := measure(ctx, conn, schema, t, &to); err != nil {
			return nil, fmt.Errorf("canary: measure %s: %w", t.Name, err)
		}
		obs.Tables = append(obs.Tables, to)
	}
	return obs, nil
}

// measureBatch is how many columns one measuring scan covers: PostgreSQL allows 1,664 entries
// in a select list and a date column takes three (a contract table may hold 1,597 columns).
const measureBatch = 500

// measure counts the rows and each column's NULLs and reads the extremes of the contract's date,
// timestamp and month columns, as PostgreSQL's text (chronological order for dates, which is
// also text order for months).
func measure(ctx context.Context, conn *pgx.Conn, schema string, t *contract.Table, to *canary.TableObserved) error {
	dated, tz := map[string]bool{}, map[string]bool{}
	for _, c := range t.Columns {
		dated[c.Name] = c.Type.IsDated() || c.Type == contract.Month
		if c.Type == contract.Timestamptz {
			tz[c.Name] = true
		}
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+ident(schema, t.Name)).Scan(&to.Rows); err != nil {
		return err
	}
	for lo := 0; lo < len(to.Columns); lo += measureBatch {
		cols := to.Columns[lo:min(lo+measureBatch, len(to.Columns))]
		var sel []string
		var dest []any
		nonNull := make([]int64, len(cols))
		mins, maxs := make([]*string, len(cols)), make([]*string, len(cols))
		for i, c := range cols {
			q := ident(c.Name)
			sel, dest = append(sel, "count("+q+")"), append(dest, &nonNull[i])
			switch {
			case tz[c.Name]:
				sel, dest = append(sel, utcText("min("+q+")"), utcText("max("+q+")")), append(dest, &mins[i], &maxs[i])
			case dated[c.Name]:
				sel, dest = append(sel, "min("+q+")::text", "max("+q+")::text"), append(dest, &mins[i], &maxs[i])
			}
		}
		if err := conn.QueryRow(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+ident(schema, t.Name)).Scan(dest...); err != nil {
			return err
		}
		for i := range cols {
			cols[i].Nulls = to.Rows - nonNull[i]
			if mins[i] != nil && maxs[i] != nil {
				cols[i].Min, cols[i].Max = *mins[i], *maxs[i]
			}
		}
	}
	return nil
}

// FormatType names a contract type as PostgreSQL's format_type does, for the canary's type check.
func FormatType(t contract.Type) string {
	switch p := PGType(t); p {
	case "timestamp", "time":
		return p + " without time zone"
	case "timestamptz":
		return "timestamp with time zone"
	default:
		return p
	}
}

// runQueries runs every query (runQuery) on conn and, beside it, on a connection of dsn of its
// own, each taking the next query as soon as it is free (the sample's 31 queries at scale 1:
// 0.11 s on one connection, 0.06 s on two), and returns their results in the queries' order; a
// query's result is the same on either connection. The second connection only helps: when it
// cannot connect, conn runs every query; fewer than helpMin (the event log's 2) stay on conn.
func runQueries(ctx context.Context, conn *pgx.Conn, dsn, schema string, qs []canary.Query, timeout time.Duration) []canary.QueryResult {
	out := make([]canary.QueryResult, len(qs))
	q := &queue{n: len(qs)}
	work := func(w int, c *pgx.Conn) {
		for i, ok := q.take(w); ok; i, ok = q.take(w) {
			out[i] = runQuery(ctx, c, schema, qs[i], timeout)
		}
	}
	if len(qs) < helpMin || dsn == "" {
		work(0, conn)
		return out
	}
	helped(ctx, conn, func(ctx context.Context) (*pgx.Conn, func(), error) {
		c, err := Connect(ctx, dsn)
		if err != nil {
			return nil, nil, err
		}
		return c, func() { c.Close(context.Background()) }, nil
	}, work)
	return out
}

// runQuery runs one query in a read-only transaction with search_path set to the schema under
// test, reads every row, and reports how it went; it never changes anything.
func runQuery(ctx context.Context, conn *pgx.Conn, schema string, q canary.Query, timeout time.Duration) canary.QueryResult {
	res := canary.QueryResult{Name: q.Name}
	if timeout <= 0 {
		timeout = time.Minute
	}
	err := func() error {
		tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer tx.Rollback(context.Background())
		if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL search_path TO %s, pg_catalog; SET LOCAL statement_timeout = %d",
			ident(schema), timeout.Milliseconds())); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, strings.ReplaceAll(q.SQL, "{{schema}}", ident(schema)), pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			res.Rows++
		}
		return rows.Err()
	}()
	if err != nil {
		res.Error = oneLineErr(err)
	}
	return res
}

func oneLineErr(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }
