package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/reconcile"
)

// Restoring a dump of the live schema through a generation. pg_restore cannot rename a schema
// on the way in, and the dump's schema has the live name, so it is restored first into a
// scratch database of its own on the same server (never live, nothing of the target database
// touched). From there this file brings it into a new generation of the target database the
// way a run builds one — binary COPY per table, the indexes after the rows, ANALYZE — then
// reconciles the generation with the scratch copy (every measure of the run's reconciliation),
// grants, and swaps it in under the run's lock: a restore is a run of kind "restore" in the
// ledger, listed by `sdetl generations` and undone by `sdetl rollback` like any other.
//
// The scratch database is named in the run's ledger row before it is created and marked by a
// comment, so a restore killed half-way is cleaned up by the next run's start (recoverKilled),
// and nothing but a database so named and so marked is ever dropped.

// scratchMarker starts the comment on every scratch database a restore creates.
const scratchMarker = "sdetl restore scratch"

// Scratch is a scratch database a run created for a restore, on its server.
type Scratch struct {
	Name string
	run  *Run
}

// CreateScratch records and creates an empty scratch database for this run. Drop it when done
// (also on failure); if the process dies, the next run's start drops it.
func (r *Run) CreateScratch(ctx context.Context) (*Scratch, error) {
	b := make([]byte, 4)
	rand.Read(b)
	name := fmt.Sprintf("sdetl_scratch_r%d_%s", r.ID, hex.EncodeToString(b))
	if _, err := r.conn.Exec(ctx, `UPDATE `+ident(contract.BookkeepingSchema, "runs")+` SET scratch_db = $2 WHERE run_id = $1`, r.ID, name); err != nil {
		return nil, fmt.Errorf("record scratch database %s: %w", name, err)
	}
	if _, err := r.conn.Exec(ctx, "CREATE DATABASE "+ident(name)); err != nil {
		return nil, fmt.Errorf("create scratch database %s (the restore needs CREATEDB on the server): %w", name, err)
	}
	cfg, err := pgx.ParseConfig(r.DSN)
	if err != nil {
		return nil, err
	}
	c := fmt.Sprintf("%s for run %d of database %s; dropped when the restore ends", scratchMarker, r.ID, cfg.Database)
	sc := &Scratch{Name: name, run: r}
	if _, err := r.conn.Exec(ctx, "COMMENT ON DATABASE "+ident(name)+" IS "+literal(c)); err != nil {
		sc.Drop(ctx)
		return nil, fmt.Errorf("mark scratch database %s: %w", name, err)
	}
	return sc, nil
}

// Drop drops the scratch database (with any connection left on it) and forgets it in the
// ledger. It runs even when ctx is already cancelled (an interrupted restore cleans up).
func (sc *Scratch) Drop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	conn := sc.run.conn
	if conn == nil || conn.IsClosed() {
		c, err := Connect(ctx, sc.run.DSN)
		if err != nil {
			return fmt.Errorf("drop scratch database %s: %w", sc.Name, err)
		}
		defer c.Close(context.Background())
		conn = c
	}
	if err := dropScratch(ctx, conn, sc.Name); err != nil {
		return err
	}
	_, err := conn.Exec(ctx, `UPDATE `+ident(contract.BookkeepingSchema, "runs")+` SET scratch_db = NULL WHERE run_id = $1`, sc.run.ID)
	return err
}

// CreateSchema creates an empty schema in the scratch database: pg_restore -n restores the
// objects of a schema but not the schema itself.
func (sc *Scratch) CreateSchema(ctx context.Context, name string) error {
	conn, err := connectDB(ctx, sc.run.DSN, sc.Name)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+ident(name)); err != nil {
		return fmt.Errorf("create schema %s in scratch database %s: %w", name, sc.Name, err)
	}
	return nil
}

// dropScratch drops a database only if it carries the scratch marker.
func dropScratch(ctx context.Context, conn *pgx.Conn, name string) error {
	var comment *string
	err := conn.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).Scan(&comment)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // never created, or dropped already
	}
	if err != nil {
		return fmt.Errorf("look up scratch database %s: %w", name, err)
	}
	if comment != nil && !strings.HasPrefix(*comment, scratchMarker) {
		return fmt.Errorf("database %s is not an sdetl scratch database (its comment says %q); not dropped", name, *comment)
	}
	// comment nil: killed between CREATE and COMMENT; the ledger named it before it existed.
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop scratch database %s: %w", name, err)
	}
	return nil
}

// RestoreOptions configure bringing a restored copy of the live schema live.
type RestoreOptions struct {
	Run     *Run
	Scratch *Scratch // holds the copy, as the contract's schema name, restored by pg_restore
	// Fingerprint is the backup manifest's reconciliation fingerprint of the schema it dumped;
	// "" for a manifest written before it was recorded (then only its per-table digests vouch).
	Fingerprint string
	Force       bool // restore even when live already holds exactly these rows
	GrantRoles  []string
	Keep        int
	LockTimeout time.Duration
	SwapRetries int
	// BeforeSwap scores the finished generation (as LoadOptions.BeforeSwap).
	BeforeSwap func(ctx context.Context, src quality.Source) error
	Phase      func(phase string)
}

// RestoreGeneration builds a new generation from the scratch copy, reconciles it with the copy,
// and swaps it in. Before the swap nothing live changes; any failure drops the generation.
func RestoreGeneration(ctx context.Context, o RestoreOptions) (res *LoadResult, err error) {
	start := time.Now()
	r := o.Run
	if r == nil || r.conn == nil || o.Scratch == nil {
		return nil, errors.New("restore: no run (BeginRun) holds the lock")
	}
	s := r.Spec
	phase := func(p string) {
		if o.Phase != nil {
			o.Phase(p)
		}
	}
	lo := LoadOptions{LockTimeout: o.LockTimeout}
	res = &LoadResult{Schema: s.Schema, RunID: r.ID, Seconds: map[string]float64{}}
	lap := func(stage string, since time.Time) { res.Seconds[stage] += time.Since(since).Seconds() }

	src, err := connectDB(ctx, r.DSN, o.Scratch.Name)
	if err != nil {
		return nil, err
	}
	defer src.Close(context.Background())
	phase("reconcile: measuring the restored copy")
	began := time.Now()
	want, err := measureGeneration(ctx, src, s, s.Schema, nil)
	if err != nil {
		return nil, fmt.Errorf("measure the restored copy (does the backup hold the contract's tables?): %w", err)
	}
	lap("measure_backup", began)
	res.Fingerprint = reconcile.Fingerprint(want)
	if o.Fingerprint != "" && o.Fingerprint != res.Fingerprint {
		return nil, fmt.Errorf("%w: the restored copy's reconciliation fingerprint %s differs from the manifest's %s; live is unchanged",
			outcome.ErrReconcile, res.Fingerprint, o.Fingerprint)
	}

	tg, err := checkOwnership(ctx, r.conn, s, "")
	if err != nil {
		return nil, err
	}
	for _, name := range tg.leftovers {
		if err := dropGeneration(ctx, r.conn, name, lockTimeout(lo)); err != nil {
			return nil, err
		}
	}
	if tg.live != nil && !o.Force {
		if same, err := r.liveFingerprintIs(ctx, res.Fingerprint); err != nil {
			return nil, err
		} else if same {
			res.NothingToDo = true
			res.Duration = time.Since(start)
			return res, nil
		}
	}

	gen := contract.GenerationSchema(s.Schema, r.ID)
	res.Generation = gen
	if err := createGeneration(ctx, r.conn, s, gen, r.ID); err != nil {
		return nil, err
	}
	swapped := false
	defer func() {
		if !swapped && r.conn != nil && !r.conn.IsClosed() {
			c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			dropGeneration(c, r.conn, gen, lockTimeout(lo))
		}
	}()
	began = time.Now()
	for _, t := range loadedTables(s) {
		phase("copy " + t)
		n, err := copyAcross(ctx, src, r.conn, s.Schema, gen, t)
		if err != nil {
			return nil, err
		}
		res.Tables = append(res.Tables, TableLoad{Table: t, Rows: n})
	}
	lap("copy", began)
	testPoint("index")
	began = time.Now()
	for _, t := range s.Tables {
		phase("index " + t.Name)
		for _, ddl := range indexDDL(gen, t) {
			if _, err := r.conn.Exec(ctx, ddl); err != nil {
				return nil, fmt.Errorf("index %s.%s: %w", gen, t.Name, err)
			}
		}
	}
	if _, err := r.conn.Exec(ctx, "ANALYZE "+tableList(gen, loadedTables(s))); err != nil {
		return nil, fmt.Errorf("analyze %s: %w", gen, err)
	}
	lap("index", began)

	testPoint("reconcile")
	phase("reconcile: measuring the generation")
	began = time.Now()
	got, err := measureGeneration(ctx, r.conn, s, gen, nil)
	if err != nil {
		return nil, fmt.Errorf("reconcile: %w", err)
	}
	if diffs := reconcile.Compare(want, got); len(diffs) > 0 {
		return nil, fmt.Errorf("%w (the restored backup is the reference here, not a clean store)", reconcileErr(gen, diffs, false))
	}
	lap("reconcile", began)
	if o.BeforeSwap != nil {
		phase("score: scoring the new schema")
		if err := o.BeforeSwap(ctx, QualitySource(r.conn, gen)); err != nil {
			return nil, err
		}
	}
	if err := grantAndRecord(ctx, r.conn, gen, o.GrantRoles, res.Fingerprint, got); err != nil {
		return nil, err
	}
	testPoint("swap")
	phase("swap")
	began = time.Now()
	if res.Swap, err = swapIn(ctx, r.conn, s, gen, "", o.LockTimeout, o.SwapRetries); err != nil {
		return nil, err
	}
	swapped = true
	lap("swap", began)
	phase("dropping old generations")
	res.Dropped, res.Warnings = prune(ctx, r.conn, s, o.Keep, lockTimeout(lo))
	res.Duration = time.Since(start)
	return res, nil
}

// copyAcross streams one table from the scratch copy into the generation: binary COPY out on
// one connection piped into binary COPY in on the other, so memory does not grow with the
// table. Binary COPY needs identical column types, so they are compared first, by name.
func copyAcross(ctx context.Context, src, dst *pgx.Conn, fromSchema, toSchema, table string) (int64, error) {
	from, err := columnTypes(ctx, src, fromSchema, table)
	if err != nil {
		return 0, err
	}
	to, err := columnTypes(ctx, dst, toSchema, table)
	if err != nil {
		return 0, err
	}
	if from == nil {
		return 0, fmt.Errorf("the backup has no table %s.%s, which the contract defines", fromSchema, table)
	}
	if !slices.Equal(from, to) {
		return 0, fmt.Errorf("the backup's %s.%s has columns (%s), the contract's table has (%s): the backup was made under another contract",
			fromSchema, table, showColumns(from), showColumns(to))
	}
	cols := make([]string, len(to))
	for i, c := range to {
		cols[i] = ident(c.name)
	}
	list := strings.Join(cols, ", ")
	pr, pw := io.Pipe()
	out := make(chan error, 1)
	go func() {
		_, err := src.PgConn().CopyTo(ctx, pw, "COPY "+ident(fromSchema, table)+" ("+list+") TO STDOUT (FORMAT binary)")
		pw.CloseWithError(err)
		out <- err
	}()
	tag, err := dst.PgConn().CopyFrom(ctx, pr, "COPY "+ident(toSchema, table)+" ("+list+") FROM STDIN (FORMAT binary)")
	pr.CloseWithError(errors.New("copy into the generation ended"))
	if cerr := <-out; cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("copy %s from the restored backup into %s: %w", table, toSchema, err)
	}
	return tag.RowsAffected(), nil
}

type column struct{ name, typ string }

func showColumns(cs []column) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name + " " + c.typ
	}
	return strings.Join(out, ", ")
}

// columnTypes lists a table's columns and their types, in order; nil when it does not exist.
func columnTypes(ctx context.Context, q querier, schema, table string) ([]column, error) {
	rows, err := q.Query(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, schema, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s.%s: %w", schema, table, err)
	}
	var out []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.typ); err != nil {
			rows.Close()
			return nil, fmt.Errorf("columns of %s.%s: %w", schema, table, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("columns of %s.%s: %w", schema, table, err)
	}
	return out, nil
}

// connectDB connects to database db on dsn's server.
func connectDB(ctx context.Context, dsn, db string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL DSN %s: %s", Redact(dsn), redactErr(err, dsn))
	}
	cfg.Database = db
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %s", Target(cfg), redactErr(err, dsn))
	}
	return conn, nil
}

// Fingerprint is the reconciliation fingerprint of the contract's live schema (what a backup
// manifest records, and a restore checks its copy against); "" when there is no live schema.
func Fingerprint(ctx context.Context, dsn string, s *contract.Spec) (string, error) {
	conn, err := Connect(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	if oid, err := schemaOID(ctx, conn, s.Schema); err != nil || oid == 0 {
		return "", err
	}
	m, err := measureGeneration(ctx, conn, s, s.Schema, nil)
	if err != nil {
		return "", fmt.Errorf("measure %s: %w", s.Schema, err)
	}
	return reconcile.Fingerprint(m), nil
}
