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
// (contracted and derived columns, then the lineage _source_file, _source_row and _import_id) and the
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
		if m.Tables[t.Name], err = measureTable(ctx, db, t, h); err != nil {
			return nil, err
		}
	}
	names, types := QuarantineColumns()
	acc := rc.NewTableAcc(names, types)
	if err := feedRows(ctx, db, `SELECT `+strings.Join(names, ", ")+` FROM quarantine`, nil, len(names), true, h, acc.Add); err != nil {
		return nil, fmt.Errorf("measure clean quarantine: %w", err)
	}
	m.Tables["quarantine"] = acc.Result()
	return m, nil
}

// measureTable measures one contract table of the clean store db.
func measureTable(ctx context.Context, db querier, t *contract.Table, h *health.Checker) (*rc.Table, error) {
	sel, names, types := measureLayout(t)
	q := fmt.Sprintf(`SELECT %s FROM %s c JOIN import_file f ON f.id = c._file_id`, strings.Join(sel, ", "), store.Quote(t.Name))
	acc := rc.NewTableAcc(names, types)
	if err := feedRows(ctx, db, q, nil, len(names), false, h, acc.Add); err != nil {
		return nil, fmt.Errorf("measure clean %s: %w", t.Name, err)
	}
	return acc.Result(), nil
}

// QuarantineColumns are the quarantine's columns as the loader copies them, with their types.
func QuarantineColumns() ([]string, []contract.Type) {
	return []string{"table_name", "source_file", "source_row", "source_line", "column_name", "rule", "severity", "raw_value", "reason", "record"},
		[]contract.Type{contract.Text, contract.Text, contract.Integer, contract.Integer, contract.Text, contract.Text, contract.Text, contract.Text, contract.Text, contract.Text}
}

// feedRows runs q and hands fn each row of its n columns as text (nil for NULL; nul: as
// loaderText), checking the health every few rows.
func feedRows(ctx context.Context, db querier, q string, args []any, n int, nul bool, h *health.Checker, fn func([]*string) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	raw := make([]sql.NullString, n)
	scan := make([]any, n)
	vals := make([]*string, n)
	for i := range raw {
		scan[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(scan...); err != nil {
			return err
		}
		if err := h.Tick(); err != nil {
			return err
		}
		for i, r := range raw {
			vals[i] = nil
			if r.Valid {
				v := r.String
				if nul {
					v = loaderText(v)
				}
				vals[i] = &v
			}
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}
