package stage

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/exports"
	"github.com/sdetl/sdetl/internal/store"
)

// The scope filter of SPEC section 3, decided row by row while importing.
//
// A row whose scope cannot be decided (its ticket id or date does not parse) is kept, so that
// the clean stage quarantines it with a reason instead of the filter dropping it silently.

type decision uint8

const (
	keep          decision = iota
	drop                   // out of scope: counted in the audit, not staged
	keepIfTouched          // activity after the cutoff: kept only if its ticket turns out touched
)

// filter decides the scope of one table's rows.
type filter struct {
	describe   string
	decide     func(im *importer, row []string) (decision, string) // and the row's scope date, if any
	lastTicket int64                                               // ticket of the last keepIfTouched row
}

// filterFor returns the scope filter of table t, or nil when its rows are all kept.
func (im *importer) filterFor(t *contract.Table, m *contract.Mapping) *filter {
	sc := im.scope
	if sc == nil {
		return nil
	}
	src := func(col string) int { return m.Source[t.ColumnIndex(col)] }
	switch t.Name {
	case sc.Roster.Table:
		im.roster = map[string]bool{}
		user := src(sc.Roster.User)
		return &filter{describe: "roster: every row kept", decide: func(im *importer, row []string) (decision, string) {
			if u := normUser(im, exports.Cell(row, user)); u != "" {
				im.roster[u] = true
			}
			return keep, ""
		}}
	case sc.Activity.Table:
		tk, user, tm := src(sc.Activity.Ticket), src(sc.Activity.User), src(sc.Activity.Time)
		tmCol := t.Column(sc.Activity.Time)
		f := &filter{describe: fmt.Sprintf("%s >= %s on a ticket touched by the roster", sc.Activity.Time, im.cutoff)}
		f.decide = func(im *importer, row []string) (decision, string) {
			ticket, okT := im.intValue(exports.Cell(row, tk))
			date, okD := im.dateValue(tmCol, exports.Cell(row, tm))
			if !okT || !okD {
				return keep, date
			}
			if date < im.cutoff {
				return drop, date
			}
			if im.roster[normUser(im, exports.Cell(row, user))] {
				im.touched[ticket] = true
			}
			f.lastTicket = ticket
			return keepIfTouched, date
		}
		return f
	case sc.Tickets.Table:
		key := src(sc.Tickets.Key)
		return &filter{describe: "touched by the roster after " + im.cutoff, decide: func(im *importer, row []string) (decision, string) {
			id, ok := im.intValue(exports.Cell(row, key))
			if ok && !im.touched[id] {
				return drop, ""
			}
			return keep, ""
		}}
	}
	for _, d := range sc.Dated {
		if d.Table != t.Name {
			continue
		}
		col := t.Column(d.Column)
		i := src(d.Column)
		return &filter{describe: fmt.Sprintf("%s >= %s", d.Column, im.cutoff), decide: func(im *importer, row []string) (decision, string) {
			date, ok := im.dateValue(col, exports.Cell(row, i))
			if ok && date < im.cutoff {
				return drop, date
			}
			return keep, date
		}}
	}
	return nil
}

// intValue converts a raw id the way the clean stage will; ok=false when it cannot.
func (im *importer) intValue(raw string) (int64, bool) {
	r, err := im.norm.Normalize(contract.Integer, im.o.Spec.DateOrder, raw)
	if err != nil || r.Null {
		return 0, false
	}
	v, err := strconv.ParseInt(r.Value, 10, 64)
	return v, err == nil
}

// dateValue converts a raw date or timestamp to its canonical text (which sorts like the
// instant), the way the clean stage will; ok=false when it cannot.
func (im *importer) dateValue(c *contract.Column, raw string) (string, bool) {
	r, err := im.norm.NormalizeColumn(c, raw)
	if err != nil || r.Null {
		return "", false
	}
	return r.Value, true
}

func normUser(im *importer, raw string) string {
	if im.norm.IsNull(raw) {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(raw))
}

// scopeRoster is the roster table's name, or "" without a scope filter.
func (im *importer) scopeRoster() string {
	if im.scope == nil {
		return ""
	}
	return im.scope.Roster.Table
}

// loadScope reads the tickets earlier imports found touched: activity of an earlier period
// keeps its tickets in scope.
func (im *importer) loadScope(ctx context.Context) error {
	im.touched = map[int64]bool{}
	rows, err := im.db.QueryContext(ctx, `SELECT ticket FROM scope_touched`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		im.touched[id] = true
	}
	return rows.Err()
}

// loadRoster takes the roster from the staging store when its file was skipped as unchanged.
func (im *importer) loadRoster(ctx context.Context, t *contract.Table) error {
	im.roster = map[string]bool{}
	rows, err := im.db.QueryContext(ctx, "SELECT "+store.Quote(im.scope.Roster.User)+" FROM "+store.Quote(TableName(t)))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return err
		}
		if u = normUser(im, u); u != "" {
			im.roster[u] = true
		}
	}
	return rows.Err()
}

// saveTouched records the touched tickets for later imports.
func (im *importer) saveTouched(ctx context.Context, tx *sql.Tx) error {
	if im.touched == nil {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO scope_touched VALUES (?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	// In ticket order, not the map's (random) order: the table's B-tree, and so every page
	// after it, then comes out the same in every run of the same exports.
	for _, id := range slices.Sorted(maps.Keys(im.touched)) {
		if _, err := st.ExecContext(ctx, id); err != nil {
			return err
		}
	}
	return nil
}
