package clean

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	rc "github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/store"
)

// The reconciliation's measures (Measure) taken as the cleaner writes the store, so a run
// need not read the finished store back: each clean row as the store will return it (the
// measurer feeds them, in insertion order, which is the store's row order), each quarantine row
// the writer inserts, the rows SQL writes (duplicate-key losers, rejected rows) read back, and
// the losers the dedupe deletes taken out again. Where that cannot be exact (a value whose
// read-back spelling is not known, a removed row that held the last value equal to a min or
// max) the table is measured from the store, as Measure does.

// tableMeasure measures one table's clean rows.
type tableMeasure struct {
	acc     *rc.TableAcc
	integer []bool // columns with INTEGER affinity: the store returns them as int64 text
	vals    []*string
	strs    []string
	fileID  int64
	fileTxt string // fileID as text
	unsure  bool   // a value the store may return spelled otherwise: measure the table from it
}

// measureLayout is a table as the loader copies it: contracted and derived columns, then the
// lineage _source_file, _source_row and _import_id; sel reads it from the clean store (c the
// table, f its import_file).
func measureLayout(t *contract.Table) (sel, names []string, types []contract.Type) {
	for _, c := range t.Columns {
		sel, names, types = append(sel, "c."+store.Quote(c.Name)), append(names, c.Name), append(types, c.Type)
	}
	for _, d := range t.Derived {
		sel, names, types = append(sel, "c."+store.Quote(d.Name)), append(names, d.Name), append(types, d.Type)
	}
	sel = append(sel, "f.name", "c._row", "c._file_id")
	names, types = append(names, "_source_file", "_source_row", "_import_id"), append(types, contract.Text, contract.Integer, contract.Integer)
	return sel, names, types
}

func newTableMeasure(t *contract.Table) *tableMeasure {
	_, names, types := measureLayout(t)
	m := &tableMeasure{acc: rc.NewRemovableTableAcc(names, types), integer: make([]bool, len(names)),
		vals: make([]*string, len(names)), strs: make([]string, len(names)), fileID: -1}
	for i, c := range t.Columns {
		m.integer[i] = sqliteType(c.Type) == "INTEGER"
	}
	for i, d := range t.Derived {
		m.integer[len(t.Columns)+i] = sqliteType(d.Type) == "INTEGER"
	}
	return m
}

// add measures a clean row as inserted (cleanRow.vals: _file_id, _row, _line, columns,
// derived columns) whose file is named file.
func (m *tableMeasure) add(vals []any, file string) error {
	n := len(vals) - 3
	for i, v := range vals[3:] {
		switch x := v.(type) {
		case nil:
			m.vals[i] = nil
			continue
		case string:
			// INTEGER affinity turns canonical integer text into an integer, read back as the
			// same text; any other text would come back as something else, or as itself.
			if m.integer[i] && !canonicalInt(x) {
				m.unsure = true
			}
			m.strs[i] = x
		default:
			m.unsure = true
			m.strs[i] = fmt.Sprint(x)
		}
		m.vals[i] = &m.strs[i]
	}
	fileID, row := vals[0].(int64), vals[1].(int64)
	if fileID != m.fileID {
		m.fileID, m.fileTxt = fileID, strconv.FormatInt(fileID, 10)
	}
	m.strs[n], m.strs[n+1], m.strs[n+2] = file, strconv.FormatInt(row, 10), m.fileTxt
	m.vals[n], m.vals[n+1], m.vals[n+2] = &m.strs[n], &m.strs[n+1], &m.strs[n+2]
	return m.acc.Add(m.vals)
}

// canonicalInt reports whether s is an int64 spelled as strconv.FormatInt spells it.
func canonicalInt(s string) bool {
	_, ok := canonicalInt64(s)
	return ok
}

// canonicalInt64 is s as an int64, when s is spelled as strconv.FormatInt spells it.
func canonicalInt64(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	d := strings.TrimPrefix(s, "-")
	return n, d[0] != '+' && (d[0] != '0' || s == "0")
}

// quarMeasure measures the quarantine rows the writer inserts (cleanRow.quar).
type quarMeasure struct {
	acc  *rc.TableAcc
	vals []*string
	strs []string
}

func newQuarMeasure() *quarMeasure {
	names, types := QuarantineColumns()
	return &quarMeasure{acc: rc.NewTableAcc(names, types), vals: make([]*string, len(names)), strs: make([]string, len(names))}
}

// add measures a quarantine row as inserted: text (NUL escaped, as the loader writes it) and
// the integer source_row and source_line.
func (q *quarMeasure) add(vals []any) error {
	for i, v := range vals {
		switch x := v.(type) {
		case nil:
			q.vals[i] = nil
			continue
		case string:
			q.strs[i] = loaderText(x)
		case int64:
			q.strs[i] = strconv.FormatInt(x, 10)
		default:
			return fmt.Errorf("quarantine measure: a %T value", v)
		}
		q.vals[i] = &q.strs[i]
	}
	return q.acc.Add(q.vals)
}

// quarantineMark is the quarantine's last rowid: the rows SQL inserts next come after it (the
// quarantine is only appended to).
func quarantineMark(ctx context.Context, db querier) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT coalesce(max(rowid), 0) FROM quarantine`).Scan(&n)
	return n, err
}

// addSince measures the quarantine rows after mark, which SQL inserted.
func (q *quarMeasure) addSince(ctx context.Context, db querier, mark int64) error {
	names, _ := QuarantineColumns()
	return feedRows(ctx, db, `SELECT `+strings.Join(names, ", ")+` FROM quarantine WHERE rowid > ? ORDER BY rowid`,
		[]any{mark}, len(names), true, nil, q.acc.Add)
}

// removeLosers takes the rows dedupe is about to delete (temp.losers) back out of the table's
// measures, read as Measure reads them.
func (m *tableMeasure) removeLosers(ctx context.Context, tx querier, t *contract.Table) error {
	sel, names, _ := measureLayout(t)
	q := fmt.Sprintf(`SELECT %s FROM temp.losers l JOIN %s c ON c.rowid = l.rid JOIN import_file_names f ON f.id = c._file_id`,
		strings.Join(sel, ", "), store.Quote(t.Name))
	return feedRows(ctx, tx, q, nil, len(names), false, nil, m.acc.Remove)
}

// loaderText is a quarantine value as the loader writes it: PostgreSQL text cannot hold NUL.
func loaderText(v string) string {
	if strings.IndexByte(v, 0) < 0 {
		return v
	}
	return strings.ReplaceAll(v, "\x00", `\x00`)
}

// querier is what the measures read with: the store or its open transaction.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// measured returns the measures of the finished store: what the cleaner measured as it wrote,
// and each table it could not measure exactly as read from the store (checkSealed; named in
// remeasured).
func (c *cleaner) measured(read map[string]store.Result[*rc.Table]) (_ *rc.Measures, remeasured []string, err error) {
	m := &rc.Measures{Tables: map[string]*rc.Table{}}
	for _, t := range c.o.Spec.Tables {
		r, ok := read[t.Name]
		if !ok {
			m.Tables[t.Name] = c.measures[t.Name].acc.Result()
			continue
		}
		if r.Err != nil {
			return nil, nil, r.Err
		}
		remeasured = append(remeasured, t.Name)
		m.Tables[t.Name] = r.V
	}
	m.Tables["quarantine"] = c.quar.acc.Result()
	return m, remeasured, nil
}
