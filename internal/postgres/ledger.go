package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
)

// The run ledger: sdetl.runs records every run and rollback (inputs' hashes, counts and scores
// per stage, timings, outcome, the generation it built), beside owned_schemas. A run holds the
// contract's advisory lock on its ledger connection from start to finish, so a row still
// `running` while the lock is free belongs to a run that died: the next run marks it `killed`
// and drops the schemas it had recorded. Each row also records who ran it (the ledger
// connection's backend pid, the client's host and process id): a busy lock is traced through
// pg_locks to its backend and so to its run, and a holder whose process is gone from this
// host (its connection left behind by a crash) is named as such, with the way to free it.

// Purposes of generation schemas, beside live, next and dryrun.
const (
	PurposeBuilding = "building" // a generation being loaded; dropped by the next run if its run died
	PurposeRetained = "retained" // a previous live generation, kept for rollback
)

// Run statuses in the ledger.
const (
	StatusRunning    = "running"
	StatusOK         = "ok"
	StatusFailed     = "failed"
	StatusKilled     = "killed"
	StatusNothing    = "nothing_to_do"
	StatusRolledBack = "ok" // a rollback that succeeded
)

var ledgerDDL = fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %[1]s.runs (
	run_id bigserial PRIMARY KEY,
	contract text NOT NULL,
	schema_name text NOT NULL,
	kind text NOT NULL DEFAULT 'run',
	status text NOT NULL,
	backend_pid integer NOT NULL DEFAULT pg_backend_pid(),
	started_at timestamptz NOT NULL DEFAULT now(),
	ended_at timestamptz,
	generation text,
	fingerprint text,
	details jsonb NOT NULL DEFAULT '{}',
	error text
);
ALTER TABLE %[1]s.runs ADD COLUMN IF NOT EXISTS client_host text;
ALTER TABLE %[1]s.runs ADD COLUMN IF NOT EXISTS client_pid integer;
ALTER TABLE %[1]s.runs ADD COLUMN IF NOT EXISTS scratch_db text;
ALTER TABLE %[1]s.owned_schemas ADD COLUMN IF NOT EXISTS run_id bigint;
ALTER TABLE %[1]s.owned_schemas ADD COLUMN IF NOT EXISTS fingerprint text;
ALTER TABLE %[1]s.owned_schemas ADD COLUMN IF NOT EXISTS rows jsonb;
ALTER TABLE %[1]s.owned_schemas ADD COLUMN IF NOT EXISTS retired_at timestamptz`, ident(contract.BookkeepingSchema))

// Run is one run's hold on the database: its ledger row and the advisory lock, on one
// connection kept for the whole run.
type Run struct {
	ID     int64
	Spec   *contract.Spec
	DSN    string
	conn   *pgx.Conn
	unlock func()
	// Recovered lists what the start cleaned up after killed runs, in words.
	Recovered []string
}

// RunDetails is what a run records in its ledger row's details.
type RunDetails struct {
	Inputs   []InputFile        `json:"inputs,omitempty"`
	Counts   map[string]any     `json:"counts,omitempty"`
	Scores   map[string]float64 `json:"scores,omitempty"`
	Timings  map[string]float64 `json:"seconds,omitempty"`
	Rollback *RollbackResult    `json:"rollback,omitempty"`
	Swap     *SwapResult        `json:"swap,omitempty"` // how the swap went: attempts and time
}

// InputFile is one export a run read.
type InputFile struct {
	Table  string `json:"table"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// BeginRun takes the contract's advisory lock (waiting up to lockWait for another run to end),
// creates the bookkeeping schema and ledger on first use, cleans up after killed runs, and
// records a new run. End it with Finish.
func BeginRun(ctx context.Context, dsn string, s *contract.Spec, kind string, lockWait time.Duration) (*Run, error) {
	conn, err := Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	unlock, err := LockWait(ctx, conn, s.Schema, lockWait)
	if err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	r := &Run{Spec: s, DSN: dsn, conn: conn, unlock: unlock}
	fail := func(err error) (*Run, error) {
		r.close()
		return nil, err
	}
	if err := ensureBookkeeping(ctx, conn); err != nil {
		return fail(err)
	}
	if r.Recovered, err = recoverKilled(ctx, conn, s); err != nil {
		return fail(err)
	}
	host, _ := os.Hostname()
	if err := conn.QueryRow(ctx, `INSERT INTO `+ident(contract.BookkeepingSchema, "runs")+
		` (contract, schema_name, kind, status, client_host, client_pid) VALUES ($1, $2, $3, $4, $5, $6) RETURNING run_id`,
		s.Name, s.Schema, kind, StatusRunning, host, os.Getpid()).Scan(&r.ID); err != nil {
		return fail(fmt.Errorf("record run: %w", err))
	}
	return r, nil
}

// Finish records how the run ended and releases the lock. err's text is recorded as it is:
// errors never carry the DSN's password (Connect redacts it).
func (r *Run) Finish(ctx context.Context, status string, d *RunDetails, runErr error) error {
	defer r.close()
	if d == nil {
		d = &RunDetails{}
	}
	js, err := json.Marshal(d)
	if err != nil {
		return err
	}
	var msg *string
	if runErr != nil {
		s := runErr.Error()
		msg = &s
	}
	// A run cancelled by a signal still records its end.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	q := `UPDATE ` + ident(contract.BookkeepingSchema, "runs") + ` SET status = $2, ended_at = now(), details = $3, error = $4 WHERE run_id = $1`
	if _, err := r.conn.Exec(ctx, q, r.ID, status, js, msg); err != nil {
		// The run's connection may be what failed (a restarted server): record on a new one.
		c, cerr := Connect(ctx, r.DSN)
		if cerr != nil {
			return fmt.Errorf("record the end of run %d: %w", r.ID, err)
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, q, r.ID, status, js, msg); err != nil {
			return fmt.Errorf("record the end of run %d: %w", r.ID, err)
		}
	}
	return nil
}

func (r *Run) close() {
	if r.conn == nil {
		return
	}
	r.unlock()
	r.conn.Close(context.Background())
	r.conn = nil
}

// LockWait takes the contract's advisory lock, retrying for up to wait; then it fails with
// ErrLocked, naming the run that holds it when the ledger knows.
func LockWait(ctx context.Context, conn *pgx.Conn, schema string, wait time.Duration) (unlock func(), err error) {
	deadline := time.Now().Add(wait)
	for {
		unlock, err := Lock(ctx, conn, schema)
		if !errors.Is(err, ErrLocked) || time.Now().After(deadline) {
			if errors.Is(err, ErrLocked) {
				return nil, fmt.Errorf("%w%s (waited %s; --lock-wait waits longer)", err, holder(ctx, conn, schema), wait)
			}
			return unlock, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// holder names who holds the contract's lock, in words: the backend pg_locks shows holding
// it, and the ledger's run on that backend (kind, id, start, client host and pid). A holder
// whose client process is gone from this host is said to be dead, with how to free its lock.
func holder(ctx context.Context, conn *pgx.Conn, schema string) string {
	key := lockKey(schema)
	var pid int32
	var app, addr *string
	err := conn.QueryRow(ctx, `SELECT l.pid, a.application_name, host(a.client_addr) FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1 LIMIT 1`,
		uint32(uint64(key)>>32), uint32(uint64(key))).Scan(&pid, &app, &addr)
	if err != nil {
		return "" // released meanwhile, or pg_locks not readable: the plain message
	}
	var id int64
	var kind string
	var started time.Time
	var host *string
	var cpid *int32
	err = conn.QueryRow(ctx, `SELECT run_id, kind, started_at, client_host, client_pid FROM `+ident(contract.BookkeepingSchema, "runs")+
		` WHERE schema_name = $1 AND status = $2 AND backend_pid = $3 ORDER BY run_id DESC LIMIT 1`, schema, StatusRunning, pid).Scan(&id, &kind, &started, &host, &cpid)
	if err != nil {
		who := ""
		if app != nil && *app != "" {
			who = " (application " + *app + ")"
		}
		return fmt.Sprintf(": PostgreSQL backend pid %d%s holds it, no running sdetl run of the ledger", pid, who)
	}
	out := fmt.Sprintf(": %s %d, started %s", kind, id, started.UTC().Format(time.RFC3339))
	if host != nil && cpid != nil {
		out += fmt.Sprintf(", sdetl pid %d on %s", *cpid, *host)
		if me, _ := os.Hostname(); me == *host && !processAlive(int(*cpid)) {
			return out + fmt.Sprintf(", is gone but its connection (backend pid %d) still holds the lock: SELECT pg_terminate_backend(%d) frees it", pid, pid)
		}
	}
	return out + fmt.Sprintf(", backend pid %d", pid)
}

// processAlive reports whether a process of that id exists on this host (signal 0 checks
// without signalling; EPERM means it exists under another user).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// recoverKilled, under the lock, marks every run still `running` as killed (its lock is free,
// so its backend is gone) and drops the generations left `building` (only recorded schemas).
func recoverKilled(ctx context.Context, conn *pgx.Conn, s *contract.Spec) ([]string, error) {
	var out []string
	// Under the lock no other run is alive: every row still running is a dead run's, whether
	// its backend is gone too or (a crashed client's connection) lingers without the lock.
	rows, err := conn.Query(ctx, `UPDATE `+ident(contract.BookkeepingSchema, "runs")+
		` SET status = $2, ended_at = now(), error = coalesce(error, 'killed: found running with its lock free at the next start')
		WHERE schema_name = $1 AND status = $3 RETURNING run_id, coalesce(client_pid, 0), coalesce(client_host, ''),
		EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = backend_pid AND a.backend_start < started_at)`, s.Schema, StatusKilled, StatusRunning)
	if err != nil {
		return nil, fmt.Errorf("mark killed runs: %w", err)
	}
	type dead struct {
		id       int64
		pid      int32
		host     string
		lingered bool
	}
	killed, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (dead, error) {
		var d dead
		return d, r.Scan(&d.id, &d.pid, &d.host, &d.lingered)
	})
	if err != nil {
		return nil, fmt.Errorf("mark killed runs: %w", err)
	}
	for _, d := range killed {
		who := ""
		if d.pid != 0 {
			who = fmt.Sprintf(" (sdetl pid %d on %s)", d.pid, d.host)
		}
		line := fmt.Sprintf("run %d%s was killed; marked so in %s.runs", d.id, who, contract.BookkeepingSchema)
		if d.lingered {
			line += "; its backend is still connected, without the lock"
		}
		out = append(out, line)
	}
	// The scratch databases restores left (killed, or their drop failed): named in their rows
	// before they were created; under the lock no other run is using one.
	rows, err = conn.Query(ctx, `SELECT run_id, scratch_db FROM `+ident(contract.BookkeepingSchema, "runs")+
		` WHERE schema_name = $1 AND scratch_db IS NOT NULL ORDER BY run_id`, s.Schema)
	if err != nil {
		return nil, fmt.Errorf("find leftover scratch databases: %w", err)
	}
	type scratch struct {
		run  int64
		name string
	}
	var scratches []scratch
	for rows.Next() {
		var x scratch
		if err := rows.Scan(&x.run, &x.name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find leftover scratch databases: %w", err)
		}
		scratches = append(scratches, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find leftover scratch databases: %w", err)
	}
	for _, x := range scratches {
		if err := dropScratch(ctx, conn, x.name); err != nil {
			return nil, err
		}
		if _, err := conn.Exec(ctx, `UPDATE `+ident(contract.BookkeepingSchema, "runs")+` SET scratch_db = NULL WHERE run_id = $1`, x.run); err != nil {
			return nil, fmt.Errorf("forget scratch database %s: %w", x.name, err)
		}
		out = append(out, fmt.Sprintf("dropped scratch database %s, left by restore %d", x.name, x.run))
	}
	rows, err = conn.Query(ctx, `SELECT name FROM `+ident(contract.BookkeepingSchema, "owned_schemas")+
		` WHERE contract = $1 AND purpose = $2 ORDER BY name`, s.Name, PurposeBuilding)
	if err != nil {
		return nil, fmt.Errorf("find leftover generations: %w", err)
	}
	left, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("find leftover generations: %w", err)
	}
	for _, name := range left {
		if err := dropGeneration(ctx, conn, name, 5*time.Second); err != nil {
			return nil, err
		}
		out = append(out, "dropped "+name+", left by a run that did not finish")
	}
	return out, nil
}

// dropGeneration drops one recorded schema in its own transaction under a lock timeout, so a
// reader still holding its tables makes it fail (to be retried by a later run) rather than wait.
func dropGeneration(ctx context.Context, conn *pgx.Conn, name string, lockTimeout time.Duration) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d", lockTimeout.Milliseconds())); err != nil {
		return err
	}
	if rec, err := record(ctx, tx, name); err != nil {
		return err
	} else if rec == nil {
		return nil // gone already
	}
	if oid, err := schemaOID(ctx, tx, name); err != nil {
		return err
	} else if oid == 0 { // someone dropped it: forget the record
		if _, err := tx.Exec(ctx, `DELETE FROM `+ident(contract.BookkeepingSchema, "owned_schemas")+` WHERE name = $1`, name); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}
	if err := dropOwned(ctx, tx, name); err != nil {
		return err
	}
	testPoint("drop") // dropped, not yet committed: a kill here rolls the drop back
	return tx.Commit(ctx)
}
