package stage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/cellguard"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/exports"
	"github.com/sdetl/sdetl/internal/inputfile"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/values"
)

// Columns a quarantine export adds to the contract's, naming the quarantined row each line
// fixes. `sdetl quarantine export` writes them; Release needs the first two.
const (
	QuarantineFileColumn   = "_quarantine_file"
	QuarantineRowColumn    = "_quarantine_row"
	QuarantineRuleColumn   = "_quarantine_rule"
	QuarantineReasonColumn = "_quarantine_reason"
	QuarantineRawColumn    = "_quarantine_raw"
)

// ReleaseOptions configure a release of quarantined rows.
type ReleaseOptions struct {
	Spec  *contract.Spec
	Stage string // the staging store
	Table string
	File  string // the operator's fixed rows: a quarantine export, edited
}

// ReleaseResult says what a release did.
type ReleaseResult struct {
	Table    string `json:"table"`
	File     string `json:"file"`
	Released int    `json:"released"`
}

// Release re-ingests quarantined rows after the operator fixed them: each line of the fixed
// file replaces the staged row it names (by _quarantine_file and _quarantine_row), and the
// original raw record is kept in the staging store's `released` table. The next clean and
// load take the fixed rows through every check again (a row still broken is quarantined
// again). All or nothing: a line naming a row the store does not hold fails the release.
func Release(ctx context.Context, o ReleaseOptions) (*ReleaseResult, error) {
	t := o.Spec.Table(o.Table)
	if t == nil {
		return nil, fmt.Errorf("release: no table %q in the contract", o.Table)
	}
	b, existed, err := store.Update(ctx, o.Stage)
	if err != nil {
		return nil, fmt.Errorf("staging store: %w", err)
	}
	defer b.Abort()
	if !existed {
		return nil, fmt.Errorf("release: no staging store at %s (run sdetl import first)", o.Stage)
	}
	if err := checkSchema(ctx, b.DB, o.Spec); err != nil {
		return nil, err
	}
	ex, err := exports.OpenContext(ctx, o.File, exports.Limits{})
	if err != nil {
		return nil, err
	}
	defer ex.Close()
	h, err := releaseHeader(t, ex.Header)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.File, err)
	}
	m, guardCol, fileCol, rowCol := h.m, h.guardCol, h.fileCol, h.rowCol
	var fileID int
	if err := b.DB.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM import_file`).Scan(&fileID); err != nil {
		return nil, err
	}
	tx, err := b.DB.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS released (table_name TEXT NOT NULL,
		source_file TEXT NOT NULL, source_row INTEGER NOT NULL, record TEXT NOT NULL,
		released_file_id INTEGER NOT NULL, released_row INTEGER NOT NULL, released_at TEXT NOT NULL)`); err != nil {
		return nil, err
	}
	ins, err := tx.PrepareContext(ctx, insertSQL(t))
	if err != nil {
		return nil, err
	}
	up := &upserter{t: t, norm: values.NewNormalizer(o.Spec.Sentinels)}
	for _, k := range t.Key {
		up.keyCols = append(up.keyCols, t.ColumnIndex(k))
	}
	res := &ReleaseResult{Table: t.Name, File: o.File}
	raw := make([]string, len(t.Columns))
	vals := make([]any, 4+len(t.Columns)+2)
	now := time.Now().UTC().Format(time.RFC3339)
	err = ex.Each(ctx, nil, func(r exports.Row) error {
		row, dataRow := r.Cells, r.DataRow
		if r.Misfit != "" {
			return fmt.Errorf("%s: row %d: %s", o.File, dataRow, r.Misfit)
		}
		if guardCol >= 0 {
			if g := exports.Cell(row, guardCol); g != cellguard.Marker {
				return fmt.Errorf("%s: row %d, column %s: %q, want %q as exported (the row's cells carry one added leading ')",
					o.File, dataRow, cellguard.Column, g, cellguard.Marker)
			}
			row = unguardAll(row)
		}
		origFile := exports.Cell(row, fileCol)
		origRow, err := strconv.Atoi(strings.TrimSpace(exports.Cell(row, rowCol)))
		if err != nil {
			return fmt.Errorf("%s: row %d, column %s: %q is not a row number", o.File, dataRow, QuarantineRowColumn, exports.Cell(row, rowCol))
		}
		record, err := takeOriginal(ctx, tx, t, origFile, origRow)
		if err != nil {
			return fmt.Errorf("%s: row %d: %w", o.File, dataRow, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO released VALUES (?, ?, ?, ?, ?, ?, ?)`,
			t.Name, origFile, origRow, record, fileID, dataRow, now); err != nil {
			return err
		}
		for i, p := range m.Source {
			raw[i] = exports.Cell(row, p)
		}
		vals[0], vals[1], vals[2], vals[3] = fileID, dataRow, r.Line, nullStr(up.key(raw))
		for i := range raw {
			vals[4+i] = raw[i]
		}
		vals[len(vals)-2], vals[len(vals)-1] = nil, nil
		if _, err := ins.ExecContext(ctx, vals...); err != nil {
			return err
		}
		res.Released++
		return nil
	})
	if err != nil {
		return nil, err
	}
	sum, size, err := inputfile.SHA256(ctx, o.File)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO import_file VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?, 0, 0, ?, 0, 0, '[]', NULL, NULL, ?, ?, 0, 0)`,
		fileID, t.Name, o.File, filepath.Base(o.File), strings.TrimPrefix(filepath.Ext(o.File), "."), size, sum,
		res.Released, res.Released, res.Released, "release of quarantined rows", now); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if err := b.Commit(); err != nil {
		return nil, err
	}
	return res, nil
}

// releaseCols is what a quarantine export's header says: the mapping of its contract columns
// and where the guard marker and the original file and row are.
type releaseCols struct {
	m                         *contract.Mapping
	guardCol, fileCol, rowCol int // -1 when absent (guardCol: an export from before guarding)
}

func releaseHeader(t *contract.Table, header []string) (*releaseCols, error) {
	// A guarded export (every one since formula guarding) says so in its last column; its
	// cells lose the one ' the export added. An older export is read as it is.
	h := &releaseCols{guardCol: -1, fileCol: -1, rowCol: -1}
	for i, name := range header {
		if strings.TrimSpace(name) == cellguard.Column {
			h.guardCol = i
		}
	}
	if h.guardCol >= 0 {
		header = unguardAll(append([]string(nil), header...))
	}
	var err error
	if h.m, err = t.MatchHeaders(header); err != nil {
		return nil, err
	}
	for i, name := range header {
		switch strings.TrimSpace(name) {
		case QuarantineFileColumn:
			h.fileCol = i
		case QuarantineRowColumn:
			h.rowCol = i
		}
	}
	if h.fileCol < 0 || h.rowCol < 0 {
		return nil, fmt.Errorf("needs the %s and %s columns of a quarantine export", QuarantineFileColumn, QuarantineRowColumn)
	}
	return h, nil
}

// unguardAll removes the quote cellguard.Guard added, from every cell in place.
func unguardAll(row []string) []string {
	for i, v := range row {
		row[i] = cellguard.Unguard(v)
	}
	return row
}

// takeOriginal removes the staged (or rejected) row that a fixed line replaces and returns its
// raw record as JSON.
func takeOriginal(ctx context.Context, tx *sql.Tx, t *contract.Table, file string, row int) (string, error) {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = "s." + store.Quote(c.Name)
	}
	q := fmt.Sprintf(`SELECT s.rowid, %s FROM %s s JOIN import_file f ON f.id = s._file_id WHERE f.name = ? AND s._row = ?`,
		strings.Join(cols, ", "), store.Quote(TableName(t)))
	rows, err := tx.QueryContext(ctx, q, file, row)
	if err != nil {
		return "", err
	}
	var ids []int64
	var record string
	for rows.Next() {
		var id int64
		vals := make([]string, len(t.Columns))
		ptrs := []any{&id}
		for i := range vals {
			ptrs = append(ptrs, &vals[i])
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return "", err
		}
		ids = append(ids, id)
		m := map[string]string{}
		for i, c := range t.Columns {
			m[c.Name] = vals[i]
		}
		b, _ := json.Marshal(m)
		record = string(b)
	}
	rows.Close()
	switch len(ids) {
	case 1:
		_, err := tx.ExecContext(ctx, "DELETE FROM "+store.Quote(TableName(t))+" WHERE rowid = ?", ids[0])
		return record, err
	case 0:
		// A row rejected for its field count is kept apart.
		var rid int64
		err := tx.QueryRowContext(ctx, `SELECT r.rowid, r.record FROM stg_rejects r JOIN import_file f ON f.id = r._file_id
			WHERE r.table_name = ? AND f.name = ? AND r._row = ?`, t.Name, file, row).Scan(&rid, &record)
		if errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("quarantined row %s:%d is not in the staging store (released already, or from another store?)", file, row)
		}
		if err != nil {
			return "", err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM stg_rejects WHERE rowid = ?`, rid)
		return record, err
	}
	return "", fmt.Errorf("quarantined row %s:%d is ambiguous: %d staged files share that name", file, row, len(ids))
}
