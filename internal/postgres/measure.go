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
	if _, err := q.Exec(ctx, dateStyle); err != nil {
		return nil, err
	}
	m := &reconcile.Measures{Tables: map[string]*reconcile.Table{}}
	for _, t := range s.Tables {
		names, types := measuredColumns(t)
		if err := h.Now(); err != nil {
			return nil, err
		}
		mt, err := measureTable(ctx, q, schema, t.Name, names, types)
		if err != nil {
			return nil, fmt.Errorf("measure %s.%s: %w", schema, t.Name, err)
		}
		m.Tables[t.Name] = mt
	}
	names, types := quarantineColumns()
	mt, err := measureTable(ctx, q, schema, QuarantineTable, names, types)
	if err != nil {
		return nil, fmt.Errorf("measure %s.%s: %w", schema, QuarantineTable, err)
	}
	m.Tables[QuarantineTable] = mt
	return m, nil
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

func measureTable(ctx context.Context, q querier, schema, table string, names []string, types []contract.Type) (*reconcile.Table, error) {
	parts := make([]string, len(names))
	sel := []string{"count(*)"}
	for i, n := range names {
		v := canonical(ident(n), types[i])
		parts[i] = fmt.Sprintf("coalesce(length(%[1]s)::text || ':' || %[1]s, '-')", v)
	}
	// hashtextextended(text COLLATE "C", 0) is hash_bytes_extended over the text's bytes, as
	// reconcile.RowHash computes it; sum(bigint) adds in 128 bits, reduced modulo 2^64 once.
	sel = append(sel, fmt.Sprintf(`coalesce(((sum(hashtextextended((%s) COLLATE "C", 0)) %% 18446744073709551616) + 18446744073709551616) %% 18446744073709551616, 0)::text`,
		strings.Join(parts, " || ")))
	for i, n := range names {
		c, t := ident(n), types[i]
		sel = append(sel, "count(*) - count("+c+")")
		switch {
		case reconcile.Numeric(t):
			sel = append(sel, "coalesce("+canonical("min("+c+")", t)+", '')", "coalesce("+canonical("max("+c+")", t)+", '')",
				"coalesce(trim_scale(sum("+c+"))::text, '')")
		case t == contract.Text || t == contract.Flag || t == contract.Month:
			sel = append(sel, "coalesce(min("+c+`::text COLLATE "C"), '')`, "coalesce(max("+c+`::text COLLATE "C"), '')`, "''")
		case reconcile.Ordered(t):
			sel = append(sel, "coalesce("+canonical("min("+c+")", t)+", '')", "coalesce("+canonical("max("+c+")", t)+", '')", "''")
		default:
			sel = append(sel, "''", "''", "''")
		}
	}
	mt := &reconcile.Table{Columns: map[string]*reconcile.Column{}}
	cols := make([]reconcile.Column, len(names))
	// PostgreSQL takes at most 1,664 entries in a select list: a wide table is measured in
	// several scans of up to perScan columns (4 entries each), the first with the count and hash.
	const perScan = 400
	for from := 0; from == 0 || from < len(names); from += perScan {
		to := min(from+perScan, len(names))
		var list []string
		var vals []any
		if from == 0 {
			list, vals = sel[:2], []any{&mt.Rows, &mt.Hash}
		}
		list = append(list, sel[2+4*from:2+4*to]...)
		for i := from; i < to; i++ {
			vals = append(vals, &cols[i].Nulls, &cols[i].Min, &cols[i].Max, &cols[i].Sum)
		}
		if err := q.QueryRow(ctx, "SELECT "+strings.Join(list, ", ")+" FROM "+ident(schema, table)).Scan(vals...); err != nil {
			return nil, err
		}
	}
	for i, n := range names {
		mt.Columns[n] = &cols[i]
	}
	return mt, nil
}
