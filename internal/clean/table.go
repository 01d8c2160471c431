package clean

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/store"
)

// The clean store's layout: one table per contract table with lineage (_file_id, _row, _line) and
// every contracted and derived column holding its canonical text (integers as INTEGER), plus
// the quarantine, the change log, and the import audit copied from the staging store.
const cleanDDL = `
CREATE TABLE quarantine (
	table_name TEXT NOT NULL,
	source_file TEXT NOT NULL,
	source_row INTEGER NOT NULL,
	source_line INTEGER NOT NULL,
	column_name TEXT,
	rule TEXT NOT NULL,
	severity TEXT NOT NULL,
	raw_value TEXT,
	reason TEXT NOT NULL,
	record TEXT NOT NULL
);
CREATE TABLE change_log (table_name TEXT NOT NULL, column_name TEXT NOT NULL, rule TEXT NOT NULL, cells INTEGER NOT NULL);
CREATE TABLE cell_change (table_name TEXT NOT NULL, source_file TEXT NOT NULL, source_row INTEGER NOT NULL,
	column_name TEXT NOT NULL, before TEXT NOT NULL, after TEXT, rules TEXT NOT NULL);
`

// The clean store's pages are 32 KiB, not SQLite's 4 KiB: its rows are wide (the scale-1
// comments hold 244 MB in 94K rows), and per page the writer, the dedupe, the reconciliation,
// the canary and the load each pay a B-tree step and a pread or pwrite; larger pages also pack
// long cells with less unused space (a 12% smaller file at scale 1). The cache is then set again,
// to 4 MiB: set at open (on the empty file) it kept its page count, not its size, and held 8x the
// memory (a 300 MB peak with 64 KiB pages). Appending rows in rowid order needs little cache.
const (
	cleanPageSize = 32 << 10
	cleanCacheKiB = 4 << 10
)

func createSchema(ctx context.Context, db *sql.DB, s *contract.Spec) error {
	// Before the first table: the page size of a database is fixed once it holds one.
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA page_size = %d; PRAGMA cache_size = -%d", cleanPageSize, cleanCacheKiB)); err != nil {
		return fmt.Errorf("clean store layout: %w", err)
	}
	if _, err := db.ExecContext(ctx, cleanDDL); err != nil {
		return fmt.Errorf("create clean schema: %w", err)
	}
	for _, t := range s.Tables {
		cols := []string{"_file_id INTEGER NOT NULL", "_row INTEGER NOT NULL", "_line INTEGER NOT NULL"}
		for _, c := range t.Columns {
			cols = append(cols, store.Quote(c.Name)+" "+sqliteType(c.Type))
		}
		for _, d := range t.Derived {
			cols = append(cols, store.Quote(d.Name)+" "+sqliteType(d.Type))
		}
		ddl := fmt.Sprintf("CREATE TABLE %s (%s)", store.Quote(t.Name), strings.Join(cols, ", "))
		if _, err := db.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("create clean %s: %w", t.Name, err)
		}
	}
	return nil
}

// sqliteType keeps canonical text exact: only integers get numeric affinity.
func sqliteType(t contract.Type) string {
	if t == contract.Integer {
		return "INTEGER"
	}
	return "TEXT"
}

// writeAll inserts the normaliser's rows table by table, in contract order, each table in one
// transaction that ends with the resolution of its duplicate natural keys.
func (c *cleaner) writeAll(ctx context.Context, in <-chan *batch) error {
	for _, t := range c.o.Spec.Tables {
		if err := c.write(ctx, t, in); err != nil {
			return err
		}
	}
	return nil
}

func (c *cleaner) write(ctx context.Context, t *contract.Table, in <-chan *batch) error {
	// The table's transaction is on a connection of its own (the store's only one), so that its
	// rows can be inserted through the driver's connection directly (see store.RawStmt).
	conn, err := c.dst.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Inside Raw the connection is the driver's alone: nothing in the loop may use tx or c.dst.
	var unique bool // no two rows share a key (keyorder.go): the dedupe has nothing to do
	if err := conn.Raw(func(dc any) (err error) { unique, err = c.insertAll(ctx, t, dc, in); return err }); err != nil {
		return err
	}
	var written int64 // the clean rows inserted, for the sample drawn as written
	c.lost = nil
	if c.ahead != nil {
		if written, err = writtenRows(ctx, tx, t); err != nil {
			return fmt.Errorf("clean %s: %w", t.Name, err)
		}
	}
	if !unique {
		if err := c.dedupe(ctx, tx, t); err != nil {
			return fmt.Errorf("clean %s: %w", t.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("clean %s: %w", t.Name, err)
	}
	if at := c.ahead.table(t.Name); at != nil {
		c.ahead.finish(at, written, c.lost)
	}
	return nil
}

// insertAll inserts the table's batches as they come, on dc, the driver's connection, and
// reports whether their keys were all distinct (keyOrder.unique). The inserts do not watch
// ctx (each is one row, and SQLite is not interrupted mid-row): the reader checks ctx every
// few thousand rows and then stops, and the channel closes, which ends this loop.
func (c *cleaner) insertAll(ctx context.Context, t *contract.Table, dc any, in <-chan *batch) (unique bool, err error) {
	db, err := store.OpenRaw(dc)
	if err != nil {
		return false, err
	}
	defer db.Close()
	w, err := c.newTableWriter(db, t)
	if err != nil {
		return false, errors.Join(err, w.close())
	}
	defer func() { err = errors.Join(err, w.close()) }()
	for {
		b, ok := <-in
		switch {
		case !ok: // the reader stops without a word only when ctx is done
			if err := ctx.Err(); err != nil {
				return false, err
			}
			return false, fmt.Errorf("clean %s: the reader stopped early", t.Name)
		case b.err != nil:
			return false, b.err
		}
		for i := range b.rows {
			if err := c.insert(w, &b.rows[i]); err != nil {
				return false, fmt.Errorf("clean %s: %w", t.Name, err)
			}
		}
		// Before the batch goes back to the normaliser, which reuses its rows' values.
		if err := w.flush(); err != nil {
			return false, fmt.Errorf("clean %s: %w", t.Name, err)
		}
		end := b.end
		select {
		case c.free <- b: // back to the normaliser, which reuses it
		default:
		}
		if end {
			return w.order.unique(), nil
		}
	}
}

// multiRows is how many clean rows one INSERT writes: every statement has a fixed cost (step,
// reset) beside its values' binding, which a multi-row VALUES list pays once for all of them.
// The rows keep their order.
const multiRows = 16

// tableWriter holds one table's prepared statements and the clean rows not yet inserted.
type tableWriter struct {
	ins, insN, quar, cellC *store.RawStmt // cellC is nil unless cell changes are recorded
	pending                []*cleanRow
	args                   []any  // insN's arguments, reused
	integer                []bool // by clean row value: a column of INTEGER affinity
	order                  *keyOrder
	rows                   int64       // clean rows inserted so far: the last one's rowid
	follow                 *aheadTable // the sample of a following table, drawn as its rows are inserted
}

// appendArgs appends a clean row's values to args, binding a canonical integer's text to an
// INTEGER column as the int64 it is: the column stores that integer either way, and an integer
// is bound without a copy or SQLite's conversion of the text.
func (w *tableWriter) appendArgs(args []any, vals []any) []any {
	for i, v := range vals {
		if s, ok := v.(string); ok && w.integer[i] {
			if n, ok := canonicalInt64(s); ok {
				v = n
			}
		}
		args = append(args, v)
	}
	return args
}

func (c *cleaner) newTableWriter(db *store.RawConn, t *contract.Table) (*tableWriter, error) {
	out := []string{"_file_id", "_row", "_line"}
	for _, col := range t.Columns {
		out = append(out, store.Quote(col.Name))
	}
	for _, d := range t.Derived {
		out = append(out, store.Quote(d.Name))
	}
	w := &tableWriter{pending: make([]*cleanRow, 0, multiRows), args: make([]any, 0, multiRows*len(out)), integer: make([]bool, len(out)),
		order: newKeyOrder(t)}
	if at := c.ahead.table(t.Name); at != nil && at.parent != nil {
		w.follow = at
	}
	for i, col := range t.Columns {
		w.integer[3+i] = sqliteType(col.Type) == "INTEGER"
	}
	for i, d := range t.Derived {
		w.integer[3+len(t.Columns)+i] = sqliteType(d.Type) == "INTEGER"
	}
	var err error
	ins := fmt.Sprintf("INSERT INTO %s (%s) VALUES ", store.Quote(t.Name), strings.Join(out, ", "))
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(out)), ", ") + ")"
	if w.ins, err = db.Prepare(ins + tuple); err != nil {
		return w, err
	}
	if w.insN, err = db.Prepare(ins + strings.TrimSuffix(strings.Repeat(tuple+", ", multiRows), ", ")); err != nil {
		return w, err
	}
	if w.quar, err = db.Prepare(`INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		return w, err
	}
	if c.o.CellChanges {
		if w.cellC, err = db.Prepare(`INSERT INTO cell_change VALUES (?, ?, ?, ?, ?, ?, ?)`); err != nil {
			return w, err
		}
	}
	return w, nil
}

// close closes the statements newTableWriter prepared.
func (w *tableWriter) close() error {
	return store.CloseRaw(w.ins, w.insN, w.quar, w.cellC)
}

// insert writes one normalised row: its quarantine row, or its clean row and cell changes.
func (c *cleaner) insert(w *tableWriter, r *cleanRow) error {
	if r.quar != nil {
		if err := w.quar.Exec(r.quar...); err != nil {
			return err
		}
		c.quarantine[r.rule]++
		if c.quar != nil {
			return c.quar.add(r.quar)
		}
		return nil
	}
	for _, cell := range r.cells {
		if err := w.cellC.Exec(cell...); err != nil {
			return err
		}
	}
	w.order.add(r.vals)
	if w.rows++; w.follow != nil {
		w.follow.wrote(r.vals, w.rows)
	}
	if w.pending = append(w.pending, r); len(w.pending) < multiRows {
		return nil
	}
	w.args = w.args[:0]
	for _, p := range w.pending {
		w.args = w.appendArgs(w.args, p.vals)
	}
	first := w.pending[0].vals[1]
	w.pending = w.pending[:0]
	if err := w.insN.Exec(w.args...); err != nil {
		return fmt.Errorf("rows from %d: %w", first, err)
	}
	clear(w.args) // hold no values of a batch the normaliser reuses
	return nil
}

// flush inserts the clean rows still pending, one statement each.
func (w *tableWriter) flush() error {
	for _, r := range w.pending {
		w.args = w.appendArgs(w.args[:0], r.vals)
		if err := w.ins.Exec(w.args...); err != nil {
			return fmt.Errorf("row %d: %w", r.vals[1], err)
		}
	}
	clear(w.args)
	w.pending = w.pending[:0]
	return nil
}

// dedupe keeps, per natural key, the row with the newest `modified` value (NULL oldest; ties:
// the later file, then the later row) and moves every other row of the key to the quarantine.
func (c *cleaner) dedupe(ctx context.Context, tx *sql.Tx, t *contract.Table) error {
	if len(t.Key) == 0 {
		return nil
	}
	keys := make([]string, len(t.Key))
	for i, k := range t.Key {
		keys[i] = store.Quote(k)
	}
	tbl := store.Quote(t.Name)
	// Rank only the rows of a key more than one row holds (grouping the keys costs less than
	// half of ranking every row, and most keys are held once; the groups name their rows, which
	// are read by rowid, not in a second scan of the table), and of those only rowids and keys
	// (sorting whole rows would hold every comment text in the sorter), then join the few
	// losers back for their records. A key's rows rank as among all rows: the order is total
	// (a file's rows are numbered apart).
	dkeys, order := make([]string, len(keys)), "d._file_id DESC, d._row DESC"
	for i, k := range keys {
		dkeys[i] = "d." + k
	}
	if t.Modified != "" {
		order = "d." + store.Quote(t.Modified) + " DESC NULLS LAST, " + order
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`CREATE TEMP TABLE losers AS SELECT rid FROM (
		SELECT d.rowid AS rid, row_number() OVER (PARTITION BY %s ORDER BY %s) AS rn
		FROM (SELECT json_group_array(rowid) AS ids FROM %s GROUP BY %s HAVING count(*) > 1) g, json_each(g.ids) j, %s d
		WHERE d.rowid = j.value) WHERE rn > 1`,
		strings.Join(dkeys, ", "), order, tbl, strings.Join(keys, ", "), tbl)); err != nil {
		return fmt.Errorf("duplicates: %w", err)
	}
	defer tx.ExecContext(context.Background(), `DROP TABLE temp.losers`)
	var lost bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM temp.losers)`).Scan(&lost); err != nil || !lost {
		return err // no row lost: nothing moves to the quarantine, nothing is measured again
	}
	if c.ahead != nil {
		var err error
		if c.lost, err = loserIDs(ctx, tx); err != nil {
			return fmt.Errorf("duplicates: %w", err)
		}
	}
	if acc := c.scores[t.Name]; acc != nil {
		if err := c.unscore(ctx, tx, t, acc); err != nil {
			return err
		}
	}
	if err := c.ensureFileNames(ctx, tx); err != nil {
		return err
	}
	var mark int64 // the quarantine's end before the losers: they are measured after it
	if m := c.measures[t.Name]; m != nil {
		err := m.removeLosers(ctx, tx, t)
		if err == nil {
			mark, err = quarantineMark(ctx, tx)
		}
		if err != nil {
			return fmt.Errorf("duplicates: %w", err)
		}
	}
	rec := make([]string, 0, 2*len(t.Columns))
	for _, col := range t.Columns {
		rec = append(rec, "'"+strings.ReplaceAll(col.Name, "'", "''")+"'", "d."+store.Quote(col.Name))
	}
	// A composite key is a JSON array of its parts (["bob", "2025-07-01"]): joined with a
	// separator, ("a|b", "c") and ("a", "b|c") would read the same.
	keyText := "d." + keys[0]
	if len(keys) > 1 {
		keyText = "json_array(d." + strings.Join(keys, ", d.") + ")"
	}
	r, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO quarantine
		SELECT ?, f.name, d._row, d._line, ?, ?, ?, %s, 'an older row of natural key ' || %s, %s
		FROM temp.losers l JOIN %s d ON d.rowid = l.rid JOIN import_file_names f ON f.id = d._file_id
		ORDER BY d.rowid`, keyText, keyText, jsonObjectSQL(rec), tbl),
		t.Name, t.Key[0], contract.RuleDuplicateKey, contract.High)
	if err != nil {
		return fmt.Errorf("duplicates: %w", err)
	}
	if n, _ := r.RowsAffected(); n > 0 {
		c.quarantine[contract.RuleDuplicateKey] += int(n)
	}
	if c.quar != nil {
		if err := c.quar.addSince(ctx, tx, mark); err != nil {
			return fmt.Errorf("duplicates: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s WHERE rowid IN (SELECT rid FROM temp.losers)`, tbl))
	return err
}

// ensureFileNames makes the file id -> name map available to SQL in the clean store.
func (c *cleaner) ensureFileNames(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS import_file_names (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
		return err
	}
	for id, name := range c.files {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO import_file_names VALUES (?, ?)`, id, name); err != nil {
			return err
		}
	}
	return nil
}

// unscore takes the losers of dedupe back out of the table's score, read as the score reads
// the store (contracted columns as text, NULL as ""), in rowid order, and out of its keyed rows.
func (c *cleaner) unscore(ctx context.Context, tx *sql.Tx, t *contract.Table, acc *quality.Accumulator) error {
	sel := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		sel[i] = "d." + store.Quote(col.Name)
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM temp.losers l JOIN %s d ON d.rowid = l.rid ORDER BY d.rowid`,
		strings.Join(sel, ", "), store.Quote(t.Name)))
	if err != nil {
		return fmt.Errorf("duplicates: %w", err)
	}
	defer rows.Close()
	vals := make([]sql.NullString, len(sel))
	ptrs := make([]any, len(sel))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	row := make([]string, len(sel))
	keyed := c.keyed[t.Name]
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			row[i] = v.String
		}
		if keyed != nil {
			keyed.remove(vals)
		}
		if err := acc.Remove(row); err != nil {
			return err
		}
	}
	return rows.Err()
}
