package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sdetl/sdetl/internal/contract"
)

// The swap (blue-green): in one short transaction under lock_timeout, the live schema is
// renamed to its own generation name (<schema>__g<its run id>, kept as retained) and the target
// generation takes the live name. Renaming a schema moves no data and waits for no reader:
// a query already running keeps reading the tables it opened, the next one resolves the name
// to the new tables (PostgreSQL invalidates cached plans when a schema is renamed). The locks it
// does take (the ownership comments, the bookkeeping rows) are bounded by lock_timeout, and a
// timeout is retried with backoff, so a long transaction elsewhere delays the swap by at most
// (retries+1) timeouts and then fails it cleanly, live unchanged.
//
// Objects outside sdetl's schemas that depend on the live tables (a dashboard view in public)
// would follow the old tables to the retired name, silently serving old data; the swap refuses
// them, naming each (checkOwnership, again inside the swap transaction), rather than re-point
// them: sdetl does not rewrite other people's objects.

// SwapResult says how the swap went.
type SwapResult struct {
	From     string        `json:"from,omitempty"` // the generation name the old live schema took
	To       string        `json:"to"`             // the generation that is now live
	Attempts int           `json:"attempts"`
	Duration time.Duration `json:"duration_ns"` // the whole swap, retries included
}

// swapIn makes the recorded generation target the live schema.
func swapIn(ctx context.Context, conn *pgx.Conn, s *contract.Spec, target, adopt string, timeout time.Duration, retries int) (*SwapResult, error) {
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	if retries < 0 {
		retries = 0
	}
	start := time.Now()
	res := &SwapResult{To: target}
	backoff := 100 * time.Millisecond
	for {
		res.Attempts++
		from, err := swapOnce(ctx, conn, s, target, adopt, timeout)
		if err == nil {
			res.From, res.Duration = from, time.Since(start)
			return res, nil
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "55P03" || res.Attempts > retries { // lock_not_available
			if res.Attempts > 1 {
				err = fmt.Errorf("after %d attempts: %w", res.Attempts, err)
			}
			return nil, fmt.Errorf("swap %s in as %s: %w; live is unchanged", target, s.Schema, err)
		}
		sleep := backoff + rand.N(backoff)
		backoff *= 2
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(sleep):
		}
	}
}

func swapOnce(ctx context.Context, conn *pgx.Conn, s *contract.Spec, target, adopt string, timeout time.Duration) (from string, err error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d", timeout.Milliseconds())); err != nil {
		return "", err
	}
	tg, err := checkOwnership(ctx, tx, s, adopt)
	if err != nil {
		return "", err
	}
	rec, err := record(ctx, tx, target)
	if err != nil {
		return "", err
	}
	if rec == nil || (rec.purpose != PurposeBuilding && rec.purpose != PurposeRetained) {
		return "", fmt.Errorf("%w: %s is not a generation sdetl recorded", ErrNotOwned, target)
	}
	if err := markSchema(ctx, tx, target, s.Name); err != nil { // locks it against a DROP
		return "", err
	}
	if oid, err := schemaOID(ctx, tx, target); err != nil {
		return "", err
	} else if oid != rec.oid {
		return "", fmt.Errorf("%w: schema %s is not the schema sdetl recorded; not swapped in", ErrNotOwned, target)
	}
	owned := ident(contract.BookkeepingSchema, "owned_schemas")
	if tg.live != nil {
		if tg.adopt {
			if err := recordSchema(ctx, tx, s.Schema, PurposeLive, s.Name, tg.live.tables, true); err != nil {
				return "", err
			}
		}
		var run *int64
		if err := tx.QueryRow(ctx, `SELECT run_id FROM `+owned+` WHERE name = $1`, s.Schema).Scan(&run); err != nil {
			return "", fmt.Errorf("read the live record: %w", err)
		}
		if run == nil { // loaded by a version without a ledger, or adopted: give it a ledger row to be named by
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO `+ident(contract.BookkeepingSchema, "runs")+
				` (contract, schema_name, kind, status, ended_at) VALUES ($1, $2, 'earlier', 'ok', now()) RETURNING run_id`, s.Name, s.Schema).Scan(&id); err != nil {
				return "", fmt.Errorf("record the earlier live schema: %w", err)
			}
			run = &id
		}
		from = contract.GenerationSchema(s.Schema, *run)
		if err := markSchema(ctx, tx, s.Schema, s.Name); err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER SCHEMA %s RENAME TO %s", ident(s.Schema), ident(from))); err != nil {
			return "", fmt.Errorf("retire %s as %s: %w", s.Schema, from, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE `+owned+` SET name = $2, purpose = $3, run_id = $4, retired_at = clock_timestamp() WHERE name = $1`,
			s.Schema, from, PurposeRetained, *run); err != nil {
			return "", fmt.Errorf("record %s: %w", from, err)
		}
	} else if _, err := tx.Exec(ctx, `DELETE FROM `+owned+` WHERE name = $1`, s.Schema); err != nil {
		return "", fmt.Errorf("forget the record of dropped schema %s: %w", s.Schema, err) // no schema has the name: its record is stale
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER SCHEMA %s RENAME TO %s", ident(target), ident(s.Schema))); err != nil {
		return "", fmt.Errorf("rename %s to %s: %w", target, s.Schema, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE `+owned+` SET name = $2, purpose = $3, retired_at = NULL WHERE name = $1`, target, s.Schema, PurposeLive); err != nil {
		return "", fmt.Errorf("record %s: %w", s.Schema, err)
	}
	if from != "" {
		if err := markSchema(ctx, tx, from, s.Name); err != nil {
			return "", err
		}
	}
	if err := markSchema(ctx, tx, s.Schema, s.Name); err != nil {
		return "", err
	}
	return from, tx.Commit(ctx)
}

// prune drops the retained generations beyond the newest keep (by when they were retired),
// each in its own transaction under the lock timeout, after the swap and outside it. One that
// cannot be dropped now (a reader still holds it) is left recorded for a later run: a warning.
func prune(ctx context.Context, conn *pgx.Conn, s *contract.Spec, keep int, timeout time.Duration) (dropped, warnings []string) {
	rows, err := conn.Query(ctx, `SELECT name FROM `+ident(contract.BookkeepingSchema, "owned_schemas")+
		` WHERE contract = $1 AND purpose = $2 ORDER BY retired_at DESC NULLS LAST, run_id DESC OFFSET $3`, s.Name, PurposeRetained, max(keep, 0))
	if err == nil {
		var names []string
		if names, err = pgx.CollectRows(rows, pgx.RowTo[string]); err == nil {
			for _, name := range names {
				if derr := dropGeneration(ctx, conn, name, timeout); derr != nil {
					warnings = append(warnings, fmt.Sprintf("old generation %s not dropped yet (a later run retries): %v", name, derr))
					continue
				}
				dropped = append(dropped, name)
			}
		}
	}
	if err != nil {
		warnings = append(warnings, fmt.Sprintf("list old generations: %v", err))
	}
	return dropped, warnings
}
