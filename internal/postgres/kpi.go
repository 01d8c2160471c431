package postgres

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/kpi"
)

// qualityDDL is comment_quality (docs/kpis.md): filled by another process, read by KPIs 5, 10
// and 22. It lives in <schema>_ext, which no load, swap or rollback of <schema> touches.
const qualityDDL = `CREATE TABLE IF NOT EXISTS %s (
	comment_id      bigint PRIMARY KEY,
	ticket_id       bigint NOT NULL,
	clarity         smallint NOT NULL CHECK (clarity BETWEEN 1 AND 5),
	completeness    smallint NOT NULL CHECK (completeness BETWEEN 1 AND 5),
	empathy         smallint NOT NULL CHECK (empathy BETWEEN 1 AND 5),
	professionalism smallint NOT NULL CHECK (professionalism BETWEEN 1 AND 5),
	overall         numeric NOT NULL CHECK (overall BETWEEN 1 AND 5),
	tier            text NOT NULL CHECK (tier IN ('excellent', 'good', 'acceptable', 'poor')),
	analysed_at     timestamptz NOT NULL DEFAULT now()
)`

// EnsureQualityTable creates <schema>_ext.comment_quality, empty, unless it exists; an existing
// table (and its rows) is never touched.
func EnsureQualityTable(ctx context.Context, conn *pgx.Conn, schema string) error {
	ext := kpi.ExtSchema(schema)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", ident(ext, kpi.QualityTable)).Scan(&exists); err != nil {
		return fmt.Errorf("look for %s.%s: %w", ext, kpi.QualityTable, err)
	}
	if exists {
		return nil
	}
	for _, stmt := range []string{
		"CREATE SCHEMA IF NOT EXISTS " + ident(ext),
		fmt.Sprintf(qualityDDL, ident(ext, kpi.QualityTable)),
		"COMMENT ON TABLE " + ident(ext, kpi.QualityTable) + " IS 'comment quality scores, filled by the comment analysis; read by sdetl KPIs 5, 10, 22 (docs/kpis.md)'",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("create %s.%s: %w", ext, kpi.QualityTable, err)
		}
	}
	return nil
}

// KPIReport is what `sdetl kpi` prints.
type KPIReport struct {
	Schema   string              `json:"schema"`
	Params   kpi.Params          `json:"params"`
	Results  []kpi.Result        `json:"kpis"`
	Values   map[string]*float64 `json:"values"`
	Duration time.Duration       `json:"duration_ns"`
}

// RunKPIs creates comment_quality if it is missing, then runs the named KPIs (all when only is
// empty) against the live schema in one read-only transaction, so every KPI sees the same data.
func RunKPIs(ctx context.Context, dsn, schema string, p kpi.Params, only []string) (*KPIReport, error) {
	defs, err := selectDefs(only)
	if err != nil {
		return nil, err
	}
	conn, err := Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	if err := EnsureQualityTable(ctx, conn, schema); err != nil {
		return nil, err
	}
	start := time.Now()
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.Background())
	res, err := kpisOn(ctx, tx, dsn, schema, p, defs)
	if err != nil {
		return nil, err
	}
	return &KPIReport{Schema: schema, Params: p, Results: res, Values: kpi.Values(res), Duration: time.Since(start)}, nil
}

func selectDefs(only []string) ([]kpi.Def, error) {
	if len(only) == 0 {
		return kpi.Defs(), nil
	}
	var defs []kpi.Def
	for _, n := range only {
		d, ok := kpi.ByName(n)
		if !ok {
			return nil, fmt.Errorf("no KPI named %q (sdetl kpi lists them)", n)
		}
		defs = append(defs, d)
	}
	return defs, nil
}

// KPIs runs defs inside tx, one after another, with the search_path set to schema and its _ext
// schema. comment_quality must exist (EnsureQualityTable).
func KPIs(ctx context.Context, tx pgx.Tx, schema string, p kpi.Params, defs []kpi.Def) ([]kpi.Result, error) {
	return kpisOn(ctx, tx, "", schema, p, defs)
}

// kpisOn runs defs inside tx. When dsn is not "", a second connection (of dsn) helps: tx
// exports its snapshot, the second opens a READ ONLY REPEATABLE READ transaction on it, so both
// see exactly the data tx sees, and the two take the queries in definition order, each as soon
// as it is free (the 23 KPIs at scale 1: 0.65 s on one connection, 0.30 s on two; definition
// order leaves the two within a query of each other, as longest-first would). The results come
// back in definition order. The first query to fail fails the call, named as on one
// connection, and stops the other. The second connection only helps: when it cannot connect or
// join the snapshot, tx runs every query, as it does alone; fewer than helpMin queries (a run
// with nothing to do asks only the three reading comment_quality) stay on tx.
func kpisOn(ctx context.Context, tx pgx.Tx, dsn, schema string, p kpi.Params, defs []kpi.Def) ([]kpi.Result, error) {
	if err := kpiSession(ctx, tx, schema); err != nil {
		return nil, fmt.Errorf("kpi search_path: %w", err)
	}
	var qualityRows int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+ident(kpi.ExtSchema(schema), kpi.QualityTable)).Scan(&qualityRows); err != nil {
		return nil, fmt.Errorf("count %s: %w", kpi.QualityTable, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]kpi.Result, len(defs))
	q := &queue{n: len(defs)}
	var (
		mu       sync.Mutex
		firstErr error
	)
	work := func(conn int, on pgx.Tx) {
		for {
			i, ok := q.take(conn)
			if !ok {
				return
			}
			def := p.WithBand(defs[i])
			d := &def
			start := time.Now()
			r, err := runKPI(ctx, on, d, d.Inline(p, ""))
			if err != nil {
				mu.Lock()
				if firstErr == nil { // a later one is the other's, cancelled because of this one
					firstErr = fmt.Errorf("kpi %d %s (%s): %w", d.ID, d.Name, d.File, err)
				}
				mu.Unlock()
				q.stop()
				cancel()
				return
			}
			d.Finish(r, qualityRows)
			r.Millis = float64(time.Since(start).Microseconds()) / 1000
			out[i] = *r
		}
	}
	if dsn == "" || len(defs) < helpMin {
		work(0, tx)
	} else {
		// Every server sdetl takes (PostgreSQL 12 on, preflight) exports snapshots, a hot
		// standby too (from 10).
		var snapshot string
		if err := tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snapshot); err != nil {
			return nil, fmt.Errorf("kpi snapshot: %w", err)
		}
		helped(ctx, tx, func(ctx context.Context) (pgx.Tx, func(), error) {
			return joinSnapshot(ctx, dsn, schema, snapshot)
		}, work)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// joinSnapshot opens a connection of dsn and on it a READ ONLY REPEATABLE READ transaction on
// the exported snapshot, set as kpiSession sets a KPI transaction.
func joinSnapshot(ctx context.Context, dsn, schema, snapshot string) (pgx.Tx, func(), error) {
	conn, err := Connect(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	release := func() { conn.Close(context.Background()) }
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err == nil {
		if _, err = tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+literal(snapshot)); err == nil {
			err = kpiSession(ctx, tx, schema)
		}
	}
	if err != nil {
		release()
		return nil, nil, err
	}
	return tx, release, nil // closing the connection ends the transaction
}

// kpiSession sets a KPI transaction's search_path and work_mem: the per-user sort of the 141K
// timesheet rows (KPI 15) spills to disk at the default 4MB (docs/benchmarks.md); a reporting
// transaction may take a little more.
func kpiSession(ctx context.Context, tx pgx.Tx, schema string) error {
	_, err := tx.Exec(ctx, "SET LOCAL search_path TO "+ident(schema)+", "+ident(kpi.ExtSchema(schema))+"; SET LOCAL work_mem = '32MB'")
	return err
}

func runKPI(ctx context.Context, tx pgx.Tx, d *kpi.Def, sql string) (*kpi.Result, error) {
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	r := &kpi.Result{Rows: []kpi.Row{}}
	for _, f := range rows.FieldDescriptions() {
		r.Columns = append(r.Columns, f.Name)
	}
	if len(r.Columns) <= d.Labels {
		// No columns at all is a query that failed as it began (an error in it, a
		// cancellation): its error, not the missing columns, is what went wrong.
		if rows.Close(); rows.Err() != nil {
			return nil, rows.Err()
		}
		return nil, fmt.Errorf("%d columns, want %d labels and at least one value", len(r.Columns), d.Labels)
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		var row kpi.Row
		for j, v := range vals {
			if j < d.Labels {
				s, err := labelText(v)
				if err != nil {
					return nil, fmt.Errorf("column %s: %w", r.Columns[j], err)
				}
				row.Labels = append(row.Labels, s)
				continue
			}
			n, err := number(v)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", r.Columns[j], err)
			}
			row.Values = append(row.Values, n)
		}
		r.Rows = append(r.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if d.Scalar() && len(r.Rows) != 1 {
		return nil, fmt.Errorf("%d rows, want one", len(r.Rows))
	}
	return r, nil
}

func labelText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	}
	return "", fmt.Errorf("label of type %T, want text", v)
}

// number reads a value column through its decimal text, so 12.35 becomes the float64 that
// strconv gives "12.35" (the generator's truth does the same), never a binary approximation of
// another route.
func number(v any) (*float64, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		s = strconv.FormatInt(x, 10)
	case int32:
		s = strconv.FormatInt(int64(x), 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case pgtype.Numeric:
		if !x.Valid {
			return nil, nil
		}
		dv, err := x.Value()
		if err != nil {
			return nil, err
		}
		s = dv.(string)
	default:
		return nil, fmt.Errorf("value of type %T, want a number", v)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// EnsureQuality is EnsureQualityTable over its own connection; a run calls it before the
// canary, so the canary's KPI queries find the table on a first run too.
func EnsureQuality(ctx context.Context, dsn, schema string) error {
	conn, err := Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return EnsureQualityTable(ctx, conn, schema)
}

// QualityTableName is comment_quality's quoted, schema-qualified name for the live schema.
func QualityTableName(schema string) string { return ident(kpi.ExtSchema(schema), kpi.QualityTable) }

// rehearseKPIs executes every KPI query against the rehearsal schema (comment_quality empty in
// its _ext schema) on tables ANALYZEd as a load's are, so its plans and its time ("kpis", the
// dry run's estimate of the KPIs) are a load's. Any error fails the rehearsal.
func rehearseKPIs(ctx context.Context, tx pgx.Tx, schema string, s *contract.Spec, qs []kpi.Query, lap func(string, time.Time)) error {
	ext := kpi.ExtSchema(schema)
	for _, stmt := range []string{
		"CREATE SCHEMA " + ident(ext),
		fmt.Sprintf(qualityDDL, ident(ext, kpi.QualityTable)),
		"SET LOCAL search_path TO " + ident(schema) + ", " + ident(ext),
		"ANALYZE " + tableList(schema, loadedTables(s)),
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("dry run: prepare the KPI queries: %w", err)
		}
	}
	began := time.Now()
	if err := runKPIQueries(ctx, tx, qs); err != nil {
		return err
	}
	lap("kpis", began)
	return nil
}

func runKPIQueries(ctx context.Context, tx pgx.Tx, qs []kpi.Query) error {
	for _, q := range qs {
		rows, err := tx.Query(ctx, q.SQL, pgx.QueryExecModeSimpleProtocol)
		if err == nil {
			for rows.Next() {
			}
			rows.Close()
			err = rows.Err()
		}
		if err != nil {
			return fmt.Errorf("dry run: KPI %s: %w", q.Name, err)
		}
	}
	return nil
}
