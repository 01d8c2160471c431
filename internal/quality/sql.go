package quality

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/report"
)

// SQLStore says how one store answers the score in SQL. The stores differ only in where a
// table lives, what "null" means in SQL and how a typed value is rendered as canonical text;
// the adapters (stage, clean, postgres) fill it in, so this package imports no driver.
type SQLStore struct {
	Name     string
	Q        Querier
	Schema   string                         // PostgreSQL schema; "" for SQLite
	Table    func(t *contract.Table) string // the table's name in the store
	Quote    func(name string) string       // quotes an identifier for the engine
	RawNulls bool                           // raw text: '', whitespace and sentinels are null, not only NULL
	Typed    bool                           // typed columns (PostgreSQL): render as canonical text
	// ISODates (with Typed): the session's DateStyle is ISO, so a date or timestamp of the years
	// 1 to 9999 renders as its canonical text by ::text, several times cheaper than to_char (five
	// timestamp columns' to_char were three quarters of the event log's read-back on the server).
	// Outside those years (BC, five-digit years, infinity) ::text differs, and to_char renders.
	ISODates bool
}

// Querier runs SQL on one engine.
type Querier interface {
	// Columns lists a table's columns in order; none when the table does not exist.
	Columns(ctx context.Context, schema, table string) ([]string, error)
	Row(ctx context.Context, q string, dest ...any) error
	// Each calls fn with every row of q's n text columns (NULL as "").
	Each(ctx context.Context, q string, n int, fn func([]string) error) error
}

// NewSQLSource is the one Source implementation, over any engine st describes.
func NewSQLSource(st SQLStore) Source { return &sqlSource{st} }

type sqlSource struct{ SQLStore }

func (s *sqlSource) Name() string { return s.SQLStore.Name }

func (s *sqlSource) quote(name string) string { return s.Quote(name) }

func (s *sqlSource) from(t *contract.Table) string {
	if s.Schema != "" {
		return s.quote(s.Schema) + "." + s.quote(s.Table(t))
	}
	return s.quote(s.Table(t))
}

// rawSpace is the SQL literal of the characters a raw store's null test trims.
const rawSpace = "' \t\n\v\f\r'"

// present is the SQL predicate "expr holds a value" (false or NULL when it does not).
func (s *sqlSource) present(sp *contract.Spec, expr string) string {
	if !s.RawNulls {
		return expr + " IS NOT NULL"
	}
	nulls, firsts := rawNullTexts(sp)
	quoted := make([]string, len(nulls))
	for i, x := range nulls {
		quoted[i] = "'" + strings.ReplaceAll(x, "'", "''") + "'"
	}
	// The characters trimmed are a literal (space, \t, \n, \v, \f, \r): built with char() they
	// were built again for every value, a fifth of the stage score's key and orphan queries.
	full := fmt.Sprintf("lower(trim(%s, %s)) NOT IN (%s)", expr, rawSpace, strings.Join(quoted, ", "))
	// Most values need neither trim nor lower: one whose first character is no trimmed space
	// (all are below 33) and no null's first character (in either ASCII case) cannot trim to a
	// null. unicode() reads that character without copying the value, so only the rest pay for
	// the full test: the stage score's null tests cost less than half.
	fast := []string{"unicode(" + expr + ") > 32"}
	for _, r := range slices.Sorted(maps.Keys(firsts)) {
		if r > 32 {
			fast = append(fast, fmt.Sprintf("unicode(%s) <> %d", expr, r))
		}
	}
	return "(" + strings.Join(fast, " AND ") + " OR " + full + ")"
}

// rawNullTexts are the texts a raw store's value is null as, once trimmed of rawSpace and
// lowered (ASCII only, as SQLite's lower()): the empty text and the sentinels; and the first characters
// of the sentinels, in both ASCII cases.
func rawNullTexts(sp *contract.Spec) ([]string, map[rune]bool) {
	nulls := []string{""}
	firsts := map[rune]bool{}
	for _, x := range sp.Sentinels {
		if x = strings.TrimSpace(x); x != "" {
			x = strings.ToLower(x)
			nulls = append(nulls, x)
			r, _ := utf8.DecodeRuneInString(x)
			firsts[r] = true
			if 'a' <= r && r <= 'z' { // SQLite's lower() folds ASCII only
				firsts[r-'a'+'A'] = true
			}
		}
	}
	return nulls, firsts
}

// RawPresence is a raw store's SQL null test (present) in Go, for code that sees the values
// as they are written and must agree with the store's SQL about them exactly.
type RawPresence struct{ nulls []string }

// NewRawPresence is the test of sp's sentinels.
func NewRawPresence(sp *contract.Spec) RawPresence {
	nulls, _ := rawNullTexts(sp)
	return RawPresence{nulls}
}

// Present says whether the SQL of a raw store counts v as holding a value: lower(trim(v,
// rawSpace)) is none of the null texts.
func (p RawPresence) Present(v string) bool {
	v = strings.Trim(v, " \t\n\v\f\r")
	var low []byte // lowered only when it has an ASCII capital: most values have none
	for i := 0; i < len(v); i++ {
		if c := v[i]; 'A' <= c && c <= 'Z' {
			if low == nil {
				low = []byte(v)
			}
			low[i] = c + 'a' - 'A'
		}
	}
	if low != nil {
		v = string(low)
	}
	return !slices.Contains(p.nulls, v)
}

// text renders expr, a column of type t, as its canonical text. PostgreSQL's text output of
// numbers, booleans and times is canonical already; dates and timestamps go through to_char so
// the session's DateStyle cannot change them.
func (s *sqlSource) text(expr string, t contract.Type) string {
	if !s.Typed {
		return expr
	}
	switch t {
	case contract.Timestamp:
		return s.isoText(expr, stampText(expr))
	case contract.Timestamptz:
		utc := "(" + expr + ") AT TIME ZONE 'UTC'"
		return "(" + s.isoText(utc, stampText(utc)) + " || '+00')"
	case contract.Date:
		return s.isoText(expr, "to_char("+expr+", 'YYYY-MM-DD')")
	}
	return expr + "::text"
}

// stampText renders a timestamp with to_char: the canonical fraction has no trailing zeros
// and no point for a whole second, so the microseconds' zeros are trimmed, then a bare point
// (rtrim stops at the point).
func stampText(expr string) string {
	return "rtrim(rtrim(to_char(" + expr + ", 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.')"
}

// isoText is expr's ::text where that is its canonical text (ISODates, years 1 to 9999: ISO
// output is zero-padded fields and the fraction without trailing zeros, as the to_char form),
// else viaToChar.
func (s *sqlSource) isoText(expr, viaToChar string) string {
	if !s.ISODates {
		return viaToChar
	}
	return "CASE WHEN " + ISOYears(expr) + " THEN (" + expr + ")::text ELSE " + viaToChar + " END"
}

// ISOYears is the condition that a date or timestamp expr is of the years 1 to 9999: those
// whose ::text under the ISO DateStyle is their canonical text.
func ISOYears(expr string) string {
	return expr + " >= '0001-01-01' AND " + expr + " < '10000-01-01'"
}

// bytewise makes a text expression sort in byte order, so every store picks the same examples
// (PostgreSQL would otherwise sort by the database's collation; SQLite's default is bytewise).
func (s *sqlSource) bytewise(expr string) string {
	if s.Typed {
		return "(" + expr + `) COLLATE "C"`
	}
	return expr
}

func (s *sqlSource) Columns(ctx context.Context, t *contract.Table) ([]string, error) {
	all, err := s.Q.Columns(ctx, s.Schema, s.Table(t))
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

func (s *sqlSource) Rows(ctx context.Context, t *contract.Table, fn func([]string) error) error {
	sel := s.RowSelect(t)
	return s.Q.Each(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+s.From(t), len(sel), fn)
}

// RowSelect is the select list Rows reads table t with, FROM From(t): each contracted column's
// canonical text, in contract order. An adapter that reads more of each row in the same scan
// (the load's row hashes) selects these first, so the score sees the same values.
func (st SQLStore) RowSelect(t *contract.Table) []string {
	s := &sqlSource{st}
	sel := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		sel[i] = s.text(s.quote(c.Name), c.Type)
	}
	return sel
}

// From is the table t as the store's SQL names it.
func (st SQLStore) From(t *contract.Table) string { return (&sqlSource{st}).from(t) }

// Keys groups the keyed rows once: every group comes back with its size, and the text of the
// duplicated ones, so the totals and the examples (the largest groups, then the smallest text
// bytewise, as ORDER BY count(*) DESC, text COLLATE "C" would pick) come from one GROUP BY. A
// raw store has duplicates, and a second GROUP BY for their examples cost as much as the first.
func (s *sqlSource) Keys(ctx context.Context, sp *contract.Spec, t *contract.Table) (*KeyMetrics, error) {
	km, _, err := s.keys(ctx, sp, t, "", "")
	return km, err
}

// KeysWhere is Keys over only the rows filter (an SQL predicate on t's columns) selects: for
// a store that knows, from an index, which rows cannot be in a duplicated group. It also
// returns how many of the rows it grouped have counted (an SQL expression) not NULL, counted
// in the same GROUP BY: a store that needs such a count of the selected rows (the stage's rows
// of a shared _key) need not read them a second time.
func (st SQLStore) KeysWhere(ctx context.Context, sp *contract.Spec, t *contract.Table, filter, counted string) (*KeyMetrics, int64, error) {
	return (&sqlSource{st}).keys(ctx, sp, t, filter, counted)
}

func (s *sqlSource) keys(ctx context.Context, sp *contract.Spec, t *contract.Table, filter, counted string) (*KeyMetrics, int64, error) {
	keys, where, text := make([]string, len(t.Key)), make([]string, len(t.Key)), make([]string, len(t.Key))
	for i, k := range t.Key {
		keys[i] = s.quote(k)
		where[i] = s.present(sp, keys[i])
		text[i] = s.text(keys[i], t.Column(k).Type)
	}
	if filter != "" {
		where = append([]string{"(" + filter + ")"}, where...)
	}
	sel, n := "", 2
	if counted != "" {
		sel, n = ", CAST(count("+counted+") AS TEXT)", 3
	}
	q := fmt.Sprintf("SELECT CAST(count(*) AS TEXT), CASE WHEN count(*) > 1 THEN %s END%s FROM %s WHERE %s GROUP BY %s",
		strings.Join(text, " || ' | ' || "), sel, s.from(t), strings.Join(where, " AND "), strings.Join(keys, ", "))
	km := &KeyMetrics{}
	var top topGroups
	var also int64
	err := s.Q.Each(ctx, q, n, func(r []string) error {
		n, err := strconv.ParseInt(r[0], 10, 64)
		if err != nil {
			return fmt.Errorf("key group size %q: %w", r[0], err)
		}
		km.Keyed += n
		if n > 1 {
			km.Duplicates += n - 1
			km.Groups++
			top.add(n, r[1])
		}
		if counted != "" {
			c, err := strconv.ParseInt(r[2], 10, 64)
			if err != nil {
				return fmt.Errorf("key group count %q: %w", r[2], err)
			}
			also += c
		}
		return nil
	})
	for _, g := range top {
		km.Examples = append(km.Examples, report.Shorten(g.text, maxExampleLen))
	}
	return km, also, err
}

func (s *sqlSource) Orphans(ctx context.Context, sp *contract.Spec, r contract.Reference) (*RefMetrics, error) {
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
	// Where the contract expects orphans (timesheets' crm ids: nine in ten), one scan that
	// streams them costs less than a count and a second scan for the examples; where it does
	// not, the count alone (no orphans, no examples) costs less than streaming every value.
	if !s.Typed && r.Min > 0 {
		return s.orphansOnce(ctx, join, c, fc.Type, rm)
	}
	count := "SELECT count(*), count(CASE WHEN r.k IS NULL THEN 1 END) " + join
	if !s.Typed && fc.Type == tc.Type {
		// In SQLite, c NOT IN (the referenced values) is the LEFT JOIN's r.k IS NULL: the
		// same comparison (x IN (SELECT y) takes x = y's affinity and collation), no NULL
		// among the referenced values (present), none in c (present). It probes one index
		// of them built as the subquery runs, where the join made them DISTINCT in one temp
		// B-tree and then an automatic index of those in another, and walked a join per row:
		// the stage score's scale-1 comments 0.12 to 0.10 s.
		count = fmt.Sprintf("SELECT count(*), count(CASE WHEN %s NOT IN (SELECT %s FROM %s WHERE %s) THEN 1 END) FROM %s c WHERE %s",
			c, s.quote(tc.Name), s.from(to), s.present(sp, s.quote(tc.Name)), s.from(from), s.present(sp, c))
	}
	if err := s.Q.Row(ctx, count, &rm.Values, &rm.Orphans); err != nil {
		return nil, err
	}
	if rm.Orphans == 0 {
		return rm, nil
	}
	return rm, s.orphanExamples(ctx, join, c, fc.Type, rm)
}

// orphanExamples finds the smallest distinct orphans (bytewise, or in SQLite's order of the
// column) in a second scan of join.
func (s *sqlSource) orphanExamples(ctx context.Context, join, c string, t contract.Type, rm *RefMetrics) error {
	q := fmt.Sprintf("SELECT DISTINCT %s %s AND r.k IS NULL ORDER BY 1 LIMIT %d", s.bytewise(s.text(c, t)), join, maxExamples)
	return s.Q.Each(ctx, q, 1, func(row []string) error {
		rm.Examples = append(rm.Examples, report.Shorten(row[0], maxExampleLen))
		return nil
	})
}

// orphansOnce measures a SQLite store's orphans in one scan of join: it streams each
// referencing value's orphan flag, and the orphans' type and value, and keeps the smallest
// distinct orphans in SQLite's own order (integers numerically before text bytewise, the
// column's BINARY collation), as the second scan's SELECT DISTINCT ... ORDER BY 1 would pick
// them. That scan, which repeated the whole join, is left only for a real or a blob orphan.
func (s *sqlSource) orphansOnce(ctx context.Context, join, c string, t contract.Type, rm *RefMetrics) (*RefMetrics, error) {
	q := fmt.Sprintf("SELECT CASE WHEN r.k IS NULL THEN typeof(%[1]s) END, CASE WHEN r.k IS NULL THEN %[1]s END %s", c, join)
	var low smallest
	other := false
	err := s.Q.Each(ctx, q, 2, func(r []string) error {
		rm.Values++
		switch r[0] {
		case "": // referenced (typeof never is "")
			return nil
		case "integer":
			n, err := strconv.ParseInt(r[1], 10, 64)
			if err != nil {
				return fmt.Errorf("orphan %q: %w", r[1], err)
			}
			low.add(orphan{true, n, r[1]})
		case "text":
			low.add(orphan{false, 0, r[1]})
		default:
			other = true
		}
		rm.Orphans++
		return nil
	})
	if err != nil || rm.Orphans == 0 {
		return rm, err
	}
	if other {
		return rm, s.orphanExamples(ctx, join, c, t, rm)
	}
	for _, o := range low {
		rm.Examples = append(rm.Examples, report.Shorten(o.text, maxExampleLen))
	}
	return rm, nil
}

// orphan is one distinct orphan value: an integer or a text.
type orphan struct {
	integer bool
	n       int64
	text    string
}

// before is SQLite's order of the two (BINARY collation): integers first.
func (a orphan) before(b orphan) bool {
	if a.integer != b.integer {
		return a.integer
	}
	if a.integer {
		return a.n < b.n
	}
	return a.text < b.text
}

// smallest keeps the maxExamples smallest distinct orphans, in order.
type smallest []orphan

func (l *smallest) add(o orphan) {
	if len(*l) == maxExamples && !o.before((*l)[maxExamples-1]) {
		return
	}
	i := sort.Search(len(*l), func(i int) bool { return !(*l)[i].before(o) })
	if i < len(*l) && !o.before((*l)[i]) { // equal: already kept
		return
	}
	*l = slices.Insert(*l, i, o)
	if len(*l) > maxExamples {
		*l = (*l)[:maxExamples]
	}
}

// topGroups keeps the maxExamples largest key groups, ties by the smallest text (bytewise).
type topGroups []keyGroup

type keyGroup struct {
	n    int64
	text string
}

func (t *topGroups) add(n int64, text string) {
	g := keyGroup{n, text}
	before := func(a, b keyGroup) bool { return a.n > b.n || a.n == b.n && a.text < b.text }
	if len(*t) == maxExamples && !before(g, (*t)[maxExamples-1]) {
		return
	}
	i := sort.Search(len(*t), func(i int) bool { return before(g, (*t)[i]) })
	*t = slices.Insert(*t, i, g)
	if len(*t) > maxExamples {
		*t = (*t)[:maxExamples]
	}
}
