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
	return ScoreFed(ctx, s, src, now, nil)
}

// ScoreFed is Score with the tables in fed measured already (see Accumulator): their rows are
// not read again.
func ScoreFed(ctx context.Context, s *contract.Spec, src Source, now time.Time, fed map[string]*Accumulator) (*Report, error) {
	m, err := CollectFed(ctx, s, src, now, fed)
	if err != nil {
		return nil, err
	}
	return Evaluate(s, m, now)
}

// Collect measures every metric the rules need from src. now fixes the plausible date window.
func Collect(ctx context.Context, s *contract.Spec, src Source, now time.Time) (*Metrics, error) {
	return CollectFed(ctx, s, src, now, nil)
}

// CollectFed is Collect with the tables in fed (by table name) measured already: their row
// metrics come from the accumulator, and only the set-level ones (keys, orphans) and the
// columns the store holds are asked of src. An accumulator started with another now, or for
// another table, is an error: its date window would not be this score's.
func CollectFed(ctx context.Context, s *contract.Spec, src Source, now time.Time, fed map[string]*Accumulator) (*Metrics, error) {
	m := &Metrics{Source: src.Name(), Tables: map[string]*TableMetrics{}, Orders: map[string]*OrderMetrics{},
		Refs: map[string]*RefMetrics{}, Shares: map[string]*ShareMetrics{}}
	for _, t := range s.Tables {
		if err := collectTable(ctx, s, src, t, m, now, fed[t.Name]); err != nil {
			return nil, fmt.Errorf("quality %s: %s: %w", src.Name(), t.Name, err)
		}
	}
	for _, r := range s.Quality.References {
		rm, err := src.Orphans(ctx, s, r)
		if err != nil {
			return nil, fmt.Errorf("quality %s: orphans %s: %w", src.Name(), RefKey(r), err)
		}
		m.Refs[RefKey(r)] = rm
	}
	return m, nil
}

func collectTable(ctx context.Context, s *contract.Spec, src Source, t *contract.Table, m *Metrics, now time.Time, fed *Accumulator) error {
	if fed != nil && (fed.a.t != t || !fed.now.Equal(now)) {
		return fmt.Errorf("accumulator of table %s at %s fed to the score of table %s at %s", fed.a.t.Name, fed.now.Format(time.RFC3339Nano), t.Name, now.Format(time.RFC3339Nano))
	}
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
	var a *accumulator
	if fed != nil && !fed.inexact {
		a = fed.a
	} else if ps, ok := src.(PartSource); ok { // not fed, or fed rows were removed that may have given kept examples
		if a, err = readParts(ctx, ps, s, t, now); err != nil {
			return err
		}
	} else {
		a = newAccumulator(s, t, now)
		if err := src.Rows(ctx, t, a.add); err != nil {
			return err
		}
	}
	a.into(m, cols)
	if len(t.Key) > 0 {
		if m.Tables[t.Name].Keys, err = src.Keys(ctx, s, t); err != nil {
			return fmt.Errorf("natural key: %w", err)
		}
	}
	return nil
}
