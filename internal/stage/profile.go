package stage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/store"
)

// Profile profiles every contract table of the staging store at stagePath (stg_<table>,
// every contracted column TEXT exactly as read). sample 0 reads every row; sample N reads
// about N rows per table spread evenly over the whole table by rowid stride — never the
// first N, which would profile only the oldest export's head.
func Profile(ctx context.Context, s *contract.Spec, stagePath string, sample int) (*profile.Report, error) {
	return ProfileChecked(ctx, s, stagePath, sample, nil)
}

// ProfileChecked is Profile with the health checked at the start and every few rows (h nil:
// no checks).
func ProfileChecked(ctx context.Context, s *contract.Spec, stagePath string, sample int, h *health.Checker) (*profile.Report, error) {
	if err := h.Now(); err != nil {
		return nil, err
	}
	if sample < 0 {
		return nil, fmt.Errorf("profile: sample %d: want 0 (all rows) or a row count", sample)
	}
	db, err := store.OpenReadOnly(stagePath)
	if err != nil {
		return nil, fmt.Errorf("profile: staging store: %w", err)
	}
	defer db.Close()
	var tables []*profile.TableReport
	for _, t := range s.Tables {
		tr, err := profileTable(ctx, db, s, t, sample, h)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", t.Name, err)
		}
		tables = append(tables, tr)
	}
	return profile.NewReport(s, stagePath, sample, tables), nil
}

func profileTable(ctx context.Context, db *sql.DB, s *contract.Spec, t *contract.Table, sample int, h *health.Checker) (*profile.TableReport, error) {
	tbl := store.Quote(TableName(t))
	var total, lo, hi int64
	if err := db.QueryRowContext(ctx, "SELECT count(*), coalesce(min(rowid), 0), coalesce(max(rowid), 0) FROM "+tbl).Scan(&total, &lo, &hi); err != nil {
		return nil, err
	}
	where := ""
	if sample > 0 && total > int64(sample) {
		// rowids may have gaps (upserts delete), so the stride is over the rowid span.
		stride := (hi - lo + int64(sample)) / int64(sample)
		where = fmt.Sprintf(" WHERE (rowid - %d) %% %d = 0", lo, stride)
	}
	p := profile.NewTable(s, t)
	if err := readTable(ctx, db, t, where, func(vals []string) error {
		if err := h.Tick(); err != nil {
			return err
		}
		return p.Add(vals)
	}); err != nil {
		return nil, err
	}
	return p.Report(total), nil
}
