// Package clean is the clean-store adapter: it reads the staging store, normalises every cell
// with package values, and writes a NEW clean store (clean.db) with the typed rows, a
// quarantine of every row that cannot be fixed (with rule, severity, source file and row, and the raw record), a change log,
// and an exact reconciliation: staged rows = clean rows + quarantined rows, per table.
package clean

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/quality"
	rc "github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/values"
)

// Options configure a clean run.
type Options struct {
	Spec        *contract.Spec
	Stage       string // the staging store to read (never written)
	Out         string // the clean store to write (replaced atomically)
	CellChanges bool   // also record every changed cell (before/after)
	// MadeFrom, when set, returns what is recorded in the clean store (table made_from): the
	// caller's fingerprint of everything the store is made from, read back with MadeFrom. It is
	// asked once the rows are written, so the caller may still be computing it meanwhile; its
	// error fails the clean.
	MadeFrom func() (string, error)
	// Health is checked before starting and every Health.Every rows; zero value: no checks.
	Health health.Limits
	// Progress, when set, is called every few thousand rows with the rows done so far (from
	// one goroutine at a time).
	Progress func(table string, rows int)
	// ScoreAt, when set, scores the clean store as it is written, at that time: Report.Score
	// is what quality.Score gives on the finished store, without a second pass over its rows.
	ScoreAt time.Time
	// Measure, when set, takes the reconciliation's measures as the store is written:
	// Report.Measures is what Measure gives on the finished store, without reading it back.
	Measure bool
	// Sample, when set, draws the canary's sample as the store is written, for seed SampleSeed:
	// Report.Sample is what DrawSample gives on the finished store, without reading it back.
	Sample     bool
	SampleSeed uint64
}

// TableResult reconciles one table.
type TableResult struct {
	Table       string `json:"table"`
	Staged      int    `json:"staged"`
	Clean       int    `json:"clean"`
	Quarantined int    `json:"quarantined"`
}

// ChangeCount is one line of the change log: how many cells a rule changed in a column.
type ChangeCount struct {
	Table  string `json:"table"`
	Column string `json:"column"`
	Rule   string `json:"rule"`
	Count  int    `json:"count"`
}

// Report is what the clean stage did.
type Report struct {
	Tables     []*TableResult  `json:"tables"`
	Changes    []ChangeCount   `json:"changes"`
	Quarantine map[string]int  `json:"quarantine_by_rule"`
	Score      *quality.Report `json:"-"` // with Options.ScoreAt only
	Measures   *rc.Measures    `json:"-"` // with Options.Measure only
	// Sample is the canary's sample, with Options.Sample only, and nil when a value's text in
	// the store is not known as written (the sample is then drawn from the store).
	Sample     *Sample  `json:"-"`
	remeasured []string // tables Measures read from the store (not known exactly as written)
}

// Run cleans the staging store into a new clean store. The staging store is only read; on any
// error the partial clean store is removed and a previous one is left as it was.
func Run(ctx context.Context, o Options) (_ *Report, err error) {
	defer func() { err = store.Full(err, o.Out) }()
	h := o.Health.For("clean", nil)
	if err := h.Now(); err != nil {
		return nil, err
	}
	src, err := store.OpenReadOnly(o.Stage)
	if err != nil {
		return nil, fmt.Errorf("staging store: %w", err)
	}
	defer src.Close()
	files, err := store.FileNames(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("staging store: %w", err)
	}
	b, err := store.Create(ctx, o.Out)
	if err != nil {
		return nil, fmt.Errorf("clean store: %w", err)
	}
	defer b.Abort()
	if err := createSchema(ctx, b.DB, o.Spec); err != nil {
		return nil, err
	}
	c := &cleaner{o: o, src: src, dst: b.DB, files: files, norm: newNormMemo(values.NewNormalizer(o.Spec.Sentinels), o.Spec),
		changes: map[changeKey]int{}, quarantine: map[string]int{}, healthy: h.Tick,
		free: make(chan *batch, 2*inFlight+2), rawFree: make(chan *rawBatch, inFlight+1)}
	if !o.ScoreAt.IsZero() {
		c.scores, c.keyed = map[string]*quality.Accumulator{}, map[string]*keyCount{}
		for _, t := range o.Spec.Tables {
			c.scores[t.Name] = quality.NewAccumulator(o.Spec, t, o.ScoreAt)
			if len(t.Key) > 0 {
				c.keyed[t.Name] = newKeyCount(t)
			}
		}
	}
	if o.Measure {
		c.measures, c.quar = map[string]*tableMeasure{}, newQuarMeasure()
		for _, t := range o.Spec.Tables {
			c.measures[t.Name] = newTableMeasure(t)
		}
	}
	if o.Sample {
		c.ahead = newSampleAhead(o.Spec, o.SampleSeed)
	}
	if err := c.run(ctx); err != nil {
		return nil, err
	}
	res := &Report{Quarantine: c.quarantine, Sample: c.ahead.result()}
	for _, t := range o.Spec.Tables {
		res.Tables = append(res.Tables, &TableResult{Table: t.Name})
	}
	if err := c.finish(ctx, o.Stage); err != nil {
		return nil, err
	}
	res.Changes = c.changeLog()
	if err := writeChangeLog(ctx, b.DB, res.Changes); err != nil {
		return nil, err
	}
	if o.MadeFrom != nil {
		inputs, err := o.MadeFrom()
		if err != nil {
			return nil, err
		}
		if _, err := b.DB.ExecContext(ctx, `CREATE TABLE made_from (inputs TEXT NOT NULL)`); err != nil {
			return nil, err
		}
		if _, err := b.DB.ExecContext(ctx, `INSERT INTO made_from VALUES (?)`, inputs); err != nil {
			return nil, err
		}
	}
	// Everything is written: the rest reads the closed store (sealed.go) as it goes to disk.
	if err := b.Close(); err != nil {
		return nil, fmt.Errorf("clean store: %w", err)
	}
	b.SyncAhead()
	sc, err := c.checkSealed(ctx, b.Temp(), res.Tables)
	if err != nil {
		return nil, err
	}
	if err := sc.reconcileErr(); err != nil {
		return nil, err
	}
	if c.scores != nil { // the rows and keys were measured as written: only orphans were asked of the store
		if res.Score, err = sc.score, sc.scoreErr; err != nil {
			return nil, err
		}
	}
	if o.Measure {
		if res.Measures, res.remeasured, err = c.measured(sc.measured); err != nil {
			return nil, err
		}
	}
	if err := b.Commit(); err != nil {
		return nil, fmt.Errorf("clean store: %w", err)
	}
	return res, nil
}

// run cleans every table: the reader on its own goroutine, the normaliser on another, the
// measurer (when scoring or measuring) on a third, the writer on this one. Whichever fails
// first stops the others; run returns once all have stopped.
func (c *cleaner) run(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	read := make(chan *rawBatch, inFlight)
	normalised := make(chan *batch, inFlight)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(read)
		c.readAll(ctx, read)
	}()
	go func() {
		defer wg.Done()
		defer close(normalised)
		c.normaliseAll(ctx, read, normalised)
	}()
	in := normalised
	if c.scores != nil || c.measures != nil || c.ahead != nil {
		measured := make(chan *batch, inFlight)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(measured)
			c.measureAll(ctx, normalised, measured)
		}()
		in = measured
	}
	err := c.writeAll(ctx, in)
	if err != nil {
		cancel()
		for range in { // let the reader, the normaliser and the measurer see the cancellation and stop
		}
	}
	wg.Wait()
	if err != nil && parent.Err() != nil {
		// Interrupted: whichever goroutine noticed first may report a symptom (a statement the
		// cancellation closed); the cause is the cancellation.
		return fmt.Errorf("clean: %w", parent.Err())
	}
	return err
}

type changeKey struct{ table, column, rule string }

type cleaner struct {
	o          Options
	src, dst   *sql.DB
	files      map[int64]string
	norm       *normMemo
	boxes      lastBoxes // the normaliser's
	changes    map[changeKey]int
	quarantine map[string]int                  // rows per rule
	healthy    func() error                    // the health check, run once per row
	scores     map[string]*quality.Accumulator // per table, when scoring (fed by the measurer)
	keyed      map[string]*keyCount            // per keyed table, when scoring (the measurer's, then the dedupe's)
	free       chan *batch                     // batches the writer is done with
	rawFree    chan *rawBatch                  // staged rows the normaliser is done with
	measures   map[string]*tableMeasure        // per table, when measuring (fed by the measurer)
	quar       *quarMeasure                    // the quarantine's, when measuring (the writer's)
	ahead      *sampleAhead                    // the canary's sample, when drawn as written (sampleahead.go)
	lost       map[int64]bool                  // the rowids the table's dedupe deleted, when drawing the sample
}

// finish copies what the clean store keeps of the staging store: the import audit (lineage)
// and the rejected rows (into the quarantine).
func (c *cleaner) finish(ctx context.Context, stagePath string) error {
	if _, err := c.dst.ExecContext(ctx, `ATTACH DATABASE ? AS stg`, stagePath); err != nil {
		return fmt.Errorf("attach staging store: %w", err)
	}
	defer c.dst.ExecContext(context.Background(), `DETACH DATABASE stg`)
	if _, err := c.dst.ExecContext(ctx, `CREATE TABLE import_file AS SELECT * FROM stg.import_file`); err != nil {
		return err
	}
	var mark int64
	if c.quar != nil {
		var err error
		if mark, err = quarantineMark(ctx, c.dst); err != nil {
			return err
		}
	}
	r, err := c.dst.ExecContext(ctx, `INSERT INTO quarantine
		SELECT s.table_name, f.name, s._row, s._line, NULL, s.rule, ?, NULL, s.reason, s.record
		FROM stg.stg_rejects s JOIN stg.import_file f ON f.id = s._file_id`, contract.Critical)
	if err != nil {
		return err
	}
	if c.quar != nil {
		if err := c.quar.addSince(ctx, c.dst, mark); err != nil {
			return fmt.Errorf("measure the rejected rows: %w", err)
		}
	}
	n, _ := r.RowsAffected()
	if n > 0 {
		c.quarantine[contract.RuleFieldCount] += int(n)
	}
	return nil
}

// tableCounts are one table's rows as counted in both stores: staged, and clean.
type tableCounts struct {
	staged, clean int
	err           error
}

// countTable counts table's staged rows (src) and clean rows (dst).
func countTable(ctx context.Context, src, dst *sql.DB, table string) tableCounts {
	var n tableCounts
	for _, x := range []struct {
		db  *sql.DB
		tbl string
		v   *int
	}{{src, "stg_" + table, &n.staged}, {dst, table, &n.clean}} {
		if err := x.db.QueryRowContext(ctx, "SELECT count(*) FROM "+store.Quote(x.tbl)).Scan(x.v); err != nil {
			return tableCounts{err: fmt.Errorf("reconcile %s: %w", table, err)}
		}
	}
	return n
}

// byTable are the staged rejects (src) and the quarantined rows (dst) of every table, each
// store's counted in one scan: neither table has an index, and a count per table scanned the
// whole quarantine once per table (at scale 1, 8,200 pages each time).
type byTable struct {
	rejects, quarantined map[string]int
	err                  error
}

func countByTable(ctx context.Context, src, dst *sql.DB) byTable {
	var b byTable
	var err error
	if b.rejects, err = groupCount(ctx, src, "stg_rejects"); err == nil {
		b.quarantined, err = groupCount(ctx, dst, "quarantine")
	}
	if err != nil {
		return byTable{err: err}
	}
	return b
}

// groupCount is tbl's rows per table_name.
func groupCount(ctx context.Context, db *sql.DB, tbl string) (map[string]int, error) {
	rows, err := db.QueryContext(ctx, "SELECT table_name, count(*) FROM "+tbl+" GROUP BY table_name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			return nil, err
		}
		m[name] = n
	}
	return m, rows.Err()
}

// reconcileTable checks staged = clean + quarantined for one table, from its counts in both
// stores.
func reconcileTable(tr *TableResult, n tableCounts, b byTable) error {
	if n.err != nil {
		return n.err
	}
	if b.err != nil {
		return fmt.Errorf("reconcile %s: %w", tr.Table, b.err)
	}
	tr.Staged, tr.Clean, tr.Quarantined = n.staged+b.rejects[tr.Table], n.clean, b.quarantined[tr.Table]
	if tr.Staged != tr.Clean+tr.Quarantined {
		return fmt.Errorf("%w: %s: staged %d != clean %d + quarantined %d", outcome.ErrReconcile, tr.Table, tr.Staged, tr.Clean, tr.Quarantined)
	}
	return nil
}

func (c *cleaner) changeLog() []ChangeCount {
	out := make([]ChangeCount, 0, len(c.changes))
	for k, n := range c.changes {
		out = append(out, ChangeCount{Table: k.table, Column: k.column, Rule: k.rule, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Rule < b.Rule
	})
	return out
}

func writeChangeLog(ctx context.Context, db *sql.DB, changes []ChangeCount) error {
	for _, ch := range changes {
		if _, err := db.ExecContext(ctx, `INSERT INTO change_log VALUES (?, ?, ?, ?)`, ch.Table, ch.Column, ch.Rule, ch.Count); err != nil {
			return err
		}
	}
	return nil
}

// recordJSON renders a raw record as a JSON object keyed by database column name.
func recordJSON(t *contract.Table, raw []string, extra sql.NullString) string {
	m := make(map[string]any, len(raw)+1)
	for i, c := range t.Columns {
		m[c.Name] = raw[i]
	}
	if extra.Valid {
		m["_extra"] = json.RawMessage(extra.String)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// MadeFrom reads what the clean store at path records it was made from (Options.MadeFrom);
// "" when it records nothing.
func MadeFrom(ctx context.Context, path string) (string, error) {
	db, err := store.OpenReadOnly(path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var v string
	err = db.QueryRowContext(ctx, `SELECT inputs FROM made_from`).Scan(&v)
	if err != nil && strings.Contains(err.Error(), "no such table") {
		return "", nil
	}
	return v, err
}
