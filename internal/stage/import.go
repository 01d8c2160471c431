// Package stage owns the staging store (stage.db): it reads the exports row by row, maps their
// headers to the contract, keeps every value exactly as read with its source file and row
// (lineage), applies the scope filter of SPEC section 3, and records an audit per file.
// Rows that cannot be mapped to the contract (a wrong field count) are kept as rejects with
// their position, never realigned. Values are not converted here; that is the clean stage's job.
package stage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/exports"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/inputfile"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/values"
)

// Options configure an import.
type Options struct {
	Spec *contract.Spec
	Dir  string // directory holding <table.File>.xlsx|csv
	// Files, when set, are the exports to import instead of Dir's: each goes to the table whose
	// file name it has, else to the one table whose headers it matches. Tables without a file
	// keep what earlier imports staged.
	Files []string
	Out   string // the staging store (a new version replaces it atomically)
	// Fresh starts a new staging store instead of adding to the existing one.
	Fresh bool
	// Limits bound what one file may make the readers hold or yield (zero: the defaults).
	Limits exports.Limits
	// Progress, when set, is called every few thousand rows with the rows read so far and the
	// share of the file read (-1 when the format cannot tell).
	Progress func(table string, rows int, done float64)
	// Measure feeds the profile and the stage score every row as it is staged (Result.Measured),
	// so that they need no passes of their own over the store.
	Measure bool
	// Health is checked when the import starts and every Health.Every rows; zero: no checks.
	Health health.Limits
	// Sum fingerprints an export (SHA-256, size); nil: each file is read for it. A run passes
	// its work dir's file fingerprints, so an export hashed before costs a stat.
	Sum func(ctx context.Context, path string) (string, int64, error)
}

// Audit is what the import did with one file.
type Audit struct {
	Table        string `json:"table"`
	Path         string `json:"path"`
	Format       string `json:"format"`
	Dialect      string `json:"dialect"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
	RowsRead     int    `json:"rows_read"`
	InScope      int    `json:"rows_in_scope"`
	DroppedScope int    `json:"rows_dropped_scope"`
	Rejected     int    `json:"rows_rejected"`
	Inserted     int    `json:"rows_inserted"`
	Updated      int    `json:"rows_updated"`
	Unchanged    int    `json:"rows_unchanged"`
	// Replaced are the rows (staged and rejected) of earlier exports of a snapshot table (one
	// without a key, mode snapshot) that this export replaced.
	Replaced int `json:"rows_replaced"`
	// BlankLines is the number of blank lines (CSV) skipped: no fields at all, so no row.
	BlankLines int `json:"blank_lines"`
	// Skipped: the same file (by SHA-256) was imported before as file SameAs; nothing was read.
	Skipped  bool          `json:"skipped"`
	SameAs   int           `json:"same_as_file,omitempty"`
	Extra    []string      `json:"extra_columns"`
	MinDate  string        `json:"min_date,omitempty"`
	MaxDate  string        `json:"max_date,omitempty"`
	Scope    string        `json:"scope"`
	Duration time.Duration `json:"duration_ns"`

	fileID int
}

// Result is the outcome of an import.
type Result struct {
	Files []*Audit `json:"files"`
	Scope string   `json:"scope"` // how the scope filter was applied, in words
	// Measured is the profile and stage score of the new store (with Options.Measure).
	Measured *Measured `json:"-"`
}

// Import reads every export of the contract from o.Dir into the staging store at o.Out,
// adding to what earlier imports staged: a file imported before (same SHA-256) is skipped, and
// a row whose natural key was staged by an earlier file replaces it (counted as updated, or as
// unchanged when every value is the same). The new store is built beside the old one and
// renamed into place: on error nothing changes. When every file was imported before, the store
// is only read, never copied or rewritten.
func Import(ctx context.Context, o Options) (_ *Result, err error) {
	defer func() { err = store.Full(err, o.Out) }()
	paths, err := exports.Paths(o.Spec, o.Dir, o.Files)
	if err != nil {
		return nil, err
	}
	hashes := newFileHashes(o.Sum)
	if !o.Fresh {
		// Every file imported before: the import only reads the store, so it reads the store
		// itself instead of a copy of it (copying a large store is most of an unchanged re-run).
		if db, ok := unchangedStore(ctx, o, paths, hashes); ok {
			defer db.Close()
			res, _, err := run(ctx, o, db, true, paths, hashes, nil)
			return res, err
		}
	}
	// Fresh builds from nothing, but beside the old store like any import: the old one stays
	// until the new one is complete (a failed --fresh import must not lose it).
	var b *store.Builder
	existed := false
	if o.Fresh {
		b, err = store.Create(ctx, o.Out)
	} else {
		b, existed, err = store.Update(ctx, o.Out)
	}
	if err != nil {
		return nil, fmt.Errorf("staging store: %w", err)
	}
	defer b.Abort()
	if existed {
		err = checkSchema(ctx, b.DB, o.Spec)
	} else {
		err = createSchema(ctx, b.DB, o.Spec)
	}
	if err != nil {
		return nil, fmt.Errorf("staging store %s: %w", o.Out, err)
	}
	res, changed, err := run(ctx, o, b.DB, existed, paths, hashes, b.SyncAhead)
	if err != nil || !changed {
		return res, err // every file was imported before: leave the store as it is
	}
	if !existed {
		if err := createKeyIndexes(ctx, b.DB, o.Spec); err != nil {
			return nil, fmt.Errorf("staging store %s: %w", o.Out, err)
		}
	}
	if err := b.Commit(); err != nil {
		return nil, fmt.Errorf("staging store: %w", err)
	}
	return res, nil
}

// unchangedStore opens the existing staging store read-only when every file in paths was
// imported into it before (by SHA-256, which it records in hashes); ok=false otherwise, or
// when anything about the store is off (the import proper then says what).
func unchangedStore(ctx context.Context, o Options, paths map[string]string, hashes *fileHashes) (*sql.DB, bool) {
	if _, err := os.Stat(o.Out); err != nil {
		return nil, false
	}
	db, err := store.OpenReadOnly(o.Out)
	if err != nil {
		return nil, false
	}
	if err := checkSchema(ctx, db, o.Spec); err != nil {
		db.Close()
		return nil, false
	}
	for table, p := range paths {
		h, err := hashes.of(ctx, p)
		var id int
		if err == nil {
			err = db.QueryRowContext(ctx, `SELECT id FROM import_file WHERE table_name = ? AND sha256 = ?`, table, h.sum).Scan(&id)
		}
		if err != nil {
			db.Close()
			return nil, false
		}
	}
	return db, true
}

// run imports paths into db (a copy of the store being built, or the store itself read-only
// when every file is unchanged) and writes the audit; changed says whether any file was read.
// committed, when set, is called after each file's transaction committed (see importer.committed).
func run(ctx context.Context, o Options, db *sql.DB, existed bool, paths map[string]string, hashes *fileHashes, committed func()) (_ *Result, changed bool, err error) {
	im := &importer{o: o, db: db, norm: values.NewNormalizer(o.Spec.Sentinels), hashes: hashes, health: o.Health.For("import", nil), committed: committed}
	if err := im.health.Now(); err != nil {
		return nil, false, err
	}
	if o.Measure {
		if im.measured, err = startMeasure(ctx, db, o, existed); err != nil {
			return nil, false, fmt.Errorf("staging store %s: %w", o.Out, err)
		}
		im.measured.start()
		defer im.measured.stop()
	}
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM import_file`).Scan(&im.lastFile); err != nil {
		return nil, false, err
	}
	res := &Result{Scope: "none: no scope filter in the contract"}
	order := o.Spec.Tables
	if sc := o.Spec.Scope; sc != nil {
		_, haveRoster := paths[sc.Roster.Table]
		if !haveRoster && existed {
			// A roster staged by an earlier import still decides the scope.
			err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+store.Quote(TableName(o.Spec.Table(sc.Roster.Table)))+")").Scan(&haveRoster)
			if err != nil {
				return nil, false, err
			}
		}
		if haveRoster {
			im.scope = sc
			im.cutoff = sc.Cutoff
			order = scopeOrder(o.Spec)
			if err := im.loadScope(ctx); err != nil {
				return nil, false, err
			}
			if _, ok := paths[sc.Roster.Table]; !ok {
				if err := im.loadRoster(ctx, o.Spec.Table(sc.Roster.Table)); err != nil {
					return nil, false, err
				}
			}
		} else {
			res.Scope = "none: no " + o.Spec.Table(sc.Roster.Table).File + " export beside the others"
		}
	}
	for _, t := range order {
		p, ok := paths[t.Name]
		if !ok {
			continue
		}
		a, err := im.importFile(ctx, t, p)
		if err != nil {
			return nil, false, err
		}
		res.Files = append(res.Files, a)
		if im.scope != nil && t.Name == im.scope.Roster.Table && len(im.roster) == 0 {
			return nil, false, fmt.Errorf("%s: the roster lists no usernames, so the scope filter would drop every row", p)
		}
	}
	if im.scope != nil {
		res.Scope = fmt.Sprintf("team-touched: cutoff %s, roster of %d, %d tickets touched", im.cutoff, len(im.roster), len(im.touched))
	}
	for _, a := range res.Files {
		changed = changed || !a.Skipped
	}
	if im.measured != nil {
		if err := im.measured.stop(); err != nil {
			return nil, false, fmt.Errorf("measure: %w", err)
		}
		res.Measured = im.measured
	}
	if changed {
		if err := im.writeAudit(ctx, res); err != nil {
			return nil, false, err
		}
	}
	return res, changed, nil
}

// scopeOrder puts the roster first, then the activity table (it decides which tickets are
// touched), then the tickets, then the rest in contract order.
func scopeOrder(s *contract.Spec) []*contract.Table {
	first := []string{s.Scope.Roster.Table, s.Scope.Activity.Table, s.Scope.Tickets.Table}
	var out []*contract.Table
	for _, n := range first {
		out = append(out, s.Table(n))
	}
	for _, t := range s.Tables {
		if t.Name != first[0] && t.Name != first[1] && t.Name != first[2] {
			out = append(out, t)
		}
	}
	return out
}

type importer struct {
	o        Options
	db       *sql.DB
	lastFile int // highest import_file id so far
	norm     *values.Normalizer
	scope    *contract.Scope // nil: no filter
	cutoff   string
	roster   map[string]bool
	touched  map[int64]bool
	measured *Measured   // nil: not measuring
	hashes   *fileHashes // each file is hashed once
	health   *health.Checker
	// committed is called once a file's rows are committed to the store being built: it starts
	// flushing them to disk (store.Builder.SyncAhead) while the next file is imported and the
	// indexes are built, so that the store's final fsync has only the rest to write (it was a
	// tenth of the scale-1 XLSX import, all of it after the last row).
	committed func()
}

func (im *importer) importFile(ctx context.Context, t *contract.Table, path string) (*Audit, error) {
	start := time.Now()
	a := &Audit{Table: t.Name, Path: path, Format: strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), "."), Scope: "all rows"}
	var err error
	h, err := im.hashes.of(ctx, path)
	if err != nil {
		return nil, err
	}
	a.SHA256, a.Size = h.sum, h.size
	err = im.db.QueryRowContext(ctx, `SELECT id FROM import_file WHERE table_name = ? AND sha256 = ?`, t.Name, a.SHA256).Scan(&a.SameAs)
	if err == nil {
		a.Skipped, a.Scope = true, fmt.Sprintf("unchanged: imported before as file %d", a.SameAs)
		if t.Name == im.scopeRoster() {
			err = im.loadRoster(ctx, t) // the roster still decides this run's scope
		}
		return a, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	im.lastFile++
	a.fileID = im.lastFile
	ex, err := exports.OpenEncoding(ctx, path, im.o.Limits, t.Encoding)
	if err != nil {
		return nil, err
	}
	defer ex.Close()
	m, err := t.MatchHeaders(ex.Header)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", inputfile.Display(path), err)
	}
	ex.SetDateColumns(t, m)
	a.Dialect = t.DialectName(m)
	for _, i := range m.Extra {
		a.Extra = append(a.Extra, m.Names[i])
	}
	// The file's transaction is on a connection of its own (the store's only one), so that its
	// rows can be written through the driver's connection directly (see driverStmt, store.RawStmt).
	conn, err := im.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	fi := &fileImport{im: im, t: t, a: a, ex: ex, m: m, f: im.filterFor(t, m), raw: make([]string, len(t.Columns))}
	if fi.f != nil {
		a.Scope = fi.f.describe
	}
	if im.measured != nil {
		fi.mt = im.measured.table(t.Name)
	}
	if fi.up, err = newUpserter(ctx, tx, t, im.norm, a.fileID); err != nil {
		return nil, err
	}
	var progress func(int64, float64)
	if im.o.Progress != nil {
		progress = func(n int64, done float64) { im.o.Progress(t.Name, int(n), done) }
	}
	// The statements of one row run without ctx's cancellation: for a cancellable context the
	// driver starts a watcher goroutine per statement, which cost more than the row's insert,
	// and Each checks ctx every few thousand rows anyway.
	rowCtx := context.WithoutCancel(ctx)
	// Inside Raw the connection is the driver's alone: nothing in the loop may use tx or im.db.
	if err := conn.Raw(func(dc any) (err error) {
		if err := fi.prepare(ctx, dc); err != nil {
			return errors.Join(err, fi.close())
		}
		defer func() { err = errors.Join(err, fi.close()) }()
		return ex.Each(ctx, progress, func(r exports.Row) error {
			if err := im.health.Tick(); err != nil {
				return err
			}
			return fi.row(rowCtx, r)
		})
	}); err != nil {
		return nil, err
	}
	if err := fi.dropUntouched(ctx, tx); err != nil {
		return nil, err
	}
	if len(t.Key) == 0 && t.Mode != contract.ModeAppend {
		if a.Replaced, err = replaceEarlier(ctx, tx, t, a.fileID); err != nil {
			return nil, err
		}
	}
	a.BlankLines = ex.Blank()
	if err := im.saveTouched(ctx, tx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if im.committed != nil {
		im.committed()
	}
	a.Duration = time.Since(start)
	if im.o.Progress != nil {
		im.o.Progress(t.Name, a.RowsRead, 1)
	}
	return a, nil
}

// fileImport is the import of one export file inside its transaction.
type fileImport struct {
	im      *importer
	t       *contract.Table
	a       *Audit
	ex      *exports.File
	m       *contract.Mapping
	f       *filter        // nil: every row is in scope
	db      *store.RawConn // the driver's connection, for the row's inserts
	ins     *store.RawStmt // the row's insert, with insArgs (reused)
	insArgs []any
	rawArg  any // store.Texts(raw), boxed once: raw is reused, so it binds each row's cells
	rej     *store.RawStmt
	up      *upserter
	raw     []string
	pending []pendingRow   // activity rows whose ticket may turn out untouched
	mt      *measuredTable // nil: not measuring
}

// prepare prepares the statements of the row loop on dc, the driver's connection.
func (fi *fileImport) prepare(ctx context.Context, dc any) error {
	var err error
	if fi.db, err = store.OpenRaw(dc); err != nil {
		return err
	}
	if fi.ins, err = fi.db.Prepare(insertSQL(fi.t)); err != nil {
		return err
	}
	fi.insArgs = make([]any, 4+1+2)
	fi.rawArg = store.Texts(fi.raw)
	if fi.rej, err = fi.db.Prepare(`INSERT INTO stg_rejects VALUES (?, ?, ?, ?, ?, ?, ?)`); err != nil {
		return err
	}
	return fi.up.prepare(ctx, dc)
}

// close closes the statements prepare prepared.
func (fi *fileImport) close() error {
	err := errors.Join(store.CloseRaw(fi.ins, fi.rej), closeAll(fi.up.find, fi.up.del))
	if fi.db != nil {
		fi.db.Close()
	}
	fi.db, fi.ins, fi.rej, fi.up.find, fi.up.del = nil, nil, nil, nil, nil
	return err
}

// row stages one data row: rejected for its field count, dropped by the scope filter, or
// upserted by natural key.
func (fi *fileImport) row(ctx context.Context, r exports.Row) error {
	a, row := fi.a, r.Cells
	a.RowsRead++
	if r.Misfit != "" {
		rec, _ := json.Marshal(row)
		if err := fi.rej.Exec(fi.t.Name, a.fileID, r.DataRow, r.Line, contract.RuleFieldCount, r.Misfit, string(rec)); err != nil {
			return err
		}
		a.InScope++
		a.Rejected++
		return nil
	}
	decision := keep
	if fi.f != nil {
		var date string
		decision, date = fi.f.decide(fi.im, row)
		if date != "" {
			a.MinDate, a.MaxDate = minStr(a.MinDate, date), maxStr(a.MaxDate, date)
		}
	}
	if decision == drop {
		a.DroppedScope++
		return nil
	}
	for i, p := range fi.m.Source {
		fi.raw[i] = exports.Cell(row, p)
	}
	a.InScope++
	key, updatedBefore := fi.up.key(fi.raw), a.Updated
	switch outcome, err := fi.up.existing(ctx, key, fi.raw); {
	case err != nil:
		return fmt.Errorf("%s: row %d: stage: %w", inputfile.Display(a.Path), r.DataRow, err)
	case outcome == unchanged:
		a.Unchanged++
		return nil
	case outcome == replaced:
		a.Updated++
	default:
		a.Inserted++
	}
	args := fi.insArgs
	args[0], args[1], args[2], args[3] = int64(a.fileID), int64(r.DataRow), int64(r.Line), nullStr(key)
	args[4] = fi.rawArg // the contracted columns, in order
	args[5] = extraJSON(fi.m.Names, row, fi.m.Extra)
	args[6] = dateCells(fi.t, fi.m, r.DateCell)
	err := fi.ins.Exec(args...)
	clear(args) // hold none of the row's values
	if err != nil {
		return fmt.Errorf("%s: row %d: stage: %w", inputfile.Display(a.Path), r.DataRow, err)
	}
	if decision == keepIfTouched {
		fi.pending = append(fi.pending, pendingRow{rowid: fi.db.LastInsertID(), ticket: fi.f.lastTicket, updated: a.Updated > updatedBefore})
	}
	if fi.mt != nil {
		fi.im.measured.add(fi.mt, fi.raw, key != "")
	}
	return nil
}

// dropUntouched deletes the activity rows kept pending whose ticket no team member touched.
func (fi *fileImport) dropUntouched(ctx context.Context, tx *sql.Tx) error {
	if len(fi.pending) == 0 {
		return nil
	}
	del, err := tx.PrepareContext(ctx, "DELETE FROM "+store.Quote(TableName(fi.t))+" WHERE rowid = ?")
	if err != nil {
		return err
	}
	for _, p := range fi.pending {
		if fi.im.touched[p.ticket] {
			continue
		}
		if _, err := del.ExecContext(ctx, p.rowid); err != nil {
			return err
		}
		if fi.mt != nil {
			fi.mt.deleted = true // it measured a row the store no longer holds
		}
		a := fi.a
		a.InScope--
		if p.updated {
			a.Updated--
		} else {
			a.Inserted--
		}
		a.DroppedScope++
	}
	return nil
}

// replaceEarlier deletes what earlier exports of a snapshot table staged: a table without a key
// is a whole export each time (an event log exported in full), so a newer export replaces the
// older one instead of doubling it. "Earlier" is every other import of the table, whatever its
// file was named: one table is one export. It returns the rows deleted, staged and rejected.
func replaceEarlier(ctx context.Context, tx *sql.Tx, t *contract.Table, fileID int) (int, error) {
	n := 0
	for _, q := range []string{
		"DELETE FROM " + store.Quote(TableName(t)) + " WHERE _file_id <> ?",
		"DELETE FROM stg_rejects WHERE table_name = ? AND _file_id <> ?",
	} {
		args := []any{fileID}
		if strings.Contains(q, "table_name") {
			args = []any{t.Name, fileID}
		}
		r, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, fmt.Errorf("replace earlier %s rows: %w", t.Name, err)
		}
		d, _ := r.RowsAffected()
		n += int(d)
	}
	return n, nil
}

type pendingRow struct {
	rowid   int64
	ticket  int64
	updated bool // it replaced an earlier row (counted as updated, not inserted)
}

// extraJSON is the row's values in columns the contract does not know, by header as matched
// (a repeated header numbered, so no value hides another).
func extraJSON(names, row []string, extra []int) any {
	var m map[string]string
	for _, i := range extra {
		if v := exports.Cell(row, i); v != "" {
			if m == nil {
				m = map[string]string{}
			}
			m[names[i]] = v
		}
	}
	if m == nil {
		return nil
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// dateCells names the contracted columns whose cell was an XLSX date (staged as ISO text).
func dateCells(t *contract.Table, m *contract.Mapping, isDate func(int) bool) any {
	var names []string
	for i, p := range m.Source {
		if isDate(p) {
			names = append(names, t.Columns[i].Name)
		}
	}
	if names == nil {
		return nil
	}
	b, _ := json.Marshal(names)
	return string(b)
}

func (im *importer) writeAudit(ctx context.Context, res *Result) error {
	for _, a := range res.Files {
		if a.Skipped {
			continue
		}
		extra, _ := json.Marshal(a.Extra)
		_, err := im.db.ExecContext(ctx, `INSERT INTO import_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.fileID, a.Table, a.Path, filepath.Base(a.Path), a.Format, a.Dialect, a.Size, a.SHA256,
			a.RowsRead, a.InScope, a.DroppedScope, a.Rejected, a.Inserted, a.Updated, a.Unchanged,
			string(extra), nullStr(a.MinDate), nullStr(a.MaxDate),
			a.Scope, time.Now().Add(-a.Duration).UTC().Format(time.RFC3339), a.Duration.Milliseconds(), a.BlankLines)
		if err != nil {
			return fmt.Errorf("import audit: %w", err)
		}
	}
	_, err := im.db.ExecContext(ctx, `INSERT OR REPLACE INTO meta VALUES ('scope', ?)`, res.Scope)
	return err
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func minStr(a, b string) string {
	if a == "" || b < a {
		return b
	}
	return a
}

func maxStr(a, b string) string {
	if b > a {
		return b
	}
	return a
}
