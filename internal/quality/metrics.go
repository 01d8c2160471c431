package quality

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sdetl/sdetl/internal/report"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// Metrics are the counts the rules are computed from: everything the score knows about a store.
// Collect measures them; tests build them by hand.
type Metrics struct {
	Source string                   // which store: stage, clean, postgres
	Tables map[string]*TableMetrics // by contract table name
	Orders map[string]*OrderMetrics // by OrderKey
	Refs   map[string]*RefMetrics   // by RefKey
	Shares map[string]*ShareMetrics // by share name
}

// TableMetrics are one table's counts.
type TableMetrics struct {
	Columns []string                  // the columns the store holds, lineage (names starting with _) excluded
	Rows    int64                     // rows in the table
	Cols    map[string]*ColumnMetrics // by contracted column name
	Keys    *KeyMetrics               // natural-key uniqueness; nil for a table without a key
}

// ColumnMetrics are one column's counts. Every value is judged by what values.Normalize makes
// of it under the contracted type, so raw and canonical stores are measured by one yardstick.
type ColumnMetrics struct {
	NonNull     int64 // not '', whitespace or a sentinel
	Invalid     Issue // does not normalise as the contracted type
	Reformatted Issue // integer: valid, but not in canonical form ("3652948.0", "+7", "007")
	NotPositive Issue // integer: <= 0 (< 0 where 0 is a valid id)
	OutOfRange  Issue // date/month outside the plausible window; number outside its configured range
	TooLong     Issue // text: more characters than text.max_length
	NUL         Issue // text: holds a NUL byte
	NewlineRun  Issue // text: holds a run of text.max_newline_run or more newlines
	Ellipsis    Issue // text: at least text.ellipsis_min_length characters, ending mid-word with "..."
	// Text values of exactly each of text.truncation_lengths characters, and values longer.
	// Values piling up at a length nothing exceeds are the signature of a cut.
	AtLength map[int]*Issue
	Longer   map[int]int64
}

// Issue counts the values with one problem and keeps a few of them.
type Issue struct {
	N        int64    `json:"n"`
	Examples []string `json:"examples,omitempty"`
}

// KeyMetrics measure natural-key uniqueness (computed by the store, in SQL).
type KeyMetrics struct {
	Keyed      int64    // rows whose key columns are all populated
	Duplicates int64    // rows beyond the first of each key
	Groups     int64    // keys held by more than one row
	Examples   []string // duplicated keys, "a | b"
}

// OrderMetrics measure one date order (e.g. created <= modified <= closure).
type OrderMetrics struct {
	Compared   int64 // rows with at least two of the columns populated and valid
	Violations int64 // rows where a later column holds an earlier date
	Examples   []string
}

// RefMetrics measure one foreign key (computed by the store, in SQL).
type RefMetrics struct {
	Values   int64    // rows with the referencing column populated
	Orphans  int64    // of those, rows whose value has no referenced row
	Examples []string // orphan values
}

// ShareMetrics measure the share of one value in a column.
type ShareMetrics struct {
	Values  int64 // populated values
	Matches int64 // values equal to the share's value (canonical)
}

// OrderKey identifies an order rule: "tickets: a <= b <= c".
func OrderKey(o contract.Order) string { return o.Table + ": " + strings.Join(o.Columns, " <= ") }

// RefKey identifies a reference rule: "comments.ticket_id -> tickets.TKT-Ticket ID".
func RefKey(r contract.Reference) string {
	return r.Table + "." + r.Column + " -> " + r.To + "." + r.ToColumn
}

const (
	maxExamples   = 5
	maxExampleLen = 60 // runes kept of an example value
)

func (is *Issue) add(col, v string) {
	is.N++
	if len(is.Examples) < maxExamples {
		is.Examples = addExample(is.Examples, col+": "+report.Shorten(v, maxExampleLen))
	}
}

// addSnippet counts a value and keeps snippet (already short) as its example.
func (is *Issue) addSnippet(col, snippet string) {
	is.N++
	if len(is.Examples) < maxExamples {
		is.Examples = addExample(is.Examples, col+": "+snippet)
	}
}

func addExample(xs []string, e string) []string {
	for _, x := range xs {
		if x == e {
			return xs
		}
	}
	return append(xs, e)
}

// accumulator turns a table's rows (contracted columns as text, in contract order; NULL as "")
// into its column, order and share metrics. It keeps no rows: memory is bounded by the examples.
type accumulator struct {
	t     *contract.Table
	norm  *values.Normalizer
	text  contract.TextRules
	short int // text shorter than this many bytes can only fail the NUL check (shortText)
	cols  []colCheck
	canon []string // the current row's canonical values ("" = null or invalid)

	orders []orderCheck
	shares []shareCheck
	rows   int64
	tm     *TableMetrics // the column metrics (Columns, Rows and Keys are filled in by into and Collect)
}

type colCheck struct {
	c        *contract.Column
	m        *ColumnMetrics
	zeroOK   bool             // integer: 0 is a valid id
	rng      *contract.Range  // numeric: configured plausible range
	lo, hi   string           // dated: plausible window in the type's canonical form
	canonize bool             // text: a share needs the canonical value
	kind     valueKind        // which checks value makes of a normalised value
	last     values.LastValue // the column's last short value normalised: rows repeat the row before
}

type orderCheck struct {
	key string // OrderKey
	idx []int
	m   *OrderMetrics
}

type shareCheck struct {
	name  string
	idx   int
	value string
	m     *ShareMetrics
}

func newAccumulator(s *contract.Spec, t *contract.Table, now time.Time) *accumulator {
	q := &s.Quality
	a := &accumulator{t: t, norm: values.NewNormalizer(s.Sentinels), text: q.Text, short: shortText(q.Text),
		canon: make([]string, len(t.Columns)), tm: &TableMetrics{Cols: map[string]*ColumnMetrics{}}}
	lo, hi := q.DateWindow(now)
	for _, c := range t.Columns {
		cc := colCheck{c: c, m: &ColumnMetrics{}, zeroOK: q.ZeroID(t.Name, c.Name)}
		for i := range q.Ranges {
			if r := &q.Ranges[i]; r.Table == t.Name && r.Column == c.Name {
				cc.rng = r
			}
		}
		switch c.Type {
		case contract.Timestamp:
			cc.lo, cc.hi = lo.Format(time.DateTime), hi.Format(time.DateTime)
		case contract.Timestamptz: // canonical "...+00" sorts as its instant ('.' > '+')
			cc.lo, cc.hi = lo.Format(time.DateTime)+"+00", hi.Format(time.DateTime)+"+00"
		case contract.Date:
			cc.lo, cc.hi = lo.Format(time.DateOnly), hi.Format(time.DateOnly)
		case contract.Month:
			cc.lo, cc.hi = lo.Format("2006-01"), hi.Format("2006-01")
		}
		switch c.Type {
		case contract.Integer:
			cc.kind = kindInteger
		case contract.Decimal:
			cc.kind = kindDecimal
		case contract.Timestamp, contract.Timestamptz, contract.Date, contract.Month:
			cc.kind = kindDated
		case contract.Text:
			cc.kind = kindText
		}
		a.tm.Cols[c.Name] = cc.m
		a.cols = append(a.cols, cc)
	}
	for _, o := range q.Order {
		if o.Table != t.Name {
			continue
		}
		oc := orderCheck{key: OrderKey(o), m: &OrderMetrics{}}
		for _, c := range o.Columns {
			oc.idx = append(oc.idx, t.ColumnIndex(c))
		}
		a.orders = append(a.orders, oc)
	}
	for _, sh := range q.Shares {
		if sh.Table != t.Name {
			continue
		}
		sc := shareCheck{name: sh.Name, idx: t.ColumnIndex(sh.Column), value: sh.Value, m: &ShareMetrics{}}
		a.cols[sc.idx].canonize = true
		a.shares = append(a.shares, sc)
	}
	return a
}

// into puts what a measured into m, under table columns cols (as the store holds them).
func (a *accumulator) into(m *Metrics, cols []string) {
	a.tm.Columns, a.tm.Rows = cols, a.rows
	m.Tables[a.t.Name] = a.tm
	for _, o := range a.orders {
		m.Orders[o.key] = o.m
	}
	for _, sc := range a.shares {
		m.Shares[sc.name] = sc.m
	}
}

// add measures one row.
func (a *accumulator) add(row []string) error {
	if len(row) != len(a.cols) {
		return fmt.Errorf("%s: row has %d values, the contract %d columns", a.t.Name, len(row), len(a.cols))
	}
	a.rows++
	for i, raw := range row {
		v, err := a.value(&a.cols[i], raw)
		if err != nil {
			return err
		}
		a.canon[i] = v
	}
	for _, o := range a.orders {
		a.order(o)
	}
	for _, sc := range a.shares {
		if v := a.canon[sc.idx]; v != "" {
			sc.m.Values++
			if v == sc.value {
				sc.m.Matches++
			}
		}
	}
	return nil
}

// value measures one cell and returns its canonical text ("" when null or invalid).
func (a *accumulator) value(cc *colCheck, raw string) (string, error) {
	m, name := cc.m, cc.c.Name
	if cc.kind == kindText && !cc.canonize {
		// Text never fails to normalise; only its null-ness matters, and the checks below
		// judge the value as stored.
		if a.norm.IsNull(raw) {
			return "", nil
		}
		m.NonNull++
		a.checkText(cc, raw)
		return raw, nil
	}
	r, err := cc.last.NormalizeColumn(a.norm, cc.c, raw)
	if err != nil {
		var ve *values.ValueError
		if !errors.As(err, &ve) {
			return "", fmt.Errorf("%s.%s: %w", a.t.Name, name, err)
		}
		m.NonNull++
		m.Invalid.add(name, raw)
		return "", nil
	}
	if r.Null {
		return "", nil
	}
	m.NonNull++
	v := r.Value
	switch cc.kind {
	case kindInteger:
		if r.Changes&(values.ChangeFloatInt|values.ChangeNumber) != 0 {
			m.Reformatted.add(name, raw)
		}
		if v[0] == '-' || v == "0" && !cc.zeroOK {
			m.NotPositive.add(name, raw)
		}
		a.checkRange(cc, v, raw)
	case kindDecimal:
		a.checkRange(cc, v, raw)
	case kindDated:
		if v < cc.lo || v > cc.hi {
			m.OutOfRange.add(name, v)
		}
	case kindText:
		a.checkText(cc, raw)
	}
	return v, nil
}

// valueKind is a column type as value's checks tell them apart: precomputed, as a type is a
// string and comparing it per value cost a tenth of the score's accumulation.
type valueKind uint8

const (
	kindOther   valueKind = iota // boolean, flag, time: only validity and null-ness
	kindInteger                  // reformatting, sign, range
	kindDecimal                  // range
	kindDated                    // the plausible window
	kindText                     // the text checks
)

func (a *accumulator) checkRange(cc *colCheck, v, raw string) {
	if cc.rng == nil {
		return
	}
	f, err := strconv.ParseFloat(v, 64) // canonical decimal: always parses; range bounds are float64 anyway
	if err != nil || !cc.rng.Contains(f) {
		cc.m.OutOfRange.add(cc.c.Name, raw)
	}
}

// shortText is the byte length from which a text value can fail a check other than NUL: a
// value of fewer bytes has fewer newlines than a run, and fewer runes (at most one per byte)
// than the maximum length, every truncation length and the ellipsis length.
func shortText(tr contract.TextRules) int {
	n := min(tr.MaxNewlineRun, tr.MaxLength+1, tr.EllipsisMinLength)
	for _, l := range tr.TruncationLengths {
		n = min(n, l)
	}
	return n
}

// checkText runs the text hygiene checks on a stored value. The cheap byte-length tests come
// first: 2 KB comments are the bulk of the data, short codes and names the most values.
func (a *accumulator) checkText(cc *colCheck, raw string) {
	m, name, tr := cc.m, cc.c.Name, &a.text
	if i := strings.IndexByte(raw, 0); i >= 0 {
		m.NUL.addSnippet(name, around(raw, i, i+1, ""))
	}
	if len(raw) < a.short {
		return
	}
	if i, j := newlineRun(raw, tr.MaxNewlineRun); i >= 0 {
		for j < len(raw) && (raw[j] == '\n' || raw[j] == '\r') {
			j++
		}
		n := strings.Count(raw[i:j], "\n") + strings.Count(raw[i:j], "\r") - strings.Count(raw[i:j], "\r\n")
		m.NewlineRun.addSnippet(name, around(raw, i, j, fmt.Sprintf("[%d newlines]", n)))
	}
	runes := -1             // counted on demand, and only when the byte length cannot tell
	vs := func(n int) int { // the value's rune count compared with n: -1, 0 or 1
		switch {
		case len(raw) < n: // a rune is at least one byte
			return -1
		case (len(raw)+utf8.UTFMax-1)/utf8.UTFMax > n: // and at most UTFMax (RuneCount counts a bad byte as one)
			return 1
		}
		if runes < 0 {
			runes = values.RuneCount(raw)
		}
		return cmp.Compare(runes, n)
	}
	if len(raw) > tr.MaxLength && vs(tr.MaxLength) > 0 {
		m.TooLong.add(name, raw)
	}
	for _, n := range tr.TruncationLengths {
		switch vs(n) {
		case 0:
			if m.AtLength == nil {
				m.AtLength = map[int]*Issue{}
			}
			if m.AtLength[n] == nil {
				m.AtLength[n] = &Issue{}
			}
			m.AtLength[n].add(name, raw)
		case 1:
			if m.Longer == nil {
				m.Longer = map[int]int64{}
			}
			m.Longer[n]++
		}
	}
	if len(raw) >= tr.EllipsisMinLength && endsMidWord(raw) && vs(tr.EllipsisMinLength) >= 0 {
		m.Ellipsis.N++
		if len(m.Ellipsis.Examples) < maxExamples {
			m.Ellipsis.Examples = addExample(m.Ellipsis.Examples, name+": "+tail(raw))
		}
	}
}

// tail keeps the last maxExampleLen runes of a value: where a cut shows.
func tail(s string) string {
	n := 0
	for i := len(s); i > 0; {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
		if n++; n == maxExampleLen {
			return "…" + s[i:]
		}
	}
	return s
}

// endsMidWord reports a value cut off with an ellipsis right after a letter or digit ("the
// customer repor...").
func endsMidWord(s string) bool {
	s = strings.TrimRight(s, " \t\r\n")
	var rest string
	switch {
	case strings.HasSuffix(s, "..."):
		rest = s[:len(s)-3]
	case strings.HasSuffix(s, "…"):
		rest = s[:len(s)-len("…")]
	default:
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(rest)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// newlineRun finds the first run of at least n consecutive newlines (LF, CR LF or lone CR) in
// s and returns its byte range up to where it reached n, or -1, -1.
func newlineRun(s string, n int) (int, int) {
	if strings.Count(s, "\n")+strings.Count(s, "\r") < n {
		return -1, -1
	}
	run, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				continue // CR LF is one newline, counted at the LF
			}
		default:
			run = 0
			continue
		}
		if run == 0 {
			start = i
			if i > 0 && s[i] == '\n' && s[i-1] == '\r' {
				start--
			}
		}
		if run++; run >= n {
			return start, i + 1
		}
	}
	return -1, -1
}

// around renders s[i:j] with a little context on each side, replacing s[i:j] by mark when
// mark is not empty.
func around(s string, i, j int, mark string) string {
	const context = 24 // bytes each side, widened to rune boundaries
	lo, hi := max(0, i-context), min(len(s), j+context)
	for lo > 0 && !utf8.RuneStart(s[lo]) {
		lo--
	}
	for hi < len(s) && !utf8.RuneStart(s[hi]) {
		hi++
	}
	mid := s[i:j]
	if mark != "" {
		mid = mark
	}
	out := s[lo:i] + mid + s[j:hi]
	if lo > 0 {
		out = "…" + out
	}
	if hi < len(s) {
		out += "…"
	}
	return out
}

// order counts a row whose dates go backwards along the chain (each populated column must be
// <= every later populated one; canonical timestamps and dates sort as text).
func (a *accumulator) order(o orderCheck) {
	present := 0
	for _, i := range o.idx {
		if a.canon[i] != "" {
			present++
		}
	}
	if present < 2 {
		return
	}
	o.m.Compared++
	for x, i := range o.idx {
		for _, j := range o.idx[x+1:] {
			vi, vj := a.canon[i], a.canon[j]
			if vi == "" || vj == "" || vi <= vj {
				continue
			}
			o.m.Violations++
			if len(o.m.Examples) < maxExamples {
				e := fmt.Sprintf("%s > %s: %s > %s", a.t.Columns[i].Name, a.t.Columns[j].Name, vi, vj)
				if k := a.keyText(); k != "" {
					e = k + ": " + e
				}
				o.m.Examples = addExample(o.m.Examples, e)
			}
			return
		}
	}
}

// keyText names the current row by its natural key, for examples.
func (a *accumulator) keyText() string {
	var parts []string
	for _, k := range a.t.Key {
		parts = append(parts, k+"="+a.canon[a.t.ColumnIndex(k)])
	}
	return strings.Join(parts, ", ")
}
