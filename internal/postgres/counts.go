package postgres

import (
	"context"
	"fmt"

	"github.com/sdetl/sdetl/internal/contract"
)

// LiveCounts are the row and quarantine counts of each table in the live schema.
type LiveCounts struct {
	Rows        map[string]int64
	Quarantined map[string]int64
}

// Counts reads the live schema's counts, for the run's final reconciliation.
func Counts(ctx context.Context, dsn string, s *contract.Spec) (*LiveCounts, error) {
	conn, err := Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	lc := &LiveCounts{Rows: map[string]int64{}, Quarantined: map[string]int64{}}
	for _, t := range s.Tables {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+ident(s.Schema, t.Name)).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t.Name, err)
		}
		lc.Rows[t.Name] = n
	}
	rows, err := conn.Query(ctx, "SELECT table_name, count(*) FROM "+ident(s.Schema, QuarantineTable)+" GROUP BY 1")
	if err != nil {
		return nil, fmt.Errorf("count quarantine: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			return nil, err
		}
		lc.Quarantined[t] = n
	}
	return lc, rows.Err()
}
