package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/reconcile"
)

// measureGeneration measures a loaded schema the way clean.Measure measures the clean store,
// in SQL over the typed columns: each value rendered back to its canonical text (trim_scale
// for numerics, ISO dates, true/false), each row rendered by reconcile.RowText's rule and
// hashed as reconcile.RowHash does (hashtextextended), summed modulo 2^64.
func measureGeneration(ctx context.Context, q querier, s *contract.Spec, schema string, h *health.Checker) (*reconcile.Measures, error) {
	m, err := measureQuarantine(ctx, q, schema)
	if err != nil {
		return nil, err
	}
	return m, measureTables(ctx, q, s, schema, h, nil, m)
}

// measureQuarantine measures the quarantine table alone, in SQL (the score does not read it).
func measureQuarantine(ctx context.Context, q querier, schema string) (*reconcile.Measures, error) {
	if _, err := q.Exec(ctx, dateStyle); err != nil {
		return nil, err
	}
	names, types := quarantineColumns()
	mt, err := measureTable(ctx, q, schema, QuarantineTable, names, types)
	if err != nil {
		return nil, fmt.Errorf("measure %s.%s: %w", schema, QuarantineTable, err)
	}
	return &reconcile.Measures{Tables: map[string]*reconcile.Table{QuarantineTable: mt}}, nil
}

// measureTables adds every contract table's measures to m: those the score's scan took
// (streamed, when it read the table to its end), else measured here in SQL. The health check
// comes before each table either way.
func measureTables(ctx context.Context, q querier, s *contract.Spec, schema string, h *health.Checker, streamed *streamedMeasures, m *reconcile.Measures) error {
	if _, err := q.Exec(ctx, dateStyle); err != nil {
		return err
	}
	for _, t := range s.Tables {
		if err := h.Now(); err != nil {
			return err
		}
		if streamed != nil {
			if mt, ok := streamed.get(t.Name); ok {
				m.Tables[t.Name] = mt
				continue
			}
		}
		names, types := measuredColumns(t)
		mt, err := measureTable(ctx, q, schema, t.Name, names, types)
		if err != nil {
			return fmt.Errorf("measure %s.%s: %w", schema, t.Name, err)
		}
		m.Tables[t.Name] = mt
	}
	return nil
}

// dateStyle is the session setting under which dates render as their canonical text.
const dateStyle = "SET datestyle = ISO, YMD"

// measuredColumns are a table's columns as the loader copies them: contracted, derived, then
// the lineage.
func measuredColumns(t *contract.Table) ([]string, []contract.Type) {
	var names []string
	var types []contract.Type
	for _, c := range t.Columns {
		names, types = append(names, c.Name), append(types, c.Type)
	}
	for _, d := range t.Derived {
		names, types = append(names, d.Name), append(types, d.Type)
	}
	return append(names, lineage...), append(types, lineageTypes...)
}

func quarantineColumns() ([]string, []contract.Type) {
	return []string{"table_name", "source_file", "source_row", "source_line", "column_name", "rule", "severity", "raw_value", "reason", "record"},
		[]contract.Type{contract.Text, contract.Text, contract.Integer, contract.Integer, contract.Text, contract.Text, contract.Text, contract.Text, contract.Text, contract.Text}
}

// canonical renders a column back to the clean store's canonical text.
func canonical(col string, t contract.Type) string {
	switch t {
	case contract.Decimal:
		return "trim_scale(" + col + ")::text"
	case contract.Timestamptz:
		return utcText(col)
	}
	return col + "::text" // also the quarantine's record, json kept as written
}

// utcText renders a timestamptz as its canonical text, the UTC instant with "+00", whatever the
// session's TimeZone (which ::text would follow): the fraction without trailing zeros, no point
// for a whole second.
func utcText(col string) string {
	return "(rtrim(rtrim(to_char((" + col + ") AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.') || '+00')"
}

// measureTable measures one table in as few scans as PostgreSQL's select list allows. Each
// value is rendered once, in a subquery kept from being flattened (OFFSET 0), and every
// measure reads that one rendering: referred to directly, a long value would be detoasted
// (fetched and decompressed) again by each expression that reads it, and it was read four
// times. The row text is built in one concat() rather than a chain of ||, which copied the row
// so far at every step.
func measureTable(ctx context.Context, q querier, schema, table string, names []string, types []contract.Type) (*reconcile.Table, error) {
	mt := &reconcile.Table{Columns: map[string]*reconcile.Column{}}
	cols := make([]reconcile.Column, len(names))
	for _, sc := range measureScans(schema, table, names, types) {
		var vals []any
		if sc.count {
			vals = append(vals, &mt.Rows)
		}
		if sc.hash {
			vals = append(vals, &mt.Hash)
		}
		for i := sc.from; i < sc.to; i++ {
			vals = append(vals, &cols[i].Nulls, &cols[i].Min, &cols[i].Max, &cols[i].Sum)
		}
		if err := q.QueryRow(ctx, sc.sql).Scan(vals...); err != nil {
			return nil, err
		}
	}
	for i, n := range names {
		mt.Columns[n] = &cols[i]
	}
	return mt, nil
}

// measureScan is one query of a table's measures: the row count (count), the row hash (hash),
// and the measures of columns [from, to).
type measureScan struct {
	sql         string
	count, hash bool
	from, to    int
}

// PostgreSQL takes at most 1,664 entries in a select list: a table is measured in scans of up
// to perScan columns (4 entries each, and 2 in the subquery). The row hash needs every
// column's text in its subquery, so a table wider than perScan hashes in a scan of its own.
const perScan = 400

func measureScans(schema, table string, names []string, types []contract.Type) []measureScan {
	from := ident(schema, table)
	if len(names) <= perScan {
		return []measureScan{{sql: measureSQL(from, names, types, true, true, 0, len(names)), count: true, hash: true, to: len(names)}}
	}
	scans := []measureScan{{sql: measureSQL(from, names, types, true, true, 0, 0), count: true, hash: true}}
	for lo := 0; lo < len(names); lo += perScan {
		hi := min(lo+perScan, len(names))
		scans = append(scans, measureScan{sql: measureSQL(from, names, types, false, false, lo, hi), from: lo, to: hi})
	}
	return scans
}

// measureSQL selects, with count, the row count, with hash the row hash, and the null count,
// min, max and sum of columns [lo, hi). In the subquery, tN is column N's canonical text and cN the
// column itself (for the typed min, max and sum).
func measureSQL(from string, names []string, types []contract.Type, count, hash bool, lo, hi int) string {
	var inner, outer []string
	if count {
		outer = append(outer, "count(*)")
	}
	if hash {
		// One concat() takes at most 100 arguments: 40 columns' (a prefix and the text each)
		// in each, joined by ||.
		var parts, chunk []string
		for i, n := range names {
			inner = append(inner, canonicalOnce(ident(n), types[i])+" AS "+textAlias(i))
			// RowText: the length in characters, a colon and the text; NULL as a lone "-"
			// (concat() skips the NULL text after it).
			chunk = append(chunk, fmt.Sprintf("coalesce(%s(%s)::text || ':', '-')", lengthFunc(types[i]), textAlias(i)), textAlias(i))
			if len(chunk) == 80 || i == len(names)-1 {
				parts, chunk = append(parts, "concat("+strings.Join(chunk, ", ")+")"), nil
			}
		}
		// hashtextextended(text COLLATE "C", 0) is hash_bytes_extended over the text's bytes, as
		// reconcile.RowHash computes it; sum(bigint) adds in 128 bits, reduced modulo 2^64 once.
		outer = append(outer, fmt.Sprintf(`coalesce(((sum(hashtextextended((%s) COLLATE "C", 0)) %% 18446744073709551616) + 18446744073709551616) %% 18446744073709551616, 0)::text`,
			strings.Join(parts, " || ")))
	}
	for i := lo; i < hi; i++ {
		c, v, t := columnAlias(i), textAlias(i), types[i]
		if !hash {
			inner = append(inner, canonicalOnce(ident(names[i]), t)+" AS "+v)
		}
		inner = append(inner, ident(names[i])+" AS "+c)
		outer = append(outer, "count(*) - count("+c+")")
		switch {
		case reconcile.Numeric(t):
			outer = append(outer, "coalesce("+canonical("min("+c+")", t)+", '')", "coalesce("+canonical("max("+c+")", t)+", '')",
				"coalesce(trim_scale(sum("+c+"))::text, '')")
		case t == contract.Text || t == contract.Flag || t == contract.Month:
			outer = append(outer, "coalesce(min("+v+` COLLATE "C"), '')`, "coalesce(max("+v+` COLLATE "C"), '')`, "''")
		case reconcile.Ordered(t):
			outer = append(outer, "coalesce("+canonical("min("+c+")", t)+", '')", "coalesce("+canonical("max("+c+")", t)+", '')", "''")
		default:
			outer = append(outer, "''", "''", "''")
		}
	}
	return "SELECT " + strings.Join(outer, ", ") + " FROM (SELECT " + strings.Join(inner, ", ") + " FROM " + from + " OFFSET 0) m"
}

func textAlias(i int) string   { return fmt.Sprintf("t%d", i) }
func columnAlias(i int) string { return fmt.Sprintf("c%d", i) }

// canonicalOnce is canonical, rendered as a value of its own: a text column's value as it is
// stored may be a pointer to its TOAST, which every reader would fetch and decompress again;
// || ” reads it once into the row the subquery returns.
func canonicalOnce(col string, t contract.Type) string {
	if asciiText(t) {
		return canonical(col, t) // a new short text already
	}
	return "(" + canonical(col, t) + " || '')"
}

// asciiText reports whether the canonical text of type t is always ASCII (digits, signs,
// separators, true/false, infinity, NaN), whatever the value: its length in characters is then
// its length in bytes, which octet_length reads without counting characters.
func asciiText(t contract.Type) bool {
	switch t {
	case contract.Integer, contract.Decimal, contract.Timestamp, contract.Timestamptz, contract.Date, contract.Time, contract.Boolean:
		return true
	}
	return false
}

// lengthFunc is the SQL function giving the length in characters of type t's canonical text.
func lengthFunc(t contract.Type) string {
	if asciiText(t) {
		return "octet_length"
	}
	return "length"
}
