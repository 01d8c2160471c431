package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
)

func cmdProfile(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "profile", "[flags]",
		"Profile every column of the staging store: inferred type and confidence, nulls and sentinels,\n"+
			"distinct values, min/max, date-format evidence, and the comparison with the contract.\n"+
			"Exits 4 when the circuit breaker would halt a run.").withSpec().withJSON()
	sample := f.Int("sample", 0, "profile about N rows per table, spread over the whole table (0 = every row)")
	if err := f.parse(args); err != nil {
		return err
	}
	s, err := f.spec()
	if err != nil {
		return err
	}
	r, err := stage.Profile(ctx, s, f.path(stageFile), *sample)
	if err != nil {
		return err
	}
	if f.json {
		err = printJSON(e.stdout, r)
	} else {
		err = profile.Print(e.stdout, r)
	}
	if err != nil {
		return err
	}
	if halt := r.Breaker.Err(); halt != nil {
		return exitCodeError{exitBreaker, halt}
	}
	return nil
}

func cmdScore(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "score", "[flags]",
		"Compute the quality score (0-100) of the staging store, the clean store or the loaded\n"+
			"PostgreSQL schema: one implementation, the same rules everywhere.").withSpec().withJSON().withPG()
	which := f.String("store", "clean", "stage, clean or pg")
	min := f.Float64("min-quality", 0, "exit 5 when the score is below this (0: report only)")
	if err := f.parse(args); err != nil {
		return err
	}
	s, err := f.spec()
	if err != nil {
		return err
	}
	var r *quality.Report
	switch *which {
	case "stage", "clean":
		r, err = scoreStore(ctx, s, *which, f.workdir)
	case "pg":
		var dsn string
		if dsn, err = resolveDSN(ctx, e, f); err == nil {
			r, err = scorePG(ctx, s, dsn)
		}
	default:
		return usageError{"score: --store must be stage, clean or pg"}
	}
	if err != nil {
		return err
	}
	if f.json {
		err = printJSON(e.stdout, r)
	} else {
		err = quality.Print(e.stdout, r)
	}
	if err != nil {
		return err
	}
	if *min > 0 {
		return gate(r, *min)
	}
	return nil
}

// scoreStore scores the staging or the clean store of a work dir.
func scoreStore(ctx context.Context, s *contract.Spec, which, workdir string) (*quality.Report, error) {
	path, src := workdir+"/"+stageFile, stage.QualitySource
	if which == "clean" {
		path, src = workdir+"/"+cleanFile, clean.QualitySource
	}
	db, err := store.OpenReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("%s store: %w", which, err)
	}
	defer db.Close()
	return quality.Score(ctx, s, src(db), time.Now())
}

func scorePG(ctx context.Context, s *contract.Spec, dsn string) (*quality.Report, error) {
	conn, err := postgres.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	return quality.Score(ctx, s, postgres.QualitySource(conn, s.Schema), time.Now())
}

// gate maps a failed quality gate to its exit code.
func gate(r *quality.Report, min float64) error {
	if err := quality.Gate(r, min); err != nil {
		if errors.Is(err, quality.ErrGate) {
			return exitCodeError{exitGate, err}
		}
		return err
	}
	return nil
}

// applyDateOrders makes the clean stage read each date column in the order its own evidence
// decided, where that differs from the contract (the profile reports every such decision).
func applyDateOrders(s *contract.Spec, p *profile.Report) []string {
	var changed []string
	for _, tr := range p.Tables {
		t := s.Table(tr.Table)
		for _, cr := range tr.Columns {
			c := t.Column(cr.Name)
			if c == nil || cr.DateOrder == nil || cr.DateOrder.Basis != profile.BasisEvidence || cr.DateOrder.Order == c.DateOrder {
				continue
			}
			c.DateOrder = cr.DateOrder.Order
			changed = append(changed, fmt.Sprintf("%s.%s: %s by evidence", t.Name, c.Name, c.DateOrder))
		}
	}
	return changed
}

// scoreBeforeSwap scores the new schema inside the load transaction; a score below the clean
// store's means the load lost or damaged something, so the swap must not happen.
func scoreBeforeSwap(s *contract.Spec, clean *quality.Report, out **quality.Report) func(context.Context, pgx.Tx, string) error {
	return func(ctx context.Context, tx pgx.Tx, schema string) error {
		r, err := quality.Score(ctx, s, postgres.QualitySource(tx.Conn(), schema), time.Now())
		if err != nil {
			return fmt.Errorf("score the loaded schema: %w", err)
		}
		*out = r
		if clean != nil && r.Composite < clean.Composite {
			return fmt.Errorf("%w: the loaded schema scores %.2f, below the clean store's %.2f", postgres.ErrReconcile, r.Composite, clean.Composite)
		}
		return nil
	}
}
