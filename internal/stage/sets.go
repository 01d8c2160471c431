package stage

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/store"
)

// setSource is the staging store's quality.Source with the set-level metrics (keys, orphans)
// measured beforehand, two queries at a time on connections of their own: they are the part of
// the stage score that is SQL over the whole store, and each query runs on one core.
type setSource struct {
	quality.Source
	keys map[string]store.Result[*quality.KeyMetrics]
	refs map[string]store.Result[*quality.RefMetrics]
}

func (p *setSource) Keys(ctx context.Context, s *contract.Spec, t *contract.Table) (*quality.KeyMetrics, error) {
	if r, ok := p.keys[t.Name]; ok {
		return r.V, r.Err
	}
	return p.Source.Keys(ctx, s, t)
}

func (p *setSource) Orphans(ctx context.Context, s *contract.Spec, r contract.Reference) (*quality.RefMetrics, error) {
	if x, ok := p.refs[quality.RefKey(r)]; ok {
		return x.V, x.Err
	}
	return p.Source.Orphans(ctx, s, r)
}

// measureSets runs every key and orphan query of s on the store at path, on up to two
// read-only connections, and returns src answering them from the results.
func measureSets(ctx context.Context, s *contract.Spec, path string, src quality.Source) (*setSource, error) {
	p := &setSource{Source: src, keys: map[string]store.Result[*quality.KeyMetrics]{}, refs: map[string]store.Result[*quality.RefMetrics]{}}
	var mu sync.Mutex
	var jobs []func(*sql.DB)
	for _, t := range s.Tables {
		if len(t.Key) == 0 {
			continue
		}
		jobs = append(jobs, func(db *sql.DB) {
			v, err := QualitySource(db).Keys(ctx, s, t)
			mu.Lock()
			p.keys[t.Name] = store.Result[*quality.KeyMetrics]{V: v, Err: err}
			mu.Unlock()
		})
	}
	for _, r := range s.Quality.References {
		jobs = append(jobs, func(db *sql.DB) {
			v, err := QualitySource(db).Orphans(ctx, s, r)
			mu.Lock()
			p.refs[quality.RefKey(r)] = store.Result[*quality.RefMetrics]{V: v, Err: err}
			mu.Unlock()
		})
	}
	if err := store.ReadAtOnce(path, jobs); err != nil {
		return nil, fmt.Errorf("stage store: %w", err)
	}
	return p, nil
}
