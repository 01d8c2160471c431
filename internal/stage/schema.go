package stage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
)

// The staging store's layout. Every contracted column is TEXT holding the cell exactly as read
// ("" for an empty cell); _file_id/_row/_line are lineage; _key is the canonical natural key
// (NULL when it does not convert) used to upsert later exports; _extra holds columns the
// contract does not know, as a JSON object of header -> value; _date_cells lists (as a JSON
// array) the columns whose XLSX cell was a date-formatted number, staged as its ISO text.
//
//	stg_<table>(_file_id, _row, _line, _key, <columns...>, _extra, _date_cells)
//	stg_rejects(table_name, _file_id, _row, _line, rule, reason, record)  rows that could not be mapped
//	import_file(id, table_name, path, ...)                                the import audit, one row per file
//	scope_touched(ticket)                                                 tickets the roster touched, over all imports
const schemaVersion = "3" // 3: import_file.blank_lines

const auditDDL = `
CREATE TABLE import_file (
	id INTEGER PRIMARY KEY,
	table_name TEXT NOT NULL,
	path TEXT NOT NULL,
	name TEXT NOT NULL,
	format TEXT NOT NULL,
	dialect TEXT NOT NULL,
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	rows_read INTEGER NOT NULL,
	rows_in_scope INTEGER NOT NULL,
	rows_dropped_scope INTEGER NOT NULL,
	rows_rejected INTEGER NOT NULL,
	rows_inserted INTEGER NOT NULL,
	rows_updated INTEGER NOT NULL,
	rows_unchanged INTEGER NOT NULL,
	extra_columns TEXT NOT NULL,
	min_date TEXT,
	max_date TEXT,
	scope TEXT NOT NULL,
	started_at TEXT NOT NULL,
	duration_ms INTEGER NOT NULL,
	blank_lines INTEGER NOT NULL
);
CREATE TABLE stg_rejects (
	table_name TEXT NOT NULL,
	_file_id INTEGER NOT NULL,
	_row INTEGER NOT NULL,
	_line INTEGER NOT NULL,
	rule TEXT NOT NULL,
	reason TEXT NOT NULL,
	record TEXT NOT NULL
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE scope_touched (ticket INTEGER PRIMARY KEY);
`

// TableName is the staging table of a contract table.
func TableName(t *contract.Table) string { return "stg_" + t.Name }

// A new staging store's layout: 32 KiB pages and a 4 MiB cache for the import's connection.
// Rows are wide (36 text columns of the event log, 2 KB comments), and each page costs the
// writer a B-tree step, a page allocation and a pwrite, and every later reader (the stage
// score, the clean stage, the backup's integrity check) a pread. With the _key indexes built
// after the rows (createKeyIndexes) the rows are only appended, so a small cache holds all the
// writer needs. The cache is set after the page size: set at open on the empty file it counts
// pages of the default size (4096 of 4 KiB), which at 32 KiB would be 128 MiB. Stores built
// before keep their page size (an update copies the file). Numbers: docs/benchmarks.md,
// seventh round, the import.
const (
	stagePageSize = 32 << 10
	stageCacheKiB = 4 << 10
)

// createSchema creates a new store's tables, in the layout above; their _key indexes follow the
// rows (createKeyIndexes).
func createSchema(ctx context.Context, db *sql.DB, s *contract.Spec) error {
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA page_size = %d; PRAGMA cache_size = -%d", stagePageSize, stageCacheKiB)); err != nil {
		return fmt.Errorf("staging store layout: %w", err)
	}
	if _, err := db.ExecContext(ctx, auditDDL); err != nil {
		return fmt.Errorf("create staging schema: %w", err)
	}
	for _, t := range s.Tables {
		cols := []string{"_file_id INTEGER NOT NULL", "_row INTEGER NOT NULL", "_line INTEGER NOT NULL", "_key TEXT"}
		for _, c := range t.Columns {
			cols = append(cols, store.Quote(c.Name)+" TEXT NOT NULL")
		}
		cols = append(cols, "_extra TEXT", "_date_cells TEXT")
		ddl := fmt.Sprintf("CREATE TABLE %s (%s)", store.Quote(TableName(t)), strings.Join(cols, ", "))
		if _, err := db.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("create %s: %w", TableName(t), err)
		}
	}
	_, err := db.ExecContext(ctx, `INSERT INTO meta VALUES ('schema_version', ?), ('spec', ?)`, schemaVersion, s.Name)
	return err
}

// createKeyIndexes creates every staging table's _key index, in contract order, on a store
// createSchema made once the import has written its rows. Why not with the tables: a new store
// has no earlier rows to upsert into, so nothing looks a key up while importing, and building
// an index from the finished table (one sort, then pages written in order) costs less than
// inserting each row's key into it: keys in file order are not in key order, so the index's
// pages are touched at random, and on a large table they fall out of the page cache and are
// read back (scale-1 XLSX: numbers in docs/benchmarks.md, seventh round). The indexes come
// after the tables in sqlite_schema, in the same order among themselves, so a dump of the store
// is the same as when each followed its table.
func createKeyIndexes(ctx context.Context, db *sql.DB, s *contract.Spec) error {
	for _, t := range s.Tables {
		idx := fmt.Sprintf("CREATE INDEX %s ON %s (_key)", store.Quote(TableName(t)+"_key"), store.Quote(TableName(t)))
		if _, err := db.ExecContext(ctx, idx); err != nil {
			return fmt.Errorf("create %s: %w", TableName(t), err)
		}
	}
	return nil
}

// checkSchema refuses a staging store of another layout or contract: mixing them would stage
// values under the wrong columns.
func checkSchema(ctx context.Context, db *sql.DB, s *contract.Spec) error {
	got := map[string]string{}
	rows, err := db.QueryContext(ctx, `SELECT key, value FROM meta`)
	if err != nil {
		return fmt.Errorf("existing staging store is unreadable (%v); start over with --fresh", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		got[k] = v
	}
	if got["schema_version"] != schemaVersion || got["spec"] != s.Name {
		return fmt.Errorf("existing staging store has layout %q for contract %q, want %q for %q; start over with --fresh",
			got["schema_version"], got["spec"], schemaVersion, s.Name)
	}
	return rows.Err()
}

func insertSQL(t *contract.Table) string {
	cols := []string{"_file_id", "_row", "_line", "_key"}
	for _, c := range t.Columns {
		cols = append(cols, store.Quote(c.Name))
	}
	cols = append(cols, "_extra", "_date_cells")
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", store.Quote(TableName(t)),
		strings.Join(cols, ", "), strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
}
