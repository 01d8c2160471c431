package quality

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

// Source is a store the score reads: the staging store (raw text), the clean store (canonical
// text) or the loaded PostgreSQL schema. A source streams rows as text and computes the
// set-level metrics (key uniqueness, orphans) in its own SQL; it never loads a table into memory.
type Source interface {
	// Name says which store this is: stage, clean or postgres.
	Name() string
	// Columns lists the columns a table holds, lineage (names starting with _) excluded. A
	// missing table is an error wrapping ErrMissing.
	Columns(ctx context.Context, t *contract.Table) ([]string, error)
	// Rows calls fn with every row's contracted columns as text, in contract order; NULL is "".
	// fn must not keep row, which is reused.
	Rows(ctx context.Context, t *contract.Table, fn func(row []string) error) error
	// Keys measures the uniqueness of t's natural key; a row with a null key column takes no part.
	Keys(ctx context.Context, s *contract.Spec, t *contract.Table) (*KeyMetrics, error)
	// Orphans measures a foreign key.
	Orphans(ctx context.Context, s *contract.Spec, r contract.Reference) (*RefMetrics, error)
}

// ErrMissing means a table or column the contract requires is not in the store: the score
// cannot be computed, so it is an error, never a skipped rule.
var ErrMissing = errors.New("missing from the store")

// Score measures src and scores it: one score, whatever the store.
func Score(ctx context.Context, s *contract.Spec, src Source, now time.Time) (*Report, error) {
	m, err := Collect(ctx, s, src, now)
	if err != nil {
		return nil, err
	}
	return Evaluate(s, m, now)
}

// Collect measures every metric the rules need from src. now fixes the plausible date window.
func Collect(ctx context.Context, s *contract.Spec, src Source, now time.Time) (*Metrics, error) {
	return NewCollector(s, now).Finish(ctx, src)
}

// collectTable measures one table of src into m: its columns, its rows (unless a, an
// accumulator already fed with them, is given) and its natural key.
func collectTable(ctx context.Context, s *contract.Spec, src Source, t *contract.Table, m *Metrics, now time.Time, a *accumulator) error {
	cols, err := src.Columns(ctx, t)
	if err != nil {
		return err
	}
	var missing []string
	for _, c := range t.Columns {
		if !slices.Contains(cols, c.Name) {
			missing = append(missing, fmt.Sprintf("%q", c.Name))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: column(s) %s", ErrMissing, strings.Join(missing, ", "))
	}
	if a == nil {
		m.Tables[t.Name] = &TableMetrics{Cols: map[string]*ColumnMetrics{}}
		a = newAccumulator(s, t, m, now)
		if err := src.Rows(ctx, t, a.add); err != nil {
			return err
		}
	}
	tm := m.Tables[t.Name]
	tm.Columns, tm.Rows = cols, a.rows
	if len(t.Key) > 0 {
		if tm.Keys, err = src.Keys(ctx, s, t); err != nil {
			return fmt.Errorf("natural key: %w", err)
		}
	}
	return nil
}
