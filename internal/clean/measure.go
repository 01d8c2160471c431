package clean

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/health"
	rc "github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/store"
)

// Measure reads the clean store at path once and returns what a loaded generation must
// reproduce exactly (reconcile.Measures): every contract table as the loader copies it
// (contracted and derived columns, then the lineage _source_file and _source_row) and the
// quarantine. Rendering and hashing are reconcile's, so PostgreSQL can compute the same.
func Measure(ctx context.Context, s *contract.Spec, path string) (*rc.Measures, error) {
	return MeasureChecked(ctx, s, path, nil)
}

// MeasureChecked is Measure with the health checked at the start and every few rows (h nil:
// no checks).
func MeasureChecked(ctx context.Context, s *contract.Spec, path string, h *health.Checker) (*rc.Measures, error) {
	if err := h.Now(); err != nil {
		return nil, err
	}
	db, err := store.OpenReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("clean store: %w", err)
	}
	defer db.Close()
	m := &rc.Measures{Tables: map[string]*rc.Table{}}
	for _, t := range s.Tables {
		var sel, names []string
		var types []contract.Type
		for _, c := range t.Columns {
			sel, names, types = append(sel, "c."+store.Quote(c.Name)), append(names, c.Name), append(types, c.Type)
		}
		for _, d := range t.Derived {
			sel, names, types = append(sel, "c."+store.Quote(d.Name)), append(names, d.Name), append(types, d.Type)
		}
		sel = append(sel, "f.name", "c._row")
		names, types = append(names, "_source_file", "_source_row"), append(types, contract.Text, contract.Integer)
		q := fmt.Sprintf(`SELECT %s FROM %s c JOIN import_file f ON f.id = c._file_id`, strings.Join(sel, ", "), store.Quote(t.Name))
		if m.Tables[t.Name], err = measureRows(ctx, db, q, names, types, false, h); err != nil {
			return nil, fmt.Errorf("measure clean %s: %w", t.Name, err)
		}
	}
	names, types := QuarantineColumns()
	q := `SELECT ` + strings.Join(names, ", ") + ` FROM quarantine`
	if m.Tables["quarantine"], err = measureRows(ctx, db, q, names, types, true, h); err != nil {
		return nil, fmt.Errorf("measure clean quarantine: %w", err)
	}
	return m, nil
}

// QuarantineColumns are the quarantine's columns as the loader copies them, with their types.
func QuarantineColumns() ([]string, []contract.Type) {
	return []string{"table_name", "source_file", "source_row", "source_line", "column_name", "rule", "severity", "raw_value", "reason", "record"},
		[]contract.Type{contract.Text, contract.Text, contract.Integer, contract.Integer, contract.Text, contract.Text, contract.Text, contract.Text, contract.Text, contract.Text}
}

func measureRows(ctx context.Context, db *sql.DB, q string, names []string, types []contract.Type, escapeNUL bool, h *health.Checker) (*rc.Table, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	raw := make([]sql.NullString, len(names))
	scan := make([]any, len(names))
	vals := make([]*string, len(names))
	for i := range raw {
		scan[i] = &raw[i]
	}
	acc := rc.NewTableAcc(names, types)
	for rows.Next() {
		if err := rows.Scan(scan...); err != nil {
			return nil, err
		}
		if err := h.Tick(); err != nil {
			return nil, err
		}
		for i, r := range raw {
			vals[i] = nil
			if r.Valid {
				v := r.String
				if escapeNUL { // as the loader writes it: PostgreSQL text cannot hold NUL
					v = strings.ReplaceAll(v, "\x00", `\x00`)
				}
				vals[i] = &v
			}
		}
		if err := acc.Add(vals); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return acc.Result(), nil
}
