package stage

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
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
	keys map[string]setResult[*quality.KeyMetrics]
	refs map[string]setResult[*quality.RefMetrics]
}

type setResult[T any] struct {
	v   T
	err error
}

func (p *setSource) Keys(ctx context.Context, s *contract.Spec, t *contract.Table) (*quality.KeyMetrics, error) {
	if r, ok := p.keys[t.Name]; ok {
		return r.v, r.err
	}
	return p.Source.Keys(ctx, s, t)
}

func (p *setSource) Orphans(ctx context.Context, s *contract.Spec, r contract.Reference) (*quality.RefMetrics, error) {
	if x, ok := p.refs[quality.RefKey(r)]; ok {
		return x.v, x.err
	}
	return p.Source.Orphans(ctx, s, r)
}

// measureSets runs every key and orphan query of s on the store at path, on up to two
// read-only connections, and returns src answering them from the results.
func measureSets(ctx context.Context, s *contract.Spec, path string, src quality.Source) (*setSource, error) {
	p := &setSource{Source: src, keys: map[string]setResult[*quality.KeyMetrics]{}, refs: map[string]setResult[*quality.RefMetrics]{}}
	var mu sync.Mutex
	var jobs []func(quality.Source)
	for _, t := range s.Tables {
		if len(t.Key) == 0 {
			continue
		}
		jobs = append(jobs, func(q quality.Source) {
			v, err := q.Keys(ctx, s, t)
			mu.Lock()
			p.keys[t.Name] = setResult[*quality.KeyMetrics]{v, err}
			mu.Unlock()
		})
	}
	for _, r := range s.Quality.References {
		jobs = append(jobs, func(q quality.Source) {
			v, err := q.Orphans(ctx, s, r)
			mu.Lock()
			p.refs[quality.RefKey(r)] = setResult[*quality.RefMetrics]{v, err}
			mu.Unlock()
		})
	}
	workers := min(2, runtime.GOMAXPROCS(0), len(jobs))
	dbs := make([]*sql.DB, workers)
	for i := range dbs {
		db, err := store.OpenReadOnly(path)
		if err != nil {
			for _, d := range dbs[:i] {
				d.Close()
			}
			return nil, fmt.Errorf("stage store: %w", err)
		}
		dbs[i] = db
	}
	next := make(chan func(quality.Source))
	var wg sync.WaitGroup
	for _, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer db.Close()
			q := QualitySource(db)
			for job := range next {
				job(q)
			}
		}()
	}
	for _, job := range jobs {
		next <- job
	}
	close(next)
	wg.Wait()
	return p, nil
}
