package stage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/store"
)

// Measured is what an import measured of the rows it staged (Options.Measure): per table, the
// profile's and the stage score's accumulators, fed each row as it was written, so that a run
// gets the profile and the stage score without two more passes over the staging store.
//
// The accumulators describe a table only when this import staged every row the table holds, in
// the order the store returns them: the table was empty before the import, and no row fed was
// deleted afterwards. The staging store is incremental, so a table can also hold rows of
// earlier imports (its file skipped as unchanged, or upserting into earlier rows); and the scope
// filter deletes, at the end of the activity file, the rows whose ticket turned out untouched.
// Such a table is read once more instead, one pass feeding both accumulators. Either way
// Profile equals the package's Profile(ctx, s, path, 0) and Score equals quality.Score over
// QualitySource at Now, exactly: the accumulator state is not persisted with the store.
type Measured struct {
	s      *contract.Spec
	path   string
	now    time.Time
	tables []*measuredTable // in contract order

	// While importing, the accumulators are fed on a goroutine of their own (the second core
	// does the measuring while the first writes SQLite); the import hands it batches of rows.
	feed  chan batch
	done  chan struct{}
	err   error // the feeder's first error, read after done
	batch batch

	health   *health.Checker     // ticked by the read-back pass (the profile stage)
	presence quality.RawPresence // the store's SQL null test, for absentKeyed
}

type measuredTable struct {
	t       *contract.Table
	prof    *profile.Table
	qual    *quality.Accumulator
	held    bool // the table held rows before this import
	deleted bool // a row fed was deleted before the import ended
	read    bool // the accumulators were fed by reading the table back (for Passes)

	// keyCols are the key's columns (indexes into a staged row); absentKeyed counts the rows
	// staged with a _key although the store's SQL finds a part of their key absent (always
	// none unless the Go and SQL null tests disagree): with none, the stage score's key
	// metrics can be read from the _key index (indexKeys).
	keyCols     []int
	absentKeyed int64
}

// whole says the accumulators saw every row the table holds, in its order.
func (mt *measuredTable) whole() bool { return !mt.held && !mt.deleted }

// batch is rows of one table for the feeder.
type batch struct {
	mt    *measuredTable
	rows  [][]string
	keyed []bool // the row was staged with a _key
}

const batchRows = 256

func newMeasured(s *contract.Spec, path string, now time.Time) *Measured {
	m := &Measured{s: s, path: path, now: now, presence: quality.NewRawPresence(s)}
	for _, t := range s.Tables {
		m.tables = append(m.tables, m.fresh(t))
	}
	return m
}

func (m *Measured) fresh(t *contract.Table) *measuredTable {
	mt := &measuredTable{t: t, prof: profile.NewTable(m.s, t), qual: quality.NewAccumulator(m.s, t, m.now)}
	for _, k := range t.Key {
		mt.keyCols = append(mt.keyCols, t.ColumnIndex(k))
	}
	return mt
}

func (m *Measured) table(name string) *measuredTable {
	for _, mt := range m.tables {
		if mt.t.Name == name {
			return mt
		}
	}
	return nil
}

// start starts the feeder; stop must follow.
func (m *Measured) start() {
	m.feed, m.done = make(chan batch, 4), make(chan struct{})
	go func() {
		defer close(m.done)
		for b := range m.feed {
			if m.err != nil {
				continue // drain: the import learns of the error at stop
			}
			for i, row := range b.rows {
				if b.keyed[i] && !m.keyPresent(b.mt, row) {
					b.mt.absentKeyed++
				}
				if err := b.mt.prof.Add(row); err != nil {
					m.err = err
					break
				}
				if err := b.mt.qual.Add(row); err != nil {
					m.err = err
					break
				}
			}
		}
	}()
}

// keyPresent says whether the store's SQL finds every part of row's key present.
func (m *Measured) keyPresent(mt *measuredTable, row []string) bool {
	for _, i := range mt.keyCols {
		if !m.presence.Present(row[i]) {
			return false
		}
	}
	return true
}

// add queues one staged row of mt (raw text of every contracted column, in contract order),
// keyed when it was staged with a _key; it copies the row, which the import reuses.
func (m *Measured) add(mt *measuredTable, raw []string, keyed bool) {
	if mt.held {
		return // read back later anyway
	}
	if m.batch.mt != mt {
		m.flush()
		m.batch.mt = mt
	}
	m.batch.rows = append(m.batch.rows, append([]string(nil), raw...))
	m.batch.keyed = append(m.batch.keyed, keyed)
	if len(m.batch.rows) == batchRows {
		m.flush()
	}
}

func (m *Measured) flush() {
	if len(m.batch.rows) > 0 {
		m.feed <- m.batch
	}
	m.batch = batch{mt: m.batch.mt, rows: make([][]string, 0, batchRows), keyed: make([]bool, 0, batchRows)}
}

// stop waits for the feeder to measure every row queued; safe to call twice.
func (m *Measured) stop() error {
	if m.feed == nil {
		return m.err
	}
	m.flush()
	close(m.feed)
	<-m.done
	m.feed = nil
	return m.err
}

// Now is the instant the stage score's date window is computed from (the import's start).
func (m *Measured) Now() time.Time { return m.now }

// Passes names the tables that had to be read back from the store (after Profile or Score),
// for the run's report on what was measured while importing.
func (m *Measured) Passes() []string {
	var out []string
	for _, mt := range m.tables {
		if mt.read {
			out = append(out, mt.t.Name)
		}
	}
	return out
}

// Profile returns the staging store's profile (full scan), as Profile(ctx, s, path, 0) would.
func (m *Measured) Profile(ctx context.Context) (*profile.Report, error) {
	if err := m.complete(ctx); err != nil {
		return nil, err
	}
	var tables []*profile.TableReport
	for _, mt := range m.tables {
		tables = append(tables, mt.prof.Report(0))
	}
	return profile.NewReport(m.s, m.path, 0, tables), nil
}

// Score returns the staging store's quality score at Now, as quality.Score over QualitySource
// would: the row metrics from the accumulators, keys and orphans from the store's SQL.
func (m *Measured) Score(ctx context.Context) (*quality.Report, error) {
	if err := m.complete(ctx); err != nil {
		return nil, err
	}
	db, err := store.OpenReadOnly(m.path)
	if err != nil {
		return nil, fmt.Errorf("stage store: %w", err)
	}
	defer db.Close()
	fed := map[string]*quality.Accumulator{}
	for _, mt := range m.tables {
		fed[mt.t.Name] = mt.qual
	}
	indexed := map[string]bool{}
	for _, mt := range m.tables {
		// The import wrote every row's _key (whole) by the key's columns as staged: rows with
		// the same key text have the same _key. Read back, a table's _key may be of another
		// contract's key.
		indexed[mt.t.Name] = mt.whole() && !mt.read && mt.absentKeyed == 0
	}
	src, err := measureSets(ctx, m.s, m.path, QualitySource(db), indexed)
	if err != nil {
		return nil, err
	}
	return quality.ScoreFed(ctx, m.s, src, m.now, fed)
}

// complete reads back every table the import did not see whole: one pass per table feeds
// fresh accumulators for both the profile and the score.
func (m *Measured) complete(ctx context.Context) error {
	var db *sql.DB
	if err := m.stop(); err != nil {
		return err
	}
	for i, mt := range m.tables {
		if mt.whole() {
			continue
		}
		if db == nil {
			var err error
			if db, err = store.OpenReadOnly(m.path); err != nil {
				return fmt.Errorf("profile: staging store: %w", err)
			}
			defer db.Close()
		}
		nt := m.fresh(mt.t)
		if err := readTable(ctx, db, mt.t, "", func(row []string) error {
			if err := m.health.Tick(); err != nil {
				return err
			}
			if err := nt.prof.Add(row); err != nil {
				return err
			}
			return nt.qual.Add(row)
		}); err != nil {
			return fmt.Errorf("measure %s: %w", mt.t.Name, err)
		}
		nt.read = true
		m.tables[i] = nt
	}
	return nil
}

// readTable calls fn with every row of table t (its contracted columns as staged, in contract
// order) that where selects, in rowid order: the order the profile and the score read them.
func readTable(ctx context.Context, db *sql.DB, t *contract.Table, where string, fn func([]string) error) error {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = store.Quote(c.Name)
	}
	rows, err := db.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+store.Quote(TableName(t))+where)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]string, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for n := 1; rows.Next(); n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// startMeasure starts measuring an import into db: a table that already holds rows (of earlier
// imports) will be read back instead.
func startMeasure(ctx context.Context, db *sql.DB, o Options, existed bool) (*Measured, error) {
	m := newMeasured(o.Spec, o.Out, time.Now())
	m.health = o.Health.For("profile", nil)
	if !existed {
		return m, nil
	}
	for _, mt := range m.tables {
		var held bool
		if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+store.Quote(TableName(mt.t))+")").Scan(&held); err != nil {
			return nil, err
		}
		mt.held = held
	}
	return m, nil
}
