package specdraft

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Naming: a drafted name must survive every store the pipeline writes — SQLite (stage.db,
// clean.db: names are case-insensitive, and the stores hold tables of their own) and PostgreSQL
// (identifiers are cut at 63 bytes, and the loader adds suffixes to table and schema names).

const (
	maxIdent       = 63                             // PostgreSQL NAMEDATALEN - 1
	maxTableName   = maxIdent - len("_natural_key") // the loader names the key index <table>_natural_key
	maxSchemaName  = maxIdent - len("__next")       // the loader builds the new generation in <schema>__next
	fallbackSchema = "draft"
)

// reservedTables are names the stores use for their own tables: a contract table of that name
// (or, in stage.db, stg_<name>) would collide with them. Temporary tables count too: SQLite
// resolves an unqualified name to a temporary table first.
var reservedTables = map[string]bool{
	"quarantine": true, "change_log": true, "cell_change": true, "import_file": true,
	"import_file_names": true, "losers": true, "meta": true, "rejects": true, // stage.db has stg_rejects
}

// baseName is an export's file name without its extension: the contract's `file:`.
func baseName(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// sanitize lower-cases s and replaces every byte outside [a-z0-9_] with _.
func sanitize(s string) string {
	b := []byte(strings.ToLower(s))
	out := b[:0]
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		i += n
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			out = append(out, byte(r))
		} else {
			out = append(out, '_')
		}
	}
	return string(out)
}

// tableName derives a table name from an export's base name, unique among taken.
func tableName(base string, taken map[string]bool) string {
	n := sanitize(base)
	if n == "" {
		n = "export"
	}
	// stage.db indexes table t as stg_<t>_key, in the namespace its tables share.
	if reservedTables[n] || strings.HasPrefix(n, "sqlite_") || strings.HasSuffix(n, "_key") {
		n += "_data"
	}
	return unique(cut(n, maxTableName), maxTableName, taken)
}

// defaultSchema derives the schema (and spec name) from the first export's directory.
func defaultSchema(firstPath string) string {
	abs, err := filepath.Abs(firstPath)
	if err != nil {
		return fallbackSchema
	}
	n := cut(sanitize(filepath.Base(filepath.Dir(abs))), maxSchemaName)
	if !ValidSchema(n) || strings.Trim(n, "_") == "" {
		return fallbackSchema
	}
	return n
}

// ValidSchema reports whether s can be the drafted schema: a plain lower-case identifier that
// needs no quoting in SQL, short enough for the loader's suffixes.
func ValidSchema(s string) bool {
	if s == "" || len(s) > maxSchemaName || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	return sanitize(s) == s
}

// columnName derives the database column name of a header: the header itself (trimmed, without
// a BOM) unless the contract reserves it (a leading _ is lineage) or PostgreSQL would cut it.
// taken holds the lower-cased names already used in the table (SQLite ignores case).
func columnName(header string, pos int, taken map[string]bool) string {
	n := strings.TrimLeft(header, "_")
	if n == "" {
		n = fmt.Sprintf("column_%d", pos+1)
	}
	return unique(cut(n, maxIdent), maxIdent, taken)
}

// unique returns n, or n_2, n_3, ... (kept within limit bytes), whichever taken (lower-cased)
// does not hold, and marks it taken.
func unique(n string, limit int, taken map[string]bool) string {
	c := n
	for i := 2; taken[strings.ToLower(c)]; i++ {
		suffix := fmt.Sprintf("_%d", i)
		c = cut(n, limit-len(suffix)) + suffix
	}
	taken[strings.ToLower(c)] = true
	return c
}

// cut shortens s to at most n bytes without splitting a UTF-8 sequence.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// normHeader is how contract.MatchHeaders compares headers: without a BOM, trimmed, case-insensitive.
func normHeader(h string) string { return strings.ToLower(trimHeader(h)) }

// trimHeader is a header as the contract should spell it: without a BOM, trimmed.
func trimHeader(h string) string { return strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) }

// keyish reports whether a column name says it identifies something: a word id, key, number,
// no, num, nr, uuid or guid (words split at non-letters and lower-to-upper case changes, so
// "TicketID", "ticket_id" and "Ticket No." all match), or a '#'.
func keyish(name string) bool {
	if strings.Contains(name, "#") {
		return true
	}
	for _, w := range words(name) {
		switch strings.ToLower(w) {
		case "id", "key", "number", "no", "num", "nr", "uuid", "guid":
			return true
		}
	}
	return false
}

// words splits s into runs of letters and digits, also at a lower-to-upper case change.
func words(s string) []string {
	var out []string
	var cur []rune
	var prevLower bool
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		isLetter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		isDigit := r >= '0' && r <= '9'
		switch {
		case !isLetter && !isDigit:
			flush()
			prevLower = false
			continue
		case r >= 'A' && r <= 'Z' && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = r >= 'a' && r <= 'z'
	}
	flush()
	return out
}
