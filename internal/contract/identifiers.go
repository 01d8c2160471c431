package contract

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Identifier rules: every name a contract declares becomes an identifier in two stores — SQLite
// (stage.db, clean.db) and PostgreSQL — so a contract is checked against both before any data is
// read. A rule broken here would otherwise fail only after import and clean had run, or, worse,
// silently: PostgreSQL cuts identifiers at 63 bytes, so two long names can become one.

// MaxIdentBytes is PostgreSQL's identifier length (NAMEDATALEN - 1); longer names are cut.
const MaxIdentBytes = 63

// BookkeepingSchema is the PostgreSQL schema where sdetl records what it owns (and, later, its
// run ledger). No contract may name it.
const BookkeepingSchema = "sdetl"

// SchemaSuffixes are appended by the loader to the contract's schema for the schemas it builds
// beside the live one; the longest bounds the schema name.
var SchemaSuffixes = []string{"__next", "__dryrun", "__canary"}

// KeyIndexSuffix names the natural-key index the loader builds on each table, in the table's schema.
const KeyIndexSuffix = "_natural_key"

// Column limits. PostgreSQL holds at most 1,600 columns per table and the loader adds two
// lineage columns; SQLite's default SQLITE_MAX_COLUMN is 2,000 and the staging table adds six.
const (
	PostgresMaxColumns = 1600
	SQLiteMaxColumns   = 2000
	loadedLineage      = 2 // _source_file, _source_row
	stagedLineage      = 6 // _file_id, _row, _line, _key, _extra, _date_cells
	cleanLineage       = 2 // _file_id, _row
)

// MaxTableColumns is the most contracted plus derived columns one table can hold.
func MaxTableColumns() int {
	return min(PostgresMaxColumns-loadedLineage, SQLiteMaxColumns-stagedLineage, SQLiteMaxColumns-cleanLineage)
}

// GenerationInfix joins the contract's schema and a run id in the name of that run's
// generation schema: servicedesk__g42. The longest run id reserved is 10 digits.
const GenerationInfix = "__g"

const maxRunDigits = 10

// GenerationSchema names the generation schema run id builds for the contract's schema.
func GenerationSchema(schema string, run int64) string {
	return fmt.Sprintf("%s%s%d", schema, GenerationInfix, run)
}

// MaxSchemaBytes is the longest schema name that keeps every suffixed schema (the loader's
// side schemas and the generations) within 63 bytes.
func MaxSchemaBytes() int {
	n := len(GenerationInfix) + maxRunDigits
	for _, s := range SchemaSuffixes {
		n = max(n, len(s))
	}
	return MaxIdentBytes - n
}

// KPIIndexInfix names the indexes the loader builds for the contract's declared indexes:
// tickets_kpi_1 is the first on tickets.
const KPIIndexInfix = "_kpi_"

// MaxTableBytes is the longest table name that keeps its key index name within 63 bytes.
func MaxTableBytes() int { return MaxIdentBytes - len(KeyIndexSuffix) }

// storeTables are the tables the stores keep beside the contract's (quarantine also in
// PostgreSQL); stage.db prefixes contract tables with stg_, so rejects collides with
// stg_rejects there. Temporary tables count: SQLite resolves an unqualified name to one first.
var storeTables = []string{"quarantine", "change_log", "cell_change", "import_file", "import_file_names",
	"losers", "made_from", "meta", "released", "scope_touched", "rejects"}

// systemColumns are names the stores reserve for their own columns: SQLite's rowid aliases and
// PostgreSQL's system columns (oid is both). Matched ignoring ASCII case, as SQLite does.
var systemColumns = []string{"rowid", "oid", "_rowid_", "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"}

// SystemColumnNames are the column names the stores reserve for themselves (lower case).
func SystemColumnNames() []string { return append([]string(nil), systemColumns...) }

// SchemaProblem says why name cannot be a contract's schema, or "" when it can.
func SchemaProblem(name string) string {
	if p := identProblem(name, MaxSchemaBytes()); p != "" {
		return p
	}
	low := asciiLower(name)
	switch {
	case low == "public", low == "information_schema", strings.HasPrefix(low, "pg_"):
		return "is reserved by PostgreSQL (public, information_schema and pg_* are never sdetl's to replace)"
	case low == BookkeepingSchema:
		return "is sdetl's own bookkeeping schema"
	}
	for _, s := range SchemaSuffixes {
		if strings.HasSuffix(low, s) {
			return fmt.Sprintf("ends in %s, which the loader appends for its own schemas", s)
		}
	}
	if generationName.MatchString(low) {
		return fmt.Sprintf("ends in %s and digits, which names the loader's generations", GenerationInfix)
	}
	return ""
}

var generationName = regexp.MustCompile(`__g[0-9]+$`)

// TableProblem says why name cannot be a contract table's name, or "" when it can.
func TableProblem(name string) string {
	if p := identProblem(name, MaxTableBytes()); p != "" {
		return p
	}
	low := asciiLower(name)
	for _, r := range storeTables {
		if low == r {
			return "is a table the stores keep for themselves"
		}
	}
	if strings.HasPrefix(low, "sqlite_") {
		return "starts with sqlite_, which SQLite reserves"
	}
	return ""
}

// ColumnProblem says why name cannot be a column's (contracted or derived) name, or "" when it can.
func ColumnProblem(name string) string {
	if p := identProblem(name, MaxIdentBytes); p != "" {
		return p
	}
	if strings.HasPrefix(name, "_") {
		return "starts with _, which is reserved for the tool's lineage columns"
	}
	low := asciiLower(name)
	for _, r := range systemColumns {
		if low == r {
			return "is a system column name (SQLite: rowid, oid, _rowid_; PostgreSQL: oid, ctid, xmin, xmax, cmin, cmax, tableoid)"
		}
	}
	return ""
}

// identProblem checks what both stores need of any identifier.
func identProblem(name string, limit int) string {
	switch {
	case name == "":
		return "is empty"
	case strings.IndexByte(name, 0) >= 0:
		return "holds a NUL byte, which neither SQLite nor PostgreSQL allows in a name"
	case !utf8.ValidString(name):
		return "is not valid UTF-8, which PostgreSQL refuses"
	case len(name) > limit:
		if limit == MaxIdentBytes {
			return fmt.Sprintf("is %d bytes; PostgreSQL keeps %d", len(name), MaxIdentBytes)
		}
		return fmt.Sprintf("is %d bytes; at most %d fit PostgreSQL's %d with the loader's suffixes", len(name), limit, MaxIdentBytes)
	}
	return ""
}

// asciiLower folds ASCII letters only: SQLite compares identifiers that way, so names that
// differ only in ASCII case are one name in the stores.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// FoldName is how the stores compare two names: ignoring ASCII case (SQLite) and beyond the
// 63 bytes PostgreSQL keeps.
func FoldName(s string) string {
	s = asciiLower(s)
	if len(s) > MaxIdentBytes {
		s = s[:MaxIdentBytes]
	}
	return s
}

// validateIdentifiers checks every name of the contract against both stores' rules.
func (s *Spec) validateIdentifiers() error {
	// The name is stored as text in both databases (stage.db's meta, PostgreSQL's records).
	if strings.IndexByte(s.Name, 0) >= 0 || !utf8.ValidString(s.Name) {
		return fmt.Errorf("name %q holds a NUL byte or invalid UTF-8, which PostgreSQL text cannot; choose another name", s.Name)
	}
	if p := SchemaProblem(s.Schema); p != "" {
		return fmt.Errorf("schema %q %s; choose another schema name", s.Schema, p)
	}
	tables := map[string]string{}
	for _, t := range s.Tables {
		k := FoldName(t.Name)
		if prev, dup := tables[k]; dup {
			return fmt.Errorf("tables %s; rename one", sameName(prev, t.Name))
		}
		if p := TableProblem(t.Name); p != "" {
			return fmt.Errorf("table %q %s; rename it", t.Name, p)
		}
		tables[k] = t.Name
	}
	for _, t := range s.Tables {
		// stage.db indexes stg_<t> as stg_<t>_key, and PostgreSQL indexes <t> as <t>_natural_key,
		// each in the namespace the tables share.
		for _, suffix := range []string{"_key", KeyIndexSuffix} {
			if other, clash := tables[FoldName(t.Name+suffix)]; clash {
				return fmt.Errorf("table %q clashes with the index the stores name after table %q; rename it", other, t.Name)
			}
		}
		if err := t.validateColumnNames(); err != nil {
			return fmt.Errorf("table %s: %w", t.Name, err)
		}
	}
	return nil
}

func (t *Table) validateColumnNames() error {
	if n, limit := len(t.Columns)+len(t.Derived), MaxTableColumns(); n > limit {
		return fmt.Errorf("%d columns; a table holds at most %d (PostgreSQL's limit of %d columns per table, less %d lineage columns); split the export",
			n, limit, PostgresMaxColumns, loadedLineage)
	}
	names := make([]string, 0, len(t.Columns)+len(t.Derived))
	for _, c := range t.Columns {
		names = append(names, c.Name)
	}
	for _, d := range t.Derived {
		names = append(names, d.Name)
	}
	// Collisions first: "these two are one name" says more than "this one is too long".
	seen := map[string]string{}
	for _, n := range names {
		k := FoldName(n)
		if prev, dup := seen[k]; dup {
			return fmt.Errorf("columns %s; rename one", sameName(prev, n))
		}
		seen[k] = n
	}
	for _, n := range names {
		if p := ColumnProblem(n); p != "" {
			return fmt.Errorf("column %q %s; rename it", n, p)
		}
	}
	return nil
}

// sameName explains why two distinct names are one to the stores.
func sameName(a, b string) string {
	if asciiLower(a) == asciiLower(b) {
		return fmt.Sprintf("%q and %q are one name to SQLite, which ignores case", a, b)
	}
	return fmt.Sprintf("%q and %q are equal in their first %d bytes, all PostgreSQL keeps", a, b, MaxIdentBytes)
}
