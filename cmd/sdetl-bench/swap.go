package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/postgres"
)

// swapReport is the swap and rollback times measured with readers running.
type swapReport struct {
	Readers       int       `json:"readers"`
	SwapSeconds   []float64 `json:"swap_seconds"`     // the swap of each load (SwapResult.Duration)
	RollbackSecs  []float64 `json:"rollback_seconds"` // each rollback's swap
	RollbackWall  []float64 `json:"rollback_wall_seconds"`
	ReaderQueries int64     `json:"reader_queries"`
	ReaderErrors  int64     `json:"reader_errors"`
	ReaderEmpty   int64     `json:"reader_empty_results"`
	FirstError    string    `json:"first_error,omitempty"`
	LoadBefore    string    `json:"loadavg_before"`
	LoadAfter     string    `json:"loadavg_after"`
}

// measureSwaps runs n loads (each ending in a swap) and n rollbacks while readers — a stand-in
// for the dashboards, each on its own connection — run a count(*) per table and a group-by in
// a loop against the live schema, counting errors and empty results.
func measureSwaps(ctx context.Context, sp *contract.Spec, cleanDB, dsn string, n, readers int) (*swapReport, error) {
	rep := &swapReport{Readers: readers, LoadBefore: loadAvg()}
	// The live schema first (the timed rounds dropped theirs): readers start on live data.
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: sp, Clean: cleanDB, DSN: dsn, Force: true, Keep: 2}); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var queries, errs, empty atomic.Int64
	var firstErr atomic.Value
	for range readers {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			stop()
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close(context.Background())
			for rctx.Err() == nil {
				for _, t := range sp.Tables {
					var c int64
					err := conn.QueryRow(rctx, "SELECT count(*) FROM "+pgx.Identifier{sp.Schema, t.Name}.Sanitize()).Scan(&c)
					if rctx.Err() != nil {
						return
					}
					queries.Add(1)
					if err != nil {
						errs.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					} else if c == 0 && t.Name != "roster" {
						empty.Add(1)
					}
				}
				rows, err := conn.Query(rctx, `SELECT "TKT-Status", count(*) FROM `+pgx.Identifier{sp.Schema, "tickets"}.Sanitize()+` GROUP BY 1`)
				if err == nil {
					k := 0
					for rows.Next() {
						k++
					}
					rows.Close()
					err = rows.Err()
					if err == nil && k == 0 {
						empty.Add(1)
					}
				}
				if rctx.Err() != nil {
					return
				}
				queries.Add(1)
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	defer func() { stop(); wg.Wait() }()
	time.Sleep(200 * time.Millisecond) // the readers are running before the first swap
	for range n {
		// Keep 2, the CLI's default: a rollback needs a retained generation.
		res, err := postgres.Load(ctx, postgres.LoadOptions{Spec: sp, Clean: cleanDB, DSN: dsn, Force: true, Keep: 2})
		if err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		if res.Swap != nil {
			rep.SwapSeconds = append(rep.SwapSeconds, res.Swap.Duration.Seconds())
		}
	}
	for range n {
		began := time.Now()
		r, err := postgres.BeginRun(ctx, dsn, sp, "rollback", 10*time.Second)
		if err != nil {
			return nil, err
		}
		res, err := postgres.Rollback(ctx, r, postgres.RollbackOptions{})
		status := postgres.StatusOK
		if err != nil {
			status = postgres.StatusFailed
		}
		if ferr := r.Finish(ctx, status, nil, err); err == nil {
			err = ferr
		}
		if err != nil {
			return nil, fmt.Errorf("rollback: %w", err)
		}
		rep.RollbackWall = append(rep.RollbackWall, time.Since(began).Seconds())
		rep.RollbackSecs = append(rep.RollbackSecs, res.Swap.Duration.Seconds())
	}
	stop()
	wg.Wait()
	rep.ReaderQueries, rep.ReaderErrors, rep.ReaderEmpty = queries.Load(), errs.Load(), empty.Load()
	if e, ok := firstErr.Load().(string); ok {
		rep.FirstError = e
	}
	rep.LoadAfter = loadAvg()
	return rep, nil
}

func writeSwapMarkdown(w io.Writer, r *swapReport) {
	if r == nil {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Swap and rollback with %d readers running (count(*) per table and a group-by, each on its own connection, in a loop); load average %s before, %s after:\n\n",
		r.Readers, r.LoadBefore, r.LoadAfter)
	fmt.Fprintln(w, "| step | n | min s | median s | max s |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	row := func(name string, v []float64) {
		if len(v) == 0 {
			return
		}
		s := slices.Clone(v)
		slices.Sort(s)
		fmt.Fprintf(w, "| %s | %d | %.3f | %.3f | %.3f |\n", name, len(s), s[0], medianF(s), s[len(s)-1])
	}
	row("swap at the end of a load (SwapResult)", r.SwapSeconds)
	row("rollback's swap", r.RollbackSecs)
	row("rollback, whole command (ledger, lock, swap)", r.RollbackWall)
	fmt.Fprintf(w, "\nReaders: %d queries, %d errors, %d empty results", r.ReaderQueries, r.ReaderErrors, r.ReaderEmpty)
	if r.FirstError != "" {
		fmt.Fprintf(w, " (first error: %s)", r.FirstError)
	}
	fmt.Fprintln(w, ".")
}
