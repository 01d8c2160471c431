package postgres

import (
	"context"
	"errors"
	"fmt"
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

func (h *streamedMeasures) put(table string, acc *reconcile.TableAcc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tables[table] = acc.Result()
}

func (h *streamedMeasures) get(table string) (*reconcile.Table, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	mt, ok := h.tables[table]
	return mt, ok
}

// measuringSource is the score's Source whose Rows also measure each table (into measures). With
// a second connection (more), it reads a large table in parts on both (RowParts).
type measuringSource struct {
	quality.Source
	st       quality.SQLStore
	conn     *pgx.Conn
	more     []*pgx.Conn // connections of their own for the further parts of a split table
	measures *streamedMeasures
}

func (s *measuringSource) Rows(ctx context.Context, t *contract.Table, fn func([]string) error) error {
	acc, err := s.scan(ctx, s.conn, t, heapPart{hi: -1}, fn)
	if err != nil {
		return err
	}
	s.measures.put(t.Name, acc)
	return nil
}

// RowParts reads a table of at least splitMinBlocks heap blocks per connection in one part per
// connection, each part a range of its blocks (ctid), scanned at once: the server seeks to a
// part's first block, so every connection's backend, reader and score each work on a share of
// the table. The parts are cut at block boundaries, the last one open-ended, so they hold
// every row once, and a TID range scan visits its blocks in order as a sequential scan does:
// the parts in order are the rows Rows reads, in its order. Each part measures its rows in an
// accumulator of its own, merged in order (reconcile.TableAcc.Merge), as the score merges its
// own. A failed part cancels the others and fails the read, so the table has no measures.
func (s *measuringSource) RowParts(ctx context.Context, t *contract.Table, part func() func([]string) error) error {
	k := 1 + len(s.more)
	var blocks int64
	if k > 1 {
		err := s.conn.QueryRow(ctx, "SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint", s.st.From(t)).Scan(&blocks)
		if err != nil {
			return err
		}
		k = int(min(int64(k), blocks/splitMinBlocks))
	}
	if k <= 1 {
		return s.Rows(ctx, t, part())
	}
	parts := make([]heapPart, k)
	fns := make([]func([]string) error, k)
	for i := range parts {
		parts[i] = heapPart{lo: blocks * int64(i) / int64(k), hi: blocks * int64(i+1) / int64(k)}
		fns[i] = part()
	}
	parts[k-1].hi = -1 // to the end, whatever the table holds by then
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	accs, errs := make([]*reconcile.TableAcc, k), make([]error, k)
	var wg sync.WaitGroup
	for i := range parts {
		conn := s.conn
		if i > 0 {
			conn = s.more[i-1]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if accs[i], errs[i] = s.scan(ctx, conn, t, parts[i], fns[i]); errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	if err := firstCause(errs); err != nil {
		return err
	}
	for _, b := range accs[1:] {
		if err := accs[0].Merge(b); err != nil {
			return err
		}
	}
	s.measures.put(t.Name, accs[0])
	return nil
}

// splitMinBlocks is the fewest heap blocks (8 KB) a part of a split read has: below some
// 4 MB a part's own query and accumulators cost more than the share of the scan they save.
var splitMinBlocks int64 = 512

// heapPart is a table's heap blocks lo to hi (excluded; hi < 0: to the end).
type heapPart struct{ lo, hi int64 }

// where selects the part's rows by ctid (nothing for the whole table).
func (p heapPart) where() string {
	var c []string
	if p.lo > 0 {
		c = append(c, fmt.Sprintf("ctid >= '(%d,0)'::tid", p.lo))
	}
	if p.hi >= 0 {
		c = append(c, fmt.Sprintf("ctid < '(%d,0)'::tid", p.hi))
	}
	if len(c) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c, " AND ")
}

// firstCause is the first error of errs that is not a cancellation, else the first error: a
// part that failed cancelled the others, whose errors only say so.
func firstCause(errs []error) error {
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// scan reads part of table t on conn, each row's contracted columns to fn (on a goroutine of its
// own, scorer) and its measures into the accumulator it returns.
func (s *measuringSource) scan(ctx context.Context, conn *pgx.Conn, t *contract.Table, part heapPart, fn func([]string) error) (*reconcile.TableAcc, error) {
	sel := s.st.RowSelect(t)
	n := len(sel)
	names, types := measuredColumns(t)
	at := make([]int, len(names))     // where each measured column's canonical text is in the row
	orElse := make([]int, len(names)) // else, when that column is NULL: -1, or the score's column
	for i, name := range names {
		orElse[i] = -1
		c := canonical(ident(name), types[i])
		if j := slices.Index(sel[:n], c); j >= 0 {
			at[i] = j
			continue
		}
		at[i] = len(sel)
		if i < n && s.st.ISODates { // the score's own column i renders the same column
			switch types[i] {
			case contract.Timestamptz: // to_char's text of the UTC instant, value for value
				at[i] = i
				continue
			case contract.Timestamp, contract.Date:
				// ::text is the score's text within the years 1 to 9999; only the others are
				// rendered again (timestamp output was a fifth of the event log's read-back).
				at[i], orElse[i] = len(sel), i
				c = "CASE WHEN " + quality.ISOYears(ident(name)) + " THEN NULL ELSE " + c + " END"
			}
		}
		sel = append(sel, c)
	}
	if _, err := conn.Exec(ctx, dateStyle); err != nil { // as st.ISODates and the hash's canonical text assume
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows, err := conn.Query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+s.st.From(t)+part.where())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	score := newScorer(fn, cancel)
	defer score.stop()
	b := score.batch(n)
	vals := make([]*string, len(names))
	own := make([]string, len(names)) // the measured texts not among the score's columns
	cut := make([]string, len(sel))   // the row's values, pieces of one string
	var text strings.Builder
	acc := reconcile.NewTableAcc(names, types)
	for k := 1; rows.Next(); k++ {
		if k%4096 == 0 {
			if err := ctx.Err(); err != nil {
				break
			}
		}
		raw := rows.RawValues()
		// As pgQ.Each: every selected column is text, whose wire forms are its UTF-8 bytes. The
		// row's values are copied into one string, each value a piece of it (one allocation per
		// row, not per value; what outlives the row, a column's min or max, keeps at most its row).
		size := 0
		for _, v := range raw {
			size += len(v)
		}
		text.Reset()
		text.Grow(size)
		for _, v := range raw {
			text.Write(v)
		}
		all, off := text.String(), 0
		for j, v := range raw {
			cut[j] = all[off : off+len(v)] // nil (NULL) -> ""
			off += len(v)
		}
		row := b.next()
		copy(row, cut[:n])
		for i, j := range at {
			if raw[j] == nil && orElse[i] >= 0 { // within the years 1 to 9999, or NULL
				j = orElse[i]
			}
			switch {
			case raw[j] == nil:
				vals[i] = nil // NULL, which the score's "" does not tell from an empty text
			case j < n:
				vals[i] = &row[j]
			default:
				own[i] = cut[j]
				vals[i] = &own[i]
			}
		}
		if err := acc.Add(vals); err != nil {
			score.stop()
			return nil, err
		}
		if b.full() {
			score.send(b)
			b = score.batch(n)
		}
	}
	score.send(b)
	if err := score.stop(); err != nil {
		return nil, err // the score's own error, not the cancellation it caused
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return acc, nil
}

// prefetchSource answers the score's set-level questions (each table's key groups, each
// reference's orphans) from the same queries started at once on a connection of its own, so
// the server works on them while the score reads and accumulates the rows; each answer, its
// error included, is the one the score's own source would give, asked when the score asks.
// Those queries are the score's only ones whose plans depend on statistics (joins, groupings,
// filtered counts; its reads are whole-table or block-range scans, the catalog's questions
// none of them): each starts once its tables' ANALYZE has ended (stats), which may still run
// beside the reads when the load's last tables were copied.
type prefetchSource struct {
	quality.Source
	spec  *contract.Spec // the answers are this contract's
	keys  map[string]*answer[*quality.KeyMetrics]
	refs  map[string]*answer[*quality.RefMetrics]
	stats func(ctx context.Context, tables ...string) error
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
// connection), one after the other, each once stats (nil: no wait) says its tables are
// analyzed; stop ends them and waits.
func prefetch(ctx context.Context, src, other quality.Source, s *contract.Spec, stats func(ctx context.Context, tables ...string) error) (p *prefetchSource, stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	if stats == nil {
		stats = func(context.Context, ...string) error { return nil }
	}
	p = &prefetchSource{Source: src, spec: s, keys: map[string]*answer[*quality.KeyMetrics]{}, refs: map[string]*answer[*quality.RefMetrics]{}, stats: stats}
	var steps []func()
	for _, t := range s.Tables {
		if len(t.Key) > 0 {
			a := &answer[*quality.KeyMetrics]{done: make(chan struct{})}
			p.keys[t.Name] = a
			steps = append(steps, func() {
				defer close(a.done)
				if a.err = stats(ctx, t.Name); a.err == nil {
					a.v, a.err = other.Keys(ctx, s, t)
				}
			})
		}
	}
	for _, r := range s.Quality.References {
		a := &answer[*quality.RefMetrics]{done: make(chan struct{})}
		p.refs[quality.RefKey(r)] = a
		steps = append(steps, func() {
			defer close(a.done)
			if a.err = stats(ctx, r.Table, r.To); a.err == nil {
				a.v, a.err = other.Orphans(ctx, s, r)
			}
		})
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

// RowParts is the score's source's, in one part when it reads no parts.
func (p *prefetchSource) RowParts(ctx context.Context, t *contract.Table, part func() func([]string) error) error {
	if ps, ok := p.Source.(quality.PartSource); ok {
		return ps.RowParts(ctx, t, part)
	}
	return p.Source.Rows(ctx, t, part())
}

func (p *prefetchSource) Keys(ctx context.Context, s *contract.Spec, t *contract.Table) (*quality.KeyMetrics, error) {
	if a, ok := p.keys[t.Name]; ok && s == p.spec && t == s.Table(t.Name) {
		return a.get(ctx)
	}
	if err := p.stats(ctx, t.Name); err != nil {
		return nil, err
	}
	return p.Source.Keys(ctx, s, t)
}

func (p *prefetchSource) Orphans(ctx context.Context, s *contract.Spec, r contract.Reference) (*quality.RefMetrics, error) {
	if a, ok := p.refs[quality.RefKey(r)]; ok && s == p.spec {
		return a.get(ctx)
	}
	if err := p.stats(ctx, r.Table, r.To); err != nil {
		return nil, err
	}
	return p.Source.Orphans(ctx, s, r)
}
