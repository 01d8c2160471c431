package quality

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/report"
	"github.com/sdetl/sdetl/internal/spec"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
)

// sqlSource is the one Source implementation; the three stores differ only in where a table
// lives, what "null" means in SQL and how a typed value is rendered as canonical text.
type sqlSource struct {
	name     string
	q        querier
	schema   string                     // PostgreSQL schema; "" for SQLite
	table    func(t *spec.Table) string // the table's name in the store
	rawNulls bool                       // raw text: '', whitespace and sentinels are null, not only NULL
	typed    bool                       // typed columns (PostgreSQL): render as canonical text
}

// querier runs SQL on one engine.
type querier interface {
	// columns lists a table's columns in order; none when the table does not exist.
	columns(ctx context.Context, schema, table string) ([]string, error)
	row(ctx context.Context, q string, dest ...any) error
	// each calls fn with every row of q's n text columns (NULL as "").
	each(ctx context.Context, q string, n int, fn func([]string) error) error
}

// StageSource reads the staging store (stg_<table>, raw text as read). Values are judged by
// what clean.Normalize makes of them, but keys are compared as the raw text they are: a raw
// "3652948.0" is a valid id, yet it does not join "3652948".
func StageSource(db *sql.DB) Source {
	return &sqlSource{name: "stage", q: sqliteQ{db}, table: stage.TableName, rawNulls: true}
}

// CleanSource reads the clean store (<table>, canonical text, NULL for missing).
func CleanSource(db *sql.DB) Source {
	return &sqlSource{name: "clean", q: sqliteQ{db}, table: func(t *spec.Table) string { return t.Name }}
}

func (s *sqlSource) Name() string { return s.name }

func (s *sqlSource) quote(name string) string {
	if s.typed {
		return pgx.Identifier{name}.Sanitize()
	}
	return store.Quote(name)
}

func (s *sqlSource) from(t *spec.Table) string {
	if s.schema != "" {
		return s.quote(s.schema) + "." + s.quote(s.table(t))
	}
	return s.quote(s.table(t))
}

// present is the SQL predicate "expr holds a value".
func (s *sqlSource) present(sp *spec.Spec, expr string) string {
	if !s.rawNulls {
		return expr + " IS NOT NULL"
	}
	nulls := []string{"''"}
	for _, x := range sp.Sentinels {
		if x = strings.TrimSpace(x); x != "" {
			nulls = append(nulls, "'"+strings.ReplaceAll(strings.ToLower(x), "'", "''")+"'")
		}
	}
	return fmt.Sprintf("lower(trim(%s, ' ' || char(9, 10, 11, 12, 13))) NOT IN (%s)", expr, strings.Join(nulls, ", "))
}

// text renders expr, a column of type t, as its canonical text. PostgreSQL's text output of
// numbers, booleans and times is canonical already; dates and timestamps go through to_char so
// the session's DateStyle cannot change them.
func (s *sqlSource) text(expr string, t spec.Type) string {
	if !s.typed {
		return expr
	}
	switch t {
	case spec.Timestamp:
		// The canonical fraction has no trailing zeros and no point for a whole second: trim
		// the microseconds' zeros, then a bare point (rtrim stops at the point).
		return "rtrim(rtrim(to_char(" + expr + ", 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.')"
	case spec.Date:
		return "to_char(" + expr + ", 'YYYY-MM-DD')"
	}
	return expr + "::text"
}

// bytewise makes a text expression sort in byte order, so every store picks the same examples
// (PostgreSQL would otherwise sort by the database's collation; SQLite's default is bytewise).
func (s *sqlSource) bytewise(expr string) string {
	if s.typed {
		return "(" + expr + `) COLLATE "C"`
	}
	return expr
}

func (s *sqlSource) Columns(ctx context.Context, t *spec.Table) ([]string, error) {
	all, err := s.q.columns(ctx, s.schema, s.table(t))
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: table %s", ErrMissing, s.from(t))
	}
	var cols []string
	for _, c := range all {
		if !strings.HasPrefix(c, "_") {
			cols = append(cols, c)
		}
	}
	return cols, nil
}

func (s *sqlSource) Rows(ctx context.Context, t *spec.Table, fn func([]string) error) error {
	sel := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		sel[i] = s.text(s.quote(c.Name), c.Type)
	}
	return s.q.each(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+s.from(t), len(sel), fn)
}

func (s *sqlSource) Keys(ctx context.Context, sp *spec.Spec, t *spec.Table) (*KeyMetrics, error) {
	keys, where, text := make([]string, len(t.Key)), make([]string, len(t.Key)), make([]string, len(t.Key))
	for i, k := range t.Key {
		keys[i] = s.quote(k)
		where[i] = s.present(sp, keys[i])
		text[i] = s.text(keys[i], t.Column(k).Type)
	}
	groups := fmt.Sprintf("FROM %s WHERE %s GROUP BY %s", s.from(t), strings.Join(where, " AND "), strings.Join(keys, ", "))
	km := &KeyMetrics{}
	q := "SELECT CAST(coalesce(sum(n), 0) AS BIGINT), CAST(coalesce(sum(n - 1), 0) AS BIGINT), count(CASE WHEN n > 1 THEN 1 END) FROM (SELECT count(*) AS n " + groups + ") g"
	if err := s.q.row(ctx, q, &km.Keyed, &km.Duplicates, &km.Groups); err != nil {
		return nil, err
	}
	if km.Groups == 0 {
		return km, nil
	}
	q = fmt.Sprintf("SELECT %s %s HAVING count(*) > 1 ORDER BY count(*) DESC, 1 LIMIT %d", s.bytewise(strings.Join(text, " || ' | ' || ")), groups, maxExamples)
	err := s.q.each(ctx, q, 1, func(r []string) error {
		km.Examples = append(km.Examples, report.Shorten(r[0], maxExampleLen))
		return nil
	})
	return km, err
}

func (s *sqlSource) Orphans(ctx context.Context, sp *spec.Spec, r spec.Reference) (*RefMetrics, error) {
	from, to := sp.Table(r.Table), sp.Table(r.To)
	fc, tc := from.Column(r.Column), to.Column(r.ToColumn)
	c, k := "c."+s.quote(fc.Name), "r.k"
	on := c + " = " + k
	if fc.Type != tc.Type { // e.g. a text id referencing an integer key: compare canonical text
		on = s.text(c, fc.Type) + " = " + s.text(k, tc.Type)
	}
	ref := fmt.Sprintf("(SELECT DISTINCT %s AS k FROM %s WHERE %s)", s.quote(tc.Name), s.from(to), s.present(sp, s.quote(tc.Name)))
	join := fmt.Sprintf("FROM %s c LEFT JOIN %s r ON %s WHERE %s", s.from(from), ref, on, s.present(sp, c))
	rm := &RefMetrics{}
	if err := s.q.row(ctx, "SELECT count(*), count(CASE WHEN r.k IS NULL THEN 1 END) "+join, &rm.Values, &rm.Orphans); err != nil {
		return nil, err
	}
	if rm.Orphans == 0 {
		return rm, nil
	}
	q := fmt.Sprintf("SELECT DISTINCT %s %s AND r.k IS NULL ORDER BY 1 LIMIT %d", s.bytewise(s.text(c, fc.Type)), join, maxExamples)
	err := s.q.each(ctx, q, 1, func(row []string) error {
		rm.Examples = append(rm.Examples, report.Shorten(row[0], maxExampleLen))
		return nil
	})
	return rm, err
}

// sqliteQ runs SQL on a SQLite store.
type sqliteQ struct{ db *sql.DB }

func (q sqliteQ) columns(ctx context.Context, _, table string) ([]string, error) {
	var cols []string
	err := q.each(ctx, "SELECT name FROM pragma_table_info('"+strings.ReplaceAll(table, "'", "''")+"') ORDER BY cid", 1,
		func(r []string) error {
			cols = append(cols, r[0])
			return nil
		})
	return cols, err
}

func (q sqliteQ) row(ctx context.Context, sqlText string, dest ...any) error {
	return q.db.QueryRowContext(ctx, sqlText).Scan(dest...)
}

func (q sqliteQ) each(ctx context.Context, sqlText string, n int, fn func([]string) error) error {
	rows, err := q.db.QueryContext(ctx, sqlText)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]sql.NullString, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	row := make([]string, n)
	for k := 1; rows.Next(); k++ {
		if k%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			row[i] = v.String // "" when NULL
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}
