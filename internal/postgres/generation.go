package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/store"
)

// Generations: a run loads into a new schema of its own, <schema>__g<run id>, recorded as
// owned (purpose building) before anything goes in. It is not live, so it needs no long
// transaction: each table is one COPY on its own connection (tables in parallel), its indexes
// are built after its rows are in, then its statistics, and every step commits. Only after the generation
// reconciles with the clean store, scores no lower, and has its grants does the swap make it
// live, in one short transaction. A failure anywhere before the swap leaves live untouched; the
// generation is dropped then, or, if the process died, by the next run (it is still recorded
// as building).

// migrate is Load without DryRun.
func migrate(ctx context.Context, o LoadOptions) (res *LoadResult, err error) {
	defer func() {
		if err != nil && lostConnection(err) {
			err = fmt.Errorf("lost the PostgreSQL connection while building the new generation (server restarted or stopped?): %w; live is unchanged, and the next run drops the partial generation", err)
		}
	}()
	start := time.Now()
	r := o.Run
	if r == nil || r.conn == nil {
		return nil, errors.New("load: no run (BeginRun) holds the lock")
	}
	s := o.Spec
	res = &LoadResult{Schema: s.Schema, RunID: r.ID, Seconds: map[string]float64{}}
	lap := func(stage string, since time.Time) { res.Seconds[stage] += time.Since(since).Seconds() }

	// Settled again, under the lock: the check `run` made before reading anything may be old.
	tg, err := checkOwnership(ctx, r.conn, s, o.AdoptSchema)
	if err != nil {
		return nil, err
	}
	for _, name := range tg.leftovers { // owned __next / __dryrun schemas an older version left
		if err := dropGeneration(ctx, r.conn, name, lockTimeout(o)); err != nil {
			return nil, err
		}
	}
	src, err := store.OpenReadOnly(o.Clean)
	if err != nil {
		return nil, fmt.Errorf("clean store: %w", err)
	}
	defer src.Close()
	if tg.live != nil && !tg.adopt && !o.Force {
		began := time.Now()
		pre, err := o.Want, error(nil)
		if pre == nil && o.MeasureClean != nil {
			// Only when the counts agree can the data be the same: measure it then.
			var same bool
			if same, err = r.liveCountsAre(ctx, src); err == nil && same {
				o.phase("measuring the clean store: its row counts equal live's")
				pre, err = o.MeasureClean(ctx)
			}
		}
		if err != nil {
			return nil, err
		}
		lap("nothing_to_do_check", began)
		if pre != nil {
			if same, err := r.liveFingerprintIs(ctx, reconcile.Fingerprint(pre)); err != nil {
				return nil, err
			} else if same {
				res.Fingerprint, res.NothingToDo = reconcile.Fingerprint(pre), true
				res.Duration = time.Since(start)
				return res, nil
			}
			o.Want = pre
		}
	}

	gen := contract.GenerationSchema(s.Schema, r.ID)
	res.Generation = gen
	began := time.Now()
	if err := createGeneration(ctx, r.conn, s, gen, r.ID); err != nil {
		return nil, err
	}
	lap("create", began)
	swapped := false
	defer func() {
		if swapped {
			return
		}
		// Not live: drop it now rather than leave it for the next run (best effort; the record
		// says building, so the next run drops it if this cannot).
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if r.conn != nil && !r.conn.IsClosed() {
			dropGeneration(c, r.conn, gen, lockTimeout(o))
		}
	}()

	if o.Health != (health.Limits{}) {
		p := newPinger(o.DSN)
		defer p.close()
		o.ping = p.ping
	}
	began = time.Now()
	// With the store's measures in hand (o.Want), the COPY does not take them again: the
	// generation's read-back measures are compared with them, which fails a store that changed
	// after it was measured as surely as a load that lost or altered rows. Without them, the
	// COPY measures the rows it sends.
	want := o.Want
	var copied *reconcile.Measures
	var stats func(ctx context.Context, tables ...string) error
	var analyzed func(stop bool) error
	if res.Tables, copied, stats, analyzed, err = copyAll(ctx, o, src, gen, want == nil); err != nil {
		return nil, err
	}
	// Before the drop above (deferred calls run last first): the tables' ANALYZE has ended.
	defer analyzed(true)
	lap("copy_and_index", began)
	if want == nil {
		want = copied
	}
	res.Fingerprint = reconcile.Fingerprint(want)

	if o.BeforeReconcile != nil {
		if err := o.BeforeReconcile(ctx, gen); err != nil {
			return nil, err
		}
	}
	testPoint("reconcile")
	o.phase("reconcile and score: measuring and scoring the generation")
	began = time.Now()
	got, reconciling, scoring, err := verifyGeneration(ctx, o, r.conn, gen, want, o.Want != nil, stats)
	if errors.Is(err, errStats) {
		// A score query's table was not analyzed: the ANALYZE's failure is the load's.
		if aerr := analyzed(false); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	// Each side's own seconds (the estimate's), and the wall time of both.
	res.Seconds["reconcile"] = reconciling.Seconds()
	if o.BeforeSwap != nil {
		res.Seconds["score"] = scoring.Seconds()
	}
	lap("reconcile_and_score", began)
	// Everything copyAll started has ended before the generation may be granted and swapped in.
	if err := analyzed(false); err != nil {
		return nil, err
	}
	if err := grantAndRecord(ctx, r.conn, gen, o.GrantRoles, res.Fingerprint, got); err != nil {
		return nil, err
	}
	testPoint("swap")
	o.phase("swap")
	began = time.Now()
	if res.Swap, err = swapIn(ctx, r.conn, s, gen, o.AdoptSchema, o.LockTimeout, o.SwapRetries); err != nil {
		return nil, err
	}
	swapped = true
	lap("swap", began)
	began = time.Now()
	o.phase("dropping old generations")
	res.Dropped, res.Warnings = prune(ctx, r.conn, s, o.Keep, lockTimeout(o))
	lap("drop_old", began)
	res.Duration = time.Since(start)
	return res, nil
}

func lockTimeout(o LoadOptions) time.Duration {
	if o.LockTimeout <= 0 {
		return DefaultLockTimeout
	}
	return o.LockTimeout
}

// reconcileErr names the first differences, table, column and measure. before says the clean
// store's side was measured before the load (LoadOptions.Want), not from the rows it copied: then
// the store may also have changed since.
func reconcileErr(gen string, diffs []reconcile.Difference, before bool) error {
	var parts []string
	for i, d := range diffs {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(diffs)-5))
			break
		}
		parts = append(parts, d.String())
	}
	side := "the clean store"
	if before {
		side = "the clean store's measures taken before the load (the load lost or altered rows, or the store changed since it was measured)"
	}
	return fmt.Errorf("%w: generation %s does not match %s: %s; live is unchanged", outcome.ErrReconcile, gen, side, strings.Join(parts, "; "))
}

func tableList(schema string, tables []string) string {
	out := make([]string, len(tables))
	for i, t := range tables {
		out[i] = ident(schema, t)
	}
	return strings.Join(out, ", ")
}

// createGeneration creates and records the generation schema and its empty tables, committed.
func createGeneration(ctx context.Context, conn *pgx.Conn, s *contract.Spec, gen string, runID int64) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+ident(gen)); err != nil {
		return fmt.Errorf("create schema %s: %w", gen, err)
	}
	if err := recordSchema(ctx, tx, gen, PurposeBuilding, s.Name, loadedTables(s), false); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE `+ident(contract.BookkeepingSchema, "owned_schemas")+` SET run_id = $2 WHERE name = $1`, gen, runID); err != nil {
		return fmt.Errorf("record schema %s: %w", gen, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE `+ident(contract.BookkeepingSchema, "runs")+` SET generation = $2 WHERE run_id = $1`, runID, gen); err != nil {
		return fmt.Errorf("record run %d: %w", runID, err)
	}
	for _, t := range s.Tables {
		if _, err := tx.Exec(ctx, tableDDL(gen, t)); err != nil {
			return fmt.Errorf("create %s: %w", t.Name, err)
		}
	}
	if _, err := tx.Exec(ctx, quarantineDDL(gen)); err != nil {
		return fmt.Errorf("create quarantine: %w", err)
	}
	return tx.Commit(ctx)
}

// copyAll copies every table (and the quarantine) on up to o.Parallel connections, a big
// table in parts when a connection would otherwise be idle (see split.go), each table
// followed by its indexes, and checks each table's count against the clean store. With
// measure, it returns the clean store's measures, taken from the rows as they were copied
// (else nil).
//
// It returns once every table is copied, counted and indexed; each table's ANALYZE (on the
// connection that finished it, at once) may still run then, beside the verification's
// read-back, which needs no statistics: its plain reads plan alike with or without them.
// stats(ctx, tables...) waits until those tables' ANALYZEs have ended (an error wrapping
// errStats when one failed): what the plans depend on (the score's key and orphan queries)
// waits for it. analyzed waits for everything copyAll started (the ANALYZEs, the clean
// store's counts, cleanCounts) and returns the first error: the caller calls it before the
// grants and the swap, and in every case before dropping the generation (stop: cancel first).
func copyAll(ctx context.Context, o LoadOptions, src *sql.DB, gen string, measure bool) (_ []TableLoad, _ *reconcile.Measures, stats func(ctx context.Context, tables ...string) error, analyzed func(stop bool) error, _ error) {
	var tabs []*loadTable
	for i, t := range o.Spec.Tables {
		tabs = append(tabs, &loadTable{i: i, t: t, name: t.Name})
	}
	n := len(tabs) + 1
	tabs = append(tabs, &loadTable{i: n - 1, name: QuarantineTable})
	out := make([]TableLoad, n)
	accs := make([]*reconcile.TableAcc, n)
	finished := make([]bool, n)
	pl, err := newLoadPlan(ctx, src, tabs, func(tab *loadTable) *reconcile.TableAcc {
		switch {
		case !measure:
			return nil
		case tab.t == nil:
			return reconcile.NewTableAcc(quarantineColumns())
		}
		return reconcile.NewTableAcc(measuredColumns(tab.t))
	})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	workers := max(1, o.Parallel)
	if o.Parallel == 0 {
		workers = 2
	}
	// Each worker streams its part from the store on a read connection of its own: on the
	// store's one connection, a second part's query would wait for the first's rows to end.
	// One more counts the tables' rows meanwhile (cleanCounts).
	src.SetMaxOpenConns(workers + 1)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	// The first error in time is the cause: it cancels the other workers, whose errors (a
	// cancellation, or a COPY whose connection the cancellation closed) are its consequences.
	var first error
	// ready is closed once every table is finished (copied, counted, indexed), or one failed,
	// or every worker has ended: copyAll returns then.
	ready := make(chan struct{})
	var readyOnce sync.Once
	isReady := func() { readyOnce.Do(func() { close(ready) }) }
	fail := func(err error) {
		if first == nil {
			first = err
		}
		cancel()
		isReady()
	}
	nfinished := 0
	// Each finished table's ANALYZE: its time, its error and its end (closed).
	analyzing := make([]time.Duration, n)
	statsErr := make([]error, n)
	statsDone := make([]chan struct{}, n)
	byName := map[string]int{}
	for i, tab := range tabs {
		statsDone[i] = make(chan struct{})
		byName[tab.name] = i
	}
	var mu sync.Mutex // first, nfinished, out, accs, analyzing, statsErr: parts of one table end on different workers
	var copying, all sync.WaitGroup
	counts := countClean(ctx, src, tabs, &all)
	for range workers {
		copying.Add(1)
		all.Add(1)
		go func() {
			defer all.Done()
			copied := false // copying.Done said
			defer func() {
				if !copied {
					copying.Done()
				}
			}()
			conn, err := Connect(ctx, o.DSN)
			if err == nil {
				defer conn.Close(context.Background())
				err = copySession(ctx, conn)
			}
			if err != nil {
				mu.Lock()
				fail(err)
				mu.Unlock()
				return
			}
			for p := pl.next(ctx); p != nil; p = pl.next(ctx) {
				rows, err := copyPart(ctx, conn, o, src, gen, pl, p)
				tab := pl.end(p, rows, err)
				if err != nil {
					mu.Lock()
					fail(err)
					mu.Unlock()
					continue
				}
				if tab == nil {
					continue
				}
				tl, acc, err := finishTable(ctx, conn, o, counts, gen, tab)
				mu.Lock()
				out[tab.i], accs[tab.i] = tl, acc
				if err != nil {
					fail(err)
				} else {
					finished[tab.i] = true
					if nfinished++; nfinished == n {
						isReady()
					}
				}
				mu.Unlock()
				if err != nil {
					continue
				}
				// Its statistics at once, while the other connections still copy. Deferred
				// to beside the verification's read-back (once this connection had nothing left
				// to copy), it took the 0.7 s of the event log's ANALYZE off copy_and_index but
				// put it on reconcile_and_score, which on two cores it slowed as much (scale 1,
				// quiet pairs: load 5.68/7.14, 10.01/10.43, 9.58/10.57 s base/deferred). Only
				// the last tables' ANALYZEs, which nothing else overlapped (one backend
				// busy, the other core idle), now run beside the read-back (copyAll returns).
				began := time.Now()
				err = analyze(ctx, conn, gen, tab.name)
				mu.Lock()
				analyzing[tab.i] = time.Since(began)
				statsErr[tab.i] = err
				if err != nil {
					fail(err)
				}
				mu.Unlock()
				close(statsDone[tab.i])
			}
			copied = true
			copying.Done()
		}()
	}
	var once sync.Once
	var analyzeErr error
	analyzed = func(stop bool) error {
		if stop {
			cancel()
		}
		once.Do(func() {
			all.Wait()
			cancel()
			for i := range out {
				out[i].Analyzing = analyzing[i]
			}
			if err := parent.Err(); err != nil {
				analyzeErr = fmt.Errorf("load into %s: %w", gen, err)
			} else {
				analyzeErr = first
			}
		})
		return analyzeErr
	}
	stats = func(ctx context.Context, tables ...string) error {
		for _, name := range tables {
			i, ok := byName[name]
			if !ok {
				continue // not one of the load's tables: no statistics to wait for
			}
			select {
			case <-statsDone[i]:
			case <-ctx.Done():
				return ctx.Err()
			}
			mu.Lock()
			err := statsErr[i]
			mu.Unlock()
			if err != nil {
				return fmt.Errorf("%w: %w", errStats, err)
			}
		}
		return nil
	}
	go func() { copying.Wait(); isReady() }()
	<-ready
	mu.Lock()
	failed := first
	complete := nfinished == n
	mu.Unlock()
	if err := parent.Err(); err != nil || failed != nil { // the caller's cancellation, or a copy's failure
		return nil, nil, nil, nil, analyzed(true)
	}
	if !complete { // a table no worker finished (they all failed to connect)
		analyzed(true)
		mu.Lock()
		defer mu.Unlock()
		for i, done := range finished {
			if !done {
				return nil, nil, nil, nil, fmt.Errorf("load %s into %s: no connection copied it", tabs[i].name, gen)
			}
		}
	}
	// Every table is finished: nothing writes out or accs again (the ANALYZEs write their own).
	if !measure {
		return out, nil, stats, analyzed, nil
	}
	m := &reconcile.Measures{Tables: map[string]*reconcile.Table{}}
	for i, tab := range tabs {
		m.Tables[tab.name] = accs[i].Result()
	}
	return out, m, stats, analyzed, nil
}

// errStats marks a score query's wait for a table's statistics whose ANALYZE failed: the
// load's error is then the ANALYZE's (copyAll's analyzed), not the score's.
var errStats = errors.New("statistics")

// copyPart copies one part of a table on conn, its rows counted into the table's progress.
func copyPart(ctx context.Context, conn *pgx.Conn, o LoadOptions, src *sql.DB, gen string, pl *loadPlan, p *loadPart) (int64, error) {
	pl.mu.Lock()
	rng := &rowRange{lo: p.lo, hi: p.hi, own: pl.own(p)}
	pl.mu.Unlock()
	h := o.Health.For("load", o.ping)
	if p.tab.t == nil {
		n, err := copyQuarantineRange(ctx, conn, src, gen, rng, h, p.acc)
		if err != nil {
			return 0, fmt.Errorf("load quarantine into %s: %w", gen, err)
		}
		return n, nil
	}
	var progress func(string, int)
	if o.Progress != nil {
		last := 0 // this part's rows reported so far: the table's count is every part's
		progress = func(table string, rows int) {
			o.Progress(table, int(p.tab.rows.Add(int64(rows-last))))
			last = rows
		}
	}
	n, err := copyTableRange(ctx, conn, src, gen, p.tab.t, "", rng, progress, h, p.acc)
	if err != nil {
		return 0, fmt.Errorf("load %s into %s: %w", p.tab.name, gen, explainRowTooBig(p.tab.t, err))
	}
	return n, nil
}

// finishTable is what a table needs once all its parts are in: their measures merged, its
// count checked against the clean store, its indexes (its statistics come later: copyAll).
func finishTable(ctx context.Context, conn *pgx.Conn, o LoadOptions, counts *cleanCounts, gen string, tab *loadTable) (TableLoad, *reconcile.TableAcc, error) {
	tl := TableLoad{Table: tab.name, Copying: time.Since(tab.began)}
	if len(tab.parts) > 1 {
		tl.Parts = len(tab.parts)
	}
	n, acc, err := tab.merged()
	if err != nil {
		return tl, nil, fmt.Errorf("load %s into %s: %w", tab.name, gen, err)
	}
	tl.Rows = n
	pgTable, name := tab.name, tab.name
	if tab.t == nil {
		pgTable, name = QuarantineTable, "quarantine"
	}
	began := time.Now()
	want, err := counts.get(ctx, tab.i)
	if err != nil {
		return tl, nil, fmt.Errorf("count clean %s: %w", name, err)
	}
	if countFault != nil {
		if err := countFault(ctx, conn, gen, pgTable); err != nil {
			return tl, nil, err
		}
	}
	if err := checkCounted(ctx, conn, gen, pgTable, want, n); err != nil {
		return tl, nil, err
	}
	tl.Counting = time.Since(began)
	if tab.t != nil {
		testPoint("index")
		o.phase("index " + tab.name)
		began = time.Now()
		for _, ddl := range indexDDL(gen, tab.t) {
			if _, err := conn.Exec(ctx, ddl); err != nil {
				return tl, nil, fmt.Errorf("index %s.%s: %w", gen, tab.name, err)
			}
		}
		tl.Indexing = time.Since(began)
	}
	return tl, acc, nil
}

// cleanCounts are the clean store's row counts of the load's tables, taken one after the other
// on a read connection of their own while the tables copy (the store does not change during
// the load), so that a table's count check, once its rows are in, waits for PostgreSQL's count
// only: the store's count of a large table (a scan of every page) was on the load's path.
type cleanCounts struct {
	done []chan struct{}
	n    []int64
	err  []error
}

// countClean starts counting tabs (by their index i) in src; wg is done when it has ended.
func countClean(ctx context.Context, src *sql.DB, tabs []*loadTable, wg *sync.WaitGroup) *cleanCounts {
	c := &cleanCounts{done: make([]chan struct{}, len(tabs)), n: make([]int64, len(tabs)), err: make([]error, len(tabs))}
	for i := range tabs {
		c.done[i] = make(chan struct{})
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, tab := range tabs {
			if c.err[i] = ctx.Err(); c.err[i] == nil {
				c.err[i] = src.QueryRowContext(ctx, "SELECT count(*) FROM "+store.Quote(tab.name)).Scan(&c.n[i])
			}
			close(c.done[i])
		}
	}()
	return c
}

// get is table i's count, once taken.
func (c *cleanCounts) get(ctx context.Context, i int) (int64, error) {
	select {
	case <-c.done[i]:
		return c.n[i], c.err[i]
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// checkCounted checks that PostgreSQL counts the rows of schema.pgTable the clean store has
// (want) and the COPY sent (copied).
func checkCounted(ctx context.Context, q querier, schema, pgTable string, want, copied int64) error {
	var got int64
	if err := q.QueryRow(ctx, "SELECT count(*) FROM "+ident(schema, pgTable)).Scan(&got); err != nil {
		return fmt.Errorf("count loaded %s: %w", pgTable, err)
	}
	if got != want || copied != want {
		return fmt.Errorf("%w: %s: clean store has %d rows, copied %d, PostgreSQL counts %d", outcome.ErrReconcile, pgTable, want, copied, got)
	}
	return nil
}

// countFault, set only by tests, runs on a finished table's connection before PostgreSQL counts
// its rows: the place to lose a row the way a broken COPY would.
var countFault func(ctx context.Context, conn *pgx.Conn, gen, table string) error

// analyzeFault, set only by tests, runs before each table's ANALYZE in the load: an error fails it.
var analyzeFault func(ctx context.Context, table string) error

// analyze gathers a copied and indexed table's statistics for the score's and the KPIs' plans,
// on its copying connection while the other tables still copy.
func analyze(ctx context.Context, conn *pgx.Conn, gen, table string) error {
	if analyzeFault != nil {
		if err := analyzeFault(ctx, table); err != nil {
			return fmt.Errorf("analyze %s.%s: %w", gen, table, err)
		}
	}
	if _, err := conn.Exec(ctx, "ANALYZE "+ident(gen, table)); err != nil {
		return fmt.Errorf("analyze %s.%s: %w", gen, table, err)
	}
	return nil
}

// copySession prepares a copying connection: long values are compressed with lz4 where the
// server has it (several times faster than the default pglz to compress while copying and to
// decompress when the reconciliation and the score read them back; the same text either way).
// This session's setting only, never the server's.
func copySession(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, "SET default_toast_compression = lz4")
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "22023" || pe.Code == "42704") {
		return nil // built without lz4 (invalid_parameter_value), or before PostgreSQL 14 (undefined_object): pglz
	}
	return err
}

// indexDDL is the natural-key unique index and the contract's declared indexes of t.
func indexDDL(schema string, t *contract.Table) []string {
	var out []string
	if k := keyDDL(schema, t); k != "" {
		out = append(out, k)
	}
	for i, cols := range t.Indexes {
		q := make([]string, len(cols))
		for j, c := range cols {
			q[j] = ident(c)
		}
		out = append(out, fmt.Sprintf("CREATE INDEX %s ON %s (%s)", ident(fmt.Sprintf("%s%s%d", t.Name, contract.KPIIndexInfix, i+1)),
			ident(schema, t.Name), strings.Join(q, ", ")))
	}
	return out
}

// grant lets a role read the generation (it moves with the schema when the swap renames it).
func grant(ctx context.Context, conn *pgx.Conn, gen, role string) error {
	for _, q := range []string{"GRANT USAGE ON SCHEMA " + ident(gen) + " TO " + ident(role),
		"GRANT SELECT ON ALL TABLES IN SCHEMA " + ident(gen) + " TO " + ident(role)} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("--grant-role %s on %s: %w", role, gen, err)
		}
	}
	return nil
}

// lostConnection reports whether err means the server went away (shut down, restarted, the
// connection broken) rather than refused something.
func lostConnection(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" // admin_shutdown, crash_shutdown, cannot_connect_now
	}
	var ce *pgconn.ConnectError
	// A write into a connection the server closed fails locally: EPIPE, ECONNRESET, or, once
	// pgx has seen the close on its reading side, net.ErrClosed; which one is a race.
	return errors.As(err, &ce) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "conn closed") ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// liveCountsAre reports whether the clean store's row counts, per table and the quarantine,
// are those recorded for the live generation: only then can it hold the same data.
func (r *Run) liveCountsAre(ctx context.Context, src *sql.DB) (bool, error) {
	var js []byte
	err := r.conn.QueryRow(ctx, `SELECT rows FROM `+ident(contract.BookkeepingSchema, "owned_schemas")+
		` WHERE name = $1 AND purpose = $2 AND schema_oid = (SELECT oid FROM pg_namespace WHERE nspname = $1)`, r.Spec.Schema, PurposeLive).Scan(&js)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && js == nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the live generation's row counts: %w", err)
	}
	var live map[string]int64
	if err := json.Unmarshal(js, &live); err != nil {
		return false, fmt.Errorf("read the live generation's row counts: %w", err)
	}
	counts, err := CleanCounts(ctx, src, r.Spec)
	if err != nil {
		return false, err
	}
	if len(counts) != len(live) {
		return false, nil
	}
	for t, n := range counts {
		if ln, ok := live[t]; !ok || ln != n {
			return false, nil
		}
	}
	return true, nil
}

// CleanStoreCounts counts the rows of the clean store at path per contract table and the
// quarantine (a progress bar's totals).
func CleanStoreCounts(ctx context.Context, path string, s *contract.Spec) (map[string]int64, error) {
	src, err := store.OpenReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("clean store: %w", err)
	}
	defer src.Close()
	return CleanCounts(ctx, src, s)
}

// CleanCounts counts the clean store's rows per contract table and the quarantine.
func CleanCounts(ctx context.Context, src *sql.DB, s *contract.Spec) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range loadedTables(s) { // the quarantine has the same name in both
		var n int64
		if err := src.QueryRowContext(ctx, "SELECT count(*) FROM "+store.Quote(t)).Scan(&n); err != nil {
			return nil, fmt.Errorf("count clean %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// liveFingerprintIs reports whether the live generation already holds exactly what the given
// fingerprint measures: then a load has nothing to do.
func (r *Run) liveFingerprintIs(ctx context.Context, fingerprint string) (bool, error) {
	var fp *string
	err := r.conn.QueryRow(ctx, `SELECT fingerprint FROM `+ident(contract.BookkeepingSchema, "owned_schemas")+
		` WHERE name = $1 AND purpose = $2 AND schema_oid = (SELECT oid FROM pg_namespace WHERE nspname = $1)`, r.Spec.Schema, PurposeLive).Scan(&fp)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // no live generation (or an unrecorded one): something to do
	}
	if err != nil {
		return false, fmt.Errorf("read the live generation's fingerprint: %w", err)
	}
	return fp != nil && *fp == fingerprint, nil
}

// phase reports the step the load enters, if anyone listens.
func (o LoadOptions) phase(name string) {
	if o.Phase != nil {
		o.Phase(name)
	}
}

// grantAndRecord grants the dashboards' roles on a finished generation and records its
// fingerprint and row counts, the last steps before it may be swapped in.
func grantAndRecord(ctx context.Context, conn *pgx.Conn, gen string, roles []string, fingerprint string, got *reconcile.Measures) error {
	for _, role := range roles {
		if err := grant(ctx, conn, gen, role); err != nil {
			return err
		}
	}
	rows := map[string]int64{}
	for t, m := range got.Tables {
		rows[t] = m.Rows
	}
	js, _ := json.Marshal(rows)
	if _, err := conn.Exec(ctx, `UPDATE `+ident(contract.BookkeepingSchema, "owned_schemas")+` SET fingerprint = $2, rows = $3 WHERE name = $1`,
		gen, fingerprint, js); err != nil {
		return fmt.Errorf("record generation %s: %w", gen, err)
	}
	return nil
}
