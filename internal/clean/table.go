package clean

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/values"
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

func createSchema(ctx context.Context, db *sql.DB, s *contract.Spec) error {
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

// table cleans one staged table row by row, then resolves duplicate natural keys.
func (c *cleaner) table(ctx context.Context, t *contract.Table) (*TableResult, error) {
	cols := []string{"_file_id", "_row", "_line"}
	for _, col := range t.Columns {
		cols = append(cols, store.Quote(col.Name))
	}
	cols = append(cols, "_extra")
	rows, err := c.src.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s ORDER BY rowid", strings.Join(cols, ", "), store.Quote("stg_"+t.Name)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	tx, err := c.dst.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	w, err := c.newTableWriter(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	var (
		fileID, row, line int64
		extra             sql.NullString
		raw               = make([]string, len(t.Columns))
		scan              = make([]any, 0, len(cols))
		n                 int
	)
	scan = append(scan, &fileID, &row, &line)
	for i := range raw {
		scan = append(scan, &raw[i])
	}
	scan = append(scan, &extra)
	for rows.Next() {
		if err := rows.Scan(scan...); err != nil {
			return nil, err
		}
		if err := c.healthy(); err != nil {
			return nil, err
		}
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if c.o.Progress != nil {
				c.o.Progress(t.Name, n)
			}
		}
		file := c.files[fileID]
		failed, rule, reason, err := c.normalizeRow(t, raw, w.clean)
		if err != nil {
			return nil, err
		}
		if failed >= 0 {
			col := t.Columns[failed]
			if _, err := w.quar.ExecContext(ctx, t.Name, file, row, line, col.Name, rule, contract.Critical,
				raw[failed], fmt.Sprintf("%s: %s", col.Name, reason), recordJSON(t, raw, extra)); err != nil {
				return nil, err
			}
			c.quarantine[rule]++
			continue
		}
		if err := c.writeClean(ctx, w, file, fileID, row, line, raw); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := c.dedupe(ctx, tx, t); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if c.o.Progress != nil {
		c.o.Progress(t.Name, n)
	}
	return &TableResult{Table: t.Name}, nil
}

// tableWriter holds one table's prepared statements and reused buffers.
type tableWriter struct {
	t                *contract.Table
	ins, quar, cellC *sql.Stmt // cellC is nil unless cell changes are recorded
	clean            []values.Result
	vals             []any
	derivedFrom      []int // per derived column, the index of its source column
}

func (c *cleaner) newTableWriter(ctx context.Context, tx *sql.Tx, t *contract.Table) (*tableWriter, error) {
	out := []string{"_file_id", "_row", "_line"}
	for _, col := range t.Columns {
		out = append(out, store.Quote(col.Name))
	}
	for _, d := range t.Derived {
		out = append(out, store.Quote(d.Name))
	}
	w := &tableWriter{t: t, clean: make([]values.Result, len(t.Columns)), vals: make([]any, len(out)),
		derivedFrom: make([]int, len(t.Derived))}
	for i, d := range t.Derived {
		w.derivedFrom[i] = t.ColumnIndex(d.From)
	}
	var err error
	if w.ins, err = tx.PrepareContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", store.Quote(t.Name),
		strings.Join(out, ", "), strings.TrimSuffix(strings.Repeat("?, ", len(out)), ", "))); err != nil {
		return nil, err
	}
	if w.quar, err = tx.PrepareContext(ctx, `INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		return nil, err
	}
	if c.o.CellChanges {
		if w.cellC, err = tx.PrepareContext(ctx, `INSERT INTO cell_change VALUES (?, ?, ?, ?, ?, ?, ?)`); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// normalizeRow normalises every cell of raw into clean. failed is the first column that cannot
// be cleaned (-1 when none), with the rule it breaks and why; err is anything but a bad value.
func (c *cleaner) normalizeRow(t *contract.Table, raw []string, clean []values.Result) (failed int, rule, reason string, err error) {
	for i, col := range t.Columns {
		r, err := c.norm.NormalizeColumn(col, raw[i])
		if err != nil {
			var ve *values.ValueError
			if !errors.As(err, &ve) {
				return -1, "", "", err
			}
			return i, ve.Rule(), ve.Error(), nil
		}
		if r.Null && col.Required {
			return i, contract.RuleMissingRequired, "required value is empty", nil
		}
		if b := col.RejectOutside; b != nil && !r.Null {
			if v, err := strconv.ParseFloat(r.Value, 64); err != nil || !b.Contains(v) {
				return i, contract.RuleOutOfDomain, fmt.Sprintf("%s is outside %s", r.Value, b), nil
			}
		}
		clean[i] = r
	}
	return -1, "", "", nil
}

// writeClean inserts a row whose cells all cleaned, counting (and, if asked, recording) every
// change and filling the derived columns.
func (c *cleaner) writeClean(ctx context.Context, w *tableWriter, file string, fileID, row, line int64, raw []string) error {
	t, vals := w.t, w.vals
	vals[0], vals[1], vals[2] = fileID, row, line
	for i, col := range t.Columns {
		r := w.clean[i]
		if r.Null {
			vals[3+i] = nil
		} else {
			vals[3+i] = r.Value
		}
		if r.Changes == 0 {
			continue
		}
		for _, name := range r.Changes.Names() {
			c.changes[changeKey{t.Name, col.Name, name}]++
		}
		if w.cellC != nil {
			if _, err := w.cellC.ExecContext(ctx, t.Name, file, row, col.Name, raw[i], vals[3+i],
				strings.Join(r.Changes.Names(), ",")); err != nil {
				return err
			}
		}
	}
	for i, d := range t.Derived {
		vals[3+len(t.Columns)+i] = nil
		if src := w.clean[w.derivedFrom[i]]; !src.Null {
			if v, ok := d.Map[src.Value]; ok {
				vals[3+len(t.Columns)+i] = v
				c.changes[changeKey{t.Name, d.Name, "derive"}]++
			}
		}
	}
	if _, err := w.ins.ExecContext(ctx, vals...); err != nil {
		return fmt.Errorf("row %d: %w", row, err)
	}
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
	order := "_file_id DESC, _row DESC"
	if t.Modified != "" {
		order = store.Quote(t.Modified) + " DESC NULLS LAST, " + order
	}
	tbl := store.Quote(t.Name)
	// Rank only rowids and keys (sorting whole rows would hold every comment text in the
	// sorter), then join the few losers back for their records.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`CREATE TEMP TABLE losers AS SELECT rid FROM (
		SELECT rowid AS rid, row_number() OVER (PARTITION BY %s ORDER BY %s) AS rn FROM %s) WHERE rn > 1`,
		strings.Join(keys, ", "), order, tbl)); err != nil {
		return fmt.Errorf("duplicates: %w", err)
	}
	defer tx.ExecContext(context.Background(), `DROP TABLE temp.losers`)
	if err := c.ensureFileNames(ctx, tx); err != nil {
		return err
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
