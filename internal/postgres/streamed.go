package postgres

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/reconcile"
)

// streamedMeasures are the generation's measures taken in the score's scan of each table: the score
// reads every row anyway, so the same query also selects each value's canonical text as the
// reconciliation renders it (the score's own column where the SQL is the same), and the client
// measures the rows as the clean store's are measured (reconcile.TableAcc: the row count, the
// row hash hashtextextended gives, each column's nulls, min, max and sum). One server scan
// then answers both, where the reconciliation's own SQL scanned every table again beside it
// (its measures of the same values: the hash already covers every value's canonical text). A
// table the score did not read to its end has no measures here, and the reconciliation
// measures it in SQL.
type streamedMeasures struct {
	mu     sync.Mutex
	tables map[string]*reconcile.Table
}

func newStreamedMeasures() *streamedMeasures {
	return &streamedMeasures{tables: map[string]*reconcile.Table{}}
}

func (h *streamedMeasures) get(table string) (*reconcile.Table, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	mt, ok := h.tables[table]
	return mt, ok
}

// measuringSource is the score's Source whose Rows also measure each table (into measures).
type measuringSource struct {
	quality.Source
	st       quality.SQLStore
	conn     *pgx.Conn
	measures *streamedMeasures
}

func (s *measuringSource) Rows(ctx context.Context, t *contract.Table, fn func([]string) error) error {
	sel := s.st.RowSelect(t)
	n := len(sel)
	names, types := measuredColumns(t)
	at := make([]int, len(names)) // where each measured column's canonical text is in the row
	for i, name := range names {
		c := canonical(ident(name), types[i])
		if j := slices.Index(sel[:n], c); j >= 0 {
			at[i] = j
			continue
		}
		at[i] = len(sel)
		sel = append(sel, c)
	}
	if _, err := s.conn.Exec(ctx, dateStyle); err != nil { // as st.ISODates and the hash's canonical text assume
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows, err := s.conn.Query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+s.st.From(t))
	if err != nil {
		return err
	}
	defer rows.Close()
	score := newScorer(fn, cancel)
	defer score.stop()
	b := score.batch(n)
	vals := make([]*string, len(names))
	own := make([]string, len(names)) // the measured texts not among the score's columns
	acc := reconcile.NewTableAcc(names, types)
	for k := 1; rows.Next(); k++ {
		if k%4096 == 0 {
			if err := ctx.Err(); err != nil {
				break
			}
		}
		raw := rows.RawValues()
		// As pgQ.Each: every selected column is text, whose wire forms are its UTF-8 bytes.
		row := b.next()
		for i, v := range raw[:n] {
			row[i] = string(v) // nil (NULL) -> ""
		}
		for i, j := range at {
			switch {
			case raw[j] == nil:
				vals[i] = nil // NULL, which the score's "" does not tell from an empty text
			case j < n:
				vals[i] = &row[j]
			default:
				own[i] = string(raw[j])
				vals[i] = &own[i]
			}
		}
		if err := acc.Add(vals); err != nil {
			score.stop()
			return err
		}
		if b.full() {
			score.send(b)
			b = score.batch(n)
		}
	}
	score.send(b)
	if err := score.stop(); err != nil {
		return err // the score's own error, not the cancellation it caused
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.measures.mu.Lock()
	s.measures.tables[t.Name] = acc.Result()
	s.measures.mu.Unlock()
	return nil
}

// prefetchSource answers the score's set-level questions (each table's key groups, each
// reference's orphans) from the same queries started at once on a connection of its own, so
// the server works on them while the score reads and accumulates the rows; each answer, its
// error included, is the one the score's own source would give, asked when the score asks.
type prefetchSource struct {
	quality.Source
	spec *contract.Spec // the answers are this contract's
	keys map[string]*answer[*quality.KeyMetrics]
	refs map[string]*answer[*quality.RefMetrics]
}

type answer[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func (a *answer[T]) get(ctx context.Context) (T, error) {
	select {
	case <-a.done:
		return a.v, a.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// prefetch starts the key and orphan queries of s on other (a source over its own
// connection), one after the other; stop ends them and waits.
func prefetch(ctx context.Context, src, other quality.Source, s *contract.Spec) (p *prefetchSource, stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	p = &prefetchSource{Source: src, spec: s, keys: map[string]*answer[*quality.KeyMetrics]{}, refs: map[string]*answer[*quality.RefMetrics]{}}
	var steps []func()
	for _, t := range s.Tables {
		if len(t.Key) > 0 {
			a := &answer[*quality.KeyMetrics]{done: make(chan struct{})}
			p.keys[t.Name] = a
			steps = append(steps, func() { a.v, a.err = other.Keys(ctx, s, t); close(a.done) })
		}
	}
	for _, r := range s.Quality.References {
		a := &answer[*quality.RefMetrics]{done: make(chan struct{})}
		p.refs[quality.RefKey(r)] = a
		steps = append(steps, func() { a.v, a.err = other.Orphans(ctx, s, r); close(a.done) })
	}
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for _, step := range steps {
			step()
		}
	}()
	return p, func() { cancel(); <-finished }
}

func (p *prefetchSource) Keys(ctx context.Context, s *contract.Spec, t *contract.Table) (*quality.KeyMetrics, error) {
	if a, ok := p.keys[t.Name]; ok && s == p.spec && t == s.Table(t.Name) {
		return a.get(ctx)
	}
	return p.Source.Keys(ctx, s, t)
}

func (p *prefetchSource) Orphans(ctx context.Context, s *contract.Spec, r contract.Reference) (*quality.RefMetrics, error) {
	if a, ok := p.refs[quality.RefKey(r)]; ok && s == p.spec {
		return a.get(ctx)
	}
	return p.Source.Orphans(ctx, s, r)
}
