package postgres

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/store"
)

// LoadOptions configure a load.
type LoadOptions struct {
	Spec  *contract.Spec
	Clean string // the clean store
	DSN   string
	// Progress, when set, is called every few thousand rows with the rows copied so far.
	Progress func(table string, rows int)
	// Phase, when set, is called as the load enters each step without a row count (an index
	// build, analyze, reconcile, score, swap, drop_old); from several goroutines while tables
	// copy in parallel.
	Phase func(phase string)
	// BeforeSwap, when set, runs inside the load transaction on the fully loaded new schema,
	// read through src, before it replaces the live one; an error rolls everything back. It
	// sees the schema as the score does, so no caller needs the driver.
	BeforeSwap func(ctx context.Context, src quality.Source) error
	// DryRun rehearses the load in a throwaway schema and rolls it back: the live schema is
	// never touched. With SampleEvery > 1 only every SampleEvery-th row of each table is copied.
	DryRun      bool
	SampleEvery int
	// KPIQueries, in a dry run, are executed against the rehearsal schema (kpi.Queries with
	// comment_quality unqualified), with an empty comment_quality created in the same
	// transaction: any error fails the rehearsal, so a load cannot be the first to find a
	// query the schema does not serve.
	KPIQueries []kpi.Query
	// AdoptSchema, when it names the contract's schema, lets the load replace a live schema an
	// earlier sdetl version created without recording it (see CheckOwnership).
	AdoptSchema string

	// For a real load (not DryRun): the run (BeginRun) that holds the lock and the ledger row.
	Run *Run
	// Want is the clean store's measures (the want side of the reconciliation) when the caller
	// has them already (the clean's writer, clean.Measure): they decide "nothing to do" before
	// anything is loaded, and the generation's read-back measures must equal them. Without
	// Want, the COPY takes them itself, from the rows it sends, and MeasureClean is called for
	// the "nothing to do" decision only when the clean store's row counts equal the live
	// generation's (otherwise the data has changed and there is no question); what it returns
	// is then Want.
	Want         *reconcile.Measures
	MeasureClean func(ctx context.Context) (*reconcile.Measures, error)
	// Force loads a new generation even when the live one already holds the same data.
	Force bool
	// GrantRoles get USAGE on the generation and SELECT on its tables before it goes live.
	GrantRoles []string
	// Keep is how many previous generations to retain after the swap (older ones are dropped).
	Keep int
	// Parallel is how many connections copy tables at once (0: 2).
	Parallel int
	// LockTimeout bounds each wait for a lock in the swap and the drops (0: DefaultLockTimeout);
	// the swap is tried SwapRetries more times, with backoff, before the run fails.
	LockTimeout time.Duration
	SwapRetries int
	// BeforeReconcile, when set, runs on the finished generation before it is reconciled. Tests
	// use it to tamper with a generation; nothing else should.
	BeforeReconcile func(ctx context.Context, schema string) error
	// Health is checked before and every Health.Every rows of each table's COPY (stage load)
	// and before each table's measures (stage reconcile), the server pinged on a connection of
	// its own; zero: no checks. A failure drops the generation; live is untouched.
	Health health.Limits
	ping   func() error // the health checks' ping, set by migrate
}

// DefaultLockTimeout bounds each lock wait of the swap and the drops of old generations.
const DefaultLockTimeout = 2 * time.Second

// TableLoad is one table's loaded row count.
type TableLoad struct {
	Table    string        `json:"table"`
	Rows     int64         `json:"rows"`
	Copying  time.Duration `json:"copy_ns"`
	Indexing time.Duration `json:"index_ns,omitempty"`
	// Counting is the count check once the rows are in (PostgreSQL's count, and any wait for
	// the clean store's, taken meanwhile), on its last part's connection after Copying;
	// Analyzing the table's ANALYZE on that connection, at once after its indexes (the last
	// tables' beside the verification's read-back, which does not wait for them).
	Counting  time.Duration `json:"count_ns,omitempty"`
	Analyzing time.Duration `json:"analyze_ns,omitempty"`
	// Parts is how many COPYs the table was copied in, when more than one (split.go);
	// Copying is then from the first's start to the last's end.
	Parts int `json:"parts,omitempty"`
}

// LoadResult says what was loaded.
type LoadResult struct {
	Schema string `json:"schema"`
	DryRun bool   `json:"dry_run,omitempty"`
	// KPIQueries is how many KPI queries the dry run executed on the rehearsal schema.
	KPIQueries int           `json:"kpi_queries,omitempty"`
	Tables     []TableLoad   `json:"tables"`
	Duration   time.Duration `json:"duration_ns"`

	RunID       int64              `json:"run_id,omitempty"`
	Generation  string             `json:"generation,omitempty"` // the schema built (now live)
	Fingerprint string             `json:"fingerprint,omitempty"`
	NothingToDo bool               `json:"nothing_to_do,omitempty"` // live already holds these rows
	Swap        *SwapResult        `json:"swap,omitempty"`
	Dropped     []string           `json:"dropped,omitempty"`  // old generations dropped after the swap
	Warnings    []string           `json:"warnings,omitempty"` // old generations that could not be dropped yet
	Seconds     map[string]float64 `json:"seconds,omitempty"`  // per step
}

// ErrLocked means another run holds the advisory lock.
var ErrLocked = errors.New("another sdetl run holds the lock on this database")

// Load loads the clean store into a new generation, reconciles it, and swaps it in (see
// migrate, generation.go). With DryRun it rehearses instead: one transaction, in a throwaway
// schema, always rolled back.
func Load(ctx context.Context, o LoadOptions) (*LoadResult, error) {
	if o.DryRun {
		return rehearse(ctx, o)
	}
	if o.Run != nil {
		return migrate(ctx, o)
	}
	// No caller's run: this load is a run of its own in the ledger, failing at once if another
	// holds the lock.
	r, err := BeginRun(ctx, o.DSN, o.Spec, "load", 0)
	if err != nil {
		return nil, err
	}
	o.Run = r
	res, err := migrate(ctx, o)
	status := StatusOK
	switch {
	case err != nil:
		status = StatusFailed
	case res.NothingToDo:
		status = StatusNothing
	}
	var d *RunDetails
	if res != nil {
		d = &RunDetails{Counts: map[string]any{"loaded": res.Tables}, Timings: res.Seconds}
	}
	if ferr := r.Finish(ctx, status, d, err); err == nil && ferr != nil {
		return nil, ferr
	}
	return res, err
}

// rehearse is the dry run: the whole load in one transaction, rolled back.
func rehearse(ctx context.Context, o LoadOptions) (*LoadResult, error) {
	start := time.Now()
	src, err := store.OpenReadOnly(o.Clean)
	if err != nil {
		return nil, fmt.Errorf("clean store: %w", err)
	}
	defer src.Close()
	conn, err := Connect(ctx, o.DSN)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	if err := copySession(ctx, conn); err != nil { // compressed as a load's copies are, so its rates are theirs
		return nil, err
	}
	unlock, err := Lock(ctx, conn, o.Spec.Schema)
	if err != nil {
		return nil, err
	}
	defer unlock()

	if !o.DryRun { // a rehearsal leaves nothing behind, not even the bookkeeping schema
		if err := ensureBookkeeping(ctx, conn); err != nil {
			return nil, err
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.Background())
	// Settled again here, under the lock and in the load's transaction: the check `run` made
	// before reading anything may be minutes old.
	tg, err := checkOwnership(ctx, tx, o.Spec, o.AdoptSchema)
	if err != nil {
		return nil, err
	}
	for _, name := range tg.leftovers {
		if err := dropOwned(ctx, tx, name); err != nil {
			return nil, err
		}
	}
	next := o.Spec.Schema + "__next"
	sample := ""
	if o.DryRun {
		next = o.Spec.Schema + "__dryrun"
		if o.SampleEvery > 1 {
			sample = fmt.Sprintf(" WHERE rowid %% %d = 0", o.SampleEvery)
		}
	}
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+ident(next)); err != nil {
		return nil, fmt.Errorf("create schema %s: %w", next, err)
	}
	if !o.DryRun {
		if err := recordSchema(ctx, tx, next, PurposeNext, o.Spec.Name, loadedTables(o.Spec), false); err != nil {
			return nil, err
		}
	}
	res := &LoadResult{Schema: o.Spec.Schema, DryRun: o.DryRun, Seconds: map[string]float64{}}
	lap := func(step string, since time.Time) { res.Seconds[step] += time.Since(since).Seconds() }
	for _, t := range o.Spec.Tables {
		if _, err := tx.Exec(ctx, tableDDL(next, t)); err != nil {
			return nil, fmt.Errorf("create %s: %w", t.Name, err)
		}
		began := time.Now()
		n, err := copyTable(ctx, tx.Conn(), src, next, t, sample, o.Progress, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", t.Name, explainRowTooBig(t, err))
		}
		copying := time.Since(began)
		if err := checkCount(ctx, tx, src, next, t.Name, t.Name, sample, n); err != nil {
			return nil, err
		}
		began = time.Now()
		if k := keyDDL(next, t); k != "" {
			if _, err := tx.Exec(ctx, k); err != nil {
				return nil, fmt.Errorf("natural key of %s: %w", t.Name, err)
			}
		}
		res.Tables = append(res.Tables, TableLoad{Table: t.Name, Rows: n, Copying: copying, Indexing: time.Since(began)})
	}
	began := time.Now()
	if _, err := tx.Exec(ctx, quarantineDDL(next)); err != nil {
		return nil, fmt.Errorf("create quarantine: %w", err)
	}
	n, err := copyQuarantine(ctx, tx.Conn(), src, next, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("load quarantine: %w", err)
	}
	if err := checkCount(ctx, tx, src, next, QuarantineTable, "quarantine", "", n); err != nil {
		return nil, err
	}
	res.Tables = append(res.Tables, TableLoad{Table: QuarantineTable, Rows: n, Copying: time.Since(began)})
	// The generation's side of the reconciliation and the score, on the sample, split as the
	// load splits them (the score's scan takes the contract tables' measures, the SQL the
	// quarantine's): their times are the dry run's estimate's.
	streamed := newStreamedMeasures()
	if o.DryRun {
		began = time.Now()
		measure := measureQuarantine
		if o.BeforeSwap == nil {
			measure = func(ctx context.Context, q querier, schema string) (*reconcile.Measures, error) {
				return measureGeneration(ctx, q, o.Spec, schema, nil)
			}
		}
		if _, err := measure(ctx, tx, next); err != nil {
			return nil, fmt.Errorf("reconcile: %w", err)
		}
		lap("reconcile", began)
	}
	if o.BeforeSwap != nil {
		began = time.Now()
		if err := o.BeforeSwap(ctx, measuringQualitySource(tx.Conn(), next, streamed)); err != nil {
			return nil, err
		}
		lap("score", began)
	}
	if len(o.KPIQueries) > 0 {
		if err := rehearseKPIs(ctx, tx, next, o.Spec, o.KPIQueries, lap); err != nil {
			return nil, err
		}
	}
	res.KPIQueries = len(o.KPIQueries)
	res.Duration = time.Since(start)
	return res, tx.Rollback(ctx) // a rehearsal: nothing stays
}

// Lock takes the run's advisory lock (keyed by schema) or fails at once with ErrLocked.
func Lock(ctx context.Context, conn *pgx.Conn, schema string) (unlock func(), err error) {
	key := lockKey(schema)
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		return nil, fmt.Errorf("advisory lock: %w", err)
	}
	if !ok {
		return nil, ErrLocked
	}
	return func() { conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", key) }, nil
}

// lockKey is the advisory lock's key for a contract's schema.
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("sdetl:" + schema))
	return int64(h.Sum64())
}

// checkCount compares a loaded table's count with the clean store's, inside the transaction.
func checkCount(ctx context.Context, tx querier, src *sql.DB, schema, pgTable, cleanTable, where string, copied int64) error {
	var want, got int64
	if err := src.QueryRowContext(ctx, "SELECT count(*) FROM "+store.Quote(cleanTable)+where).Scan(&want); err != nil {
		return fmt.Errorf("count clean %s: %w", cleanTable, err)
	}
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+ident(schema, pgTable)).Scan(&got); err != nil {
		return fmt.Errorf("count loaded %s: %w", pgTable, err)
	}
	if got != want || copied != want {
		return fmt.Errorf("%w: %s: clean store has %d rows, copied %d, PostgreSQL counts %d", outcome.ErrReconcile, pgTable, want, copied, got)
	}
	return nil
}

// copyTable copies one contract table from the clean store; with acc, every row is also
// measured for the reconciliation as it is encoded (its canonical text is what COPY reads).
func copyTable(ctx context.Context, tx copier, src *sql.DB, schema string, t *contract.Table, where string, progress func(string, int), h *health.Checker, acc *reconcile.TableAcc) (int64, error) {
	return copyTableRange(ctx, tx, src, schema, t, where, nil, progress, h, acc)
}

// rowRange is the part of a table one COPY reads, by the clean store's rowid: lo to hi, and,
// when own is set, only while own says each row (in rowid order) is still the part's.
type rowRange struct {
	lo, hi int64
	own    func(rowid int64) bool
}

// where selects the range: the load's parts are of whole tables, so it is their only filter.
func (r *rowRange) where() string { return fmt.Sprintf(" WHERE rowid BETWEEN %d AND %d", r.lo, r.hi) }

// copyTableRange is copyTable of the rows in rng only (nil: every row where selects).
func copyTableRange(ctx context.Context, tx copier, src *sql.DB, schema string, t *contract.Table, where string, rng *rowRange, progress func(string, int), h *health.Checker, acc *reconcile.TableAcc) (int64, error) {
	if err := h.Now(); err != nil {
		return 0, err
	}
	var sel, dst []string
	var types []contract.Type
	for _, c := range t.Columns {
		sel, dst, types = append(sel, "c."+store.Quote(c.Name)), append(dst, c.Name), append(types, c.Type)
	}
	for _, d := range t.Derived {
		sel, dst, types = append(sel, "c."+store.Quote(d.Name)), append(dst, d.Name), append(types, d.Type)
	}
	// The file's name comes from a map of the few import files, not a join per row: the
	// file's id is read in its place and swapped for the name as the row is read.
	names, err := fileNames(ctx, src)
	if err != nil {
		return 0, err
	}
	read := append(sel, "c._file_id", "c._row", "c._file_id")
	if rng != nil {
		where = rng.where()
		if rng.own != nil { // each row's rowid first, for own
			read = append([]string{"c.rid"}, read...)
		}
	}
	q := fmt.Sprintf(`SELECT %s FROM (SELECT rowid AS rid, * FROM %s%s) c ORDER BY c.rid`,
		strings.Join(read, ", "), store.Quote(t.Name), where)
	n, err := copyRows(ctx, tx, src, q, append(types, lineageTypes...), pgx.Identifier{schema, t.Name}, append(dst, lineage...), func(s *rowSource) {
		s.table, s.progress, s.acc, s.health = t.Name, progress, acc, h
		s.fileNames, s.nameAt = names, len(sel)
		if rng != nil {
			s.own = rng.own
		}
	})
	if err == nil && progress != nil {
		progress(t.Name, int(n)) // the last few thousand rows, too
	}
	return n, err
}

func copyQuarantine(ctx context.Context, tx copier, src *sql.DB, schema string, h *health.Checker, acc *reconcile.TableAcc) (int64, error) {
	return copyQuarantineRange(ctx, tx, src, schema, nil, h, acc)
}

// copyQuarantineRange is copyQuarantine of the rows in rng only (nil: every row).
func copyQuarantineRange(ctx context.Context, tx copier, src *sql.DB, schema string, rng *rowRange, h *health.Checker, acc *reconcile.TableAcc) (int64, error) {
	if err := h.Now(); err != nil {
		return 0, err
	}
	cols := []string{"table_name", "source_file", "source_row", "source_line", "column_name", "rule", "severity", "raw_value", "reason", "record"}
	read, where := cols, ""
	if rng != nil {
		where = rng.where()
		if rng.own != nil {
			read = append([]string{"rowid"}, cols...)
		}
	}
	q := "SELECT " + strings.Join(read, ", ") + " FROM quarantine" + where + " ORDER BY rowid"
	types := []contract.Type{contract.Text, contract.Text, contract.Integer, contract.Integer, contract.Text, contract.Text, contract.Text, contract.Text, contract.Text, contract.Text}
	return copyRows(ctx, tx, src, q, types, pgx.Identifier{schema, QuarantineTable}, cols, func(s *rowSource) {
		s.table, s.escapeNUL, s.acc, s.health = QuarantineTable, true, acc, h
		if rng != nil {
			s.own = rng.own
		}
	})
}

// fileNames maps each import file's id, as its decimal text (as it is read), to its name.
func fileNames(ctx context.Context, src *sql.DB) (map[string]string, error) {
	ids, err := store.FileNames(ctx, src)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(ids))
	for id, name := range ids {
		m[strconv.FormatInt(id, 10)] = name
	}
	return m, nil
}

// copyRows runs query on a connection of src taken for the copy, reading its rows through
// SQLite's C API (store.RawRows: no driver call or allocation per value), and COPYs them into
// table. The query's columns are the rows' values in types' order, after the rowid when the
// rowSource's own is set.
func copyRows(ctx context.Context, tx copier, src *sql.DB, query string, types []contract.Type, table pgx.Identifier, columns []string, set func(*rowSource)) (int64, error) {
	sc, err := src.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer sc.Close()
	conn := tx.PgConn()
	var n int64
	err = sc.Raw(func(dc any) error {
		rc, err := store.OpenRaw(dc)
		if err != nil {
			return err
		}
		defer rc.Close()
		rows, err := rc.Query(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		s := newRowSource(rows, types)
		set(s)
		if want := len(types) + s.lead(); rows.Columns() != want {
			return fmt.Errorf("clean store read returns %d columns, want %d", rows.Columns(), want)
		}
		r := &closableReader{r: s}
		tag, err := conn.CopyFrom(ctx, r, "COPY "+table.Sanitize()+" ("+quoteColumns(columns)+") FROM STDIN (FORMAT binary)")
		r.close() // before the deferred rows.Close finalizes the statement s reads
		n = tag.RowsAffected()
		if err == nil {
			err = s.err
		}
		if err == nil {
			err = rows.Close()
		}
		return err
	})
	return n, err
}

// closableReader guards the clean store's rows from pgconn's CopyFrom, which returns on a
// server or connection error without waiting for its goroutine: that goroutine may still be in
// Read, or call it once more, after the statement the rows come from is finalized (pgx's own
// CopyFrom waits for its goroutine; the load calls pgconn's directly). close waits for a Read in
// progress and fails every later one.
type closableReader struct {
	mu     sync.Mutex
	r      io.Reader
	closed bool
}

var errCopyEnded = errors.New("the COPY has ended")

func (c *closableReader) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errCopyEnded
	}
	return c.r.Read(p)
}

func (c *closableReader) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
}

func quoteColumns(columns []string) string {
	q := make([]string, len(columns))
	for i, c := range columns {
		q[i] = ident(c)
	}
	return strings.Join(q, ", ")
}

// copier is the connection a COPY runs on (inside its transaction, if one is open).
type copier interface {
	PgConn() *pgconn.PgConn
}

// rowSource streams clean-store rows into COPY as its binary format (copyenc.go), an io.Reader
// whose buffer holds at most one read's worth of rows.
type rowSource struct {
	rows      *store.RawRows
	types     []contract.Type
	all, raw  []string // the row's values (raw: after the rowid, if read), sharing one string
	nulls     []bool
	null      []bool // nulls as raw
	buf       []byte // encoded, from off on not yet read
	off       int
	started   bool // the header is written
	done      bool // the trailer is written
	err       error
	n         int
	table     string
	progress  func(string, int)
	escapeNUL bool // the quarantine keeps raw text; PostgreSQL text cannot hold NUL
	// acc, when set, measures every row's canonical text (as escaped for COPY) as it passes:
	// the clean store's side of the reconciliation, with no second read of the store.
	acc    *reconcile.TableAcc
	texts  []*string
	health *health.Checker
	// fileNames, when set, replaces the import file id packed at nameAt with the file's name.
	fileNames map[string]string
	nameAt    int
	// own, when set, is asked of each row's rowid (read before its values) whether the row
	// is still this COPY's: the first it is not ends the COPY (another part has the rest).
	own func(rowid int64) bool
}

func newRowSource(rows *store.RawRows, types []contract.Type) *rowSource {
	return &rowSource{rows: rows, types: types}
}

// Read fills p with the COPY stream: rows are encoded until the buffer holds p's length (the
// last one may run past it; the rest waits for the next Read), then the trailer after the last.
func (s *rowSource) Read(p []byte) (int, error) {
	s.buf, s.off = s.buf[:copy(s.buf, s.buf[s.off:])], 0
	if !s.started {
		s.buf, s.started = append(s.buf, copyHeader...), true
	}
	for len(s.buf) < len(p) && !s.done {
		if !s.Next() {
			if s.err != nil {
				return 0, s.err
			}
			s.buf, s.done = append(s.buf, copyTrailer...), true
			break
		}
		if err := s.encode(); err != nil {
			s.err = err
			return 0, err
		}
	}
	if len(s.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.buf)
	s.off = n
	return n, nil
}

// encode appends the row Next read: its field count, then each field (NULL: length -1).
func (s *rowSource) encode() error {
	s.buf = binary.BigEndian.AppendUint16(s.buf, uint16(len(s.raw)))
	for i, r := range s.raw {
		if s.null[i] {
			s.buf = append(s.buf, 0xff, 0xff, 0xff, 0xff)
			continue
		}
		if s.escapeNUL && strings.IndexByte(r, 0) >= 0 {
			r = strings.ReplaceAll(r, "\x00", `\x00`)
		}
		b, err := appendField(s.buf, s.types[i], r)
		if err != nil {
			return fmt.Errorf("row %d column %d: %w", s.n, i+1, err)
		}
		s.buf = b
	}
	return nil
}

// lead is the number of columns read before the row's values: its rowid, for own.
func (s *rowSource) lead() int {
	if s.own != nil {
		return 1
	}
	return 0
}

func (s *rowSource) Next() bool {
	if s.err != nil {
		return false
	}
	if !s.rows.Next() {
		s.err = s.rows.Err()
		return false
	}
	lead := s.lead()
	if s.all == nil {
		s.all, s.nulls = make([]string, lead+len(s.types)), make([]bool, lead+len(s.types))
		s.raw, s.null = s.all[lead:], s.nulls[lead:]
	}
	if s.own != nil {
		rid, err := s.rows.Int64(0)
		if err != nil {
			s.err = fmt.Errorf("row %d: rowid: %w", s.n+1, err)
			return false
		}
		if !s.own(rid) {
			return false
		}
	}
	if s.acc != nil {
		// The values are kept in a string of the row's own: the reconciliation keeps some (its
		// minimum and maximum) past the row.
		s.rows.Keep(s.all, s.nulls)
	} else {
		// Unmeasured, the values are encoded before the next row is read: they are views of
		// the rows' buffer, with no copy and no string per row to collect (RawRows.Text).
		for i := range s.all {
			s.all[i], s.nulls[i] = s.rows.Text(i), s.rows.Null(i)
		}
	}
	if s.fileNames != nil {
		name, ok := s.fileNames[s.raw[s.nameAt]]
		if !ok {
			s.err = fmt.Errorf("row %d: import file %q is not in import_file", s.n+1, s.raw[s.nameAt])
			return false
		}
		s.raw[s.nameAt] = name
	}
	s.n++
	if s.n == 1000 {
		testPoint("copy")
	}
	if err := s.health.Tick(); err != nil {
		s.err = err
		return false
	}
	if s.progress != nil && s.n%8192 == 0 {
		s.progress(s.table, s.n)
	}
	if s.acc != nil {
		if err := s.measure(); err != nil {
			s.err = fmt.Errorf("row %d: %w", s.n, err)
			return false
		}
	}
	return true
}

// measure adds the scanned row to the accumulator, as clean.Measure would.
func (s *rowSource) measure() error {
	if s.texts == nil {
		s.texts = make([]*string, len(s.raw))
	}
	for i := range s.raw {
		s.texts[i] = nil
		if !s.null[i] {
			if s.escapeNUL && strings.IndexByte(s.raw[i], 0) >= 0 {
				v := strings.ReplaceAll(s.raw[i], "\x00", `\x00`)
				s.texts[i] = &v
				continue
			}
			s.texts[i] = &s.raw[i]
		}
	}
	return s.acc.Add(s.texts)
}
