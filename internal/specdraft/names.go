package specdraft

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sdetl/sdetl/internal/contract"
)

// Naming: a drafted name must survive every store the pipeline writes — SQLite (stage.db,
// clean.db: names are case-insensitive, and the stores hold tables of their own) and PostgreSQL
// (identifiers are cut at 63 bytes, and the loader adds suffixes to table and schema names).

// The limits are the contract's (contract.SchemaProblem, TableProblem, ColumnProblem): a draft
// is parsed back with the contract's own validation, so what it proposes is what will run.
var (
	maxIdent      = contract.MaxIdentBytes
	maxTableName  = contract.MaxTableBytes()  // the loader names the key index <table>_natural_key
	maxSchemaName = contract.MaxSchemaBytes() // the loader builds <schema>__g<run>, __canary and __dryrun beside it
)

const fallbackSchema = "draft"

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
	if contract.TableProblem(n) != "" || strings.HasSuffix(n, "_key") {
		n += "_data"
	}
	return unique(cut(n, maxTableName), maxTableName, taken)
}

// defaultSchema derives the schema (and spec name) from the first export's directory. A
// directory named like a schema sdetl may never replace (public, pg_*, information_schema,
// sdetl) gives a renamed schema and a note saying so.
func defaultSchema(firstPath string) (name, note string) {
	abs, err := filepath.Abs(firstPath)
	if err != nil {
		return fallbackSchema, ""
	}
	dir := filepath.Base(filepath.Dir(abs))
	n := cut(sanitize(dir), maxSchemaName)
	if n == "" || n[0] >= '0' && n[0] <= '9' || strings.Trim(n, "_") == "" {
		return fallbackSchema, ""
	}
	if p := contract.SchemaProblem(n); p != "" {
		r := n + "_data"
		if strings.HasPrefix(r, "pg_") {
			r = "data_" + n
		}
		r = cut(r, maxSchemaName)
		if !ValidSchema(r) {
			return fallbackSchema, fmt.Sprintf("schema %s, not %s (the exports' directory): %s %s", fallbackSchema, n, n, p)
		}
		return r, fmt.Sprintf("schema %s, not %s (the exports' directory): %s %s", r, n, n, p)
	}
	return n, ""
}

// ValidSchema reports whether s can be the drafted schema: a plain lower-case identifier that
// needs no quoting in SQL, short enough for the loader's suffixes, and not a schema sdetl may
// never replace.
func ValidSchema(s string) bool {
	if s == "" || len(s) > maxSchemaName || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	return sanitize(s) == s && contract.SchemaProblem(s) == ""
}

// SchemaError says why s cannot be the drafted schema.
func SchemaError(s string) string {
	if p := contract.SchemaProblem(s); p != "" {
		return fmt.Sprintf("schema %q %s", s, p)
	}
	return fmt.Sprintf("schema %q: want a lower-case identifier ([a-z_][a-z0-9_]*, at most %d bytes)", s, maxSchemaName)
}

// columnName derives the database column name of a header the stores cannot take as it is: a
// leading _ (lineage) is dropped, NUL and other control bytes and invalid UTF-8 become _, a
// system column name (rowid, ctid, xmin, ...) or a taken one gets a number, and PostgreSQL's
// 63 bytes are kept to. taken holds the lower-cased names already used in the table (SQLite
// ignores case) and, from the caller, the system column names.
func columnName(header string, pos int, taken map[string]bool) string {
	n := strings.ToValidUTF8(header, "_")
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, n)
	n = strings.TrimLeft(n, "_")
	if n == "" {
		n = fmt.Sprintf("column_%d", pos+1)
	}
	return unique(cut(n, maxIdent), maxIdent, taken)
}

// renameReason says why a header is not its column's name, for the draft's comment.
func renameReason(header string) string {
	if p := contract.ColumnProblem(header); p != "" {
		return "the header " + p
	}
	return "the header is taken by another column once case is ignored, as SQLite does"
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

// Names is how spec init names database columns.
type Names string

// The naming schemes.
const (
	NamesHeaders Names = ""      // each column is named its header, renamed only where the stores need it
	NamesSnake   Names = "snake" // snake_case names (opened_at), the header kept as the column's header
)

// snakeName is a header as a snake_case identifier a dashboard can write unquoted: letters
// (any script, lower-cased) and digits kept, a word break at each lower-to-upper change
// ("TicketID" is ticket_id), "#" read as "number", everything else one _; a name that would
// start with a digit gets "col_" before it, an empty one is column_<position>.
func snakeName(header string, pos int) string {
	var b strings.Builder
	sep := false // a _ is due before the next letter or digit
	var prev rune
	for _, r := range header {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)) {
				sep = true
			}
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(unicode.ToLower(r))
		case r == '#':
			if b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteString("number")
			sep = true
		default:
			sep = true
		}
		prev = r
	}
	n := b.String()
	switch {
	case n == "":
		return fmt.Sprintf("column_%d", pos+1)
	case n[0] >= '0' && n[0] <= '9':
		return "col_" + n
	}
	return n
}
