package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
)

// RollbackResult says which generation a rollback made live.
type RollbackResult struct {
	Schema string      `json:"schema"`
	To     int64       `json:"to_run"`
	Swap   *SwapResult `json:"swap"`
}

// RollbackOptions configure a rollback.
type RollbackOptions struct {
	To          int64 // the run whose generation becomes live; 0: the one retired last
	GrantRoles  []string
	LockTimeout time.Duration
	SwapRetries int
}

// ErrNoGeneration means there is no retained generation to roll back to.
var ErrNoGeneration = errors.New("no previous generation to roll back to")

// Rollback makes a retained generation live by the same swap a run ends with; the live one is
// retained in its turn, so a rollback can itself be rolled back. Nothing is dropped.
func Rollback(ctx context.Context, r *Run, o RollbackOptions) (*RollbackResult, error) {
	s := r.Spec
	var name string
	var run int64
	q := `SELECT name, run_id FROM ` + ident(contract.BookkeepingSchema, "owned_schemas") +
		` WHERE contract = $1 AND purpose = $2 AND ($3 = 0 OR run_id = $3) ORDER BY retired_at DESC NULLS LAST, run_id DESC LIMIT 1`
	err := r.conn.QueryRow(ctx, q, s.Name, PurposeRetained, o.To).Scan(&name, &run)
	if errors.Is(err, pgx.ErrNoRows) {
		if o.To != 0 {
			return nil, fmt.Errorf("%w: run %d has no retained generation (sdetl generations lists them)", ErrNoGeneration, o.To)
		}
		return nil, ErrNoGeneration
	}
	if err != nil {
		return nil, fmt.Errorf("find the generation to roll back to: %w", err)
	}
	for _, role := range o.GrantRoles {
		if err := grant(ctx, r.conn, name, role); err != nil {
			return nil, err
		}
	}
	testPoint("swap")
	sw, err := swapIn(ctx, r.conn, s, name, "", o.LockTimeout, o.SwapRetries)
	if err != nil {
		return nil, err
	}
	if _, err := r.conn.Exec(ctx, `UPDATE `+ident(contract.BookkeepingSchema, "runs")+` SET generation = $2 WHERE run_id = $1`, r.ID, s.Schema+" <- run "+fmt.Sprint(run)); err != nil {
		return nil, fmt.Errorf("record rollback: %w", err)
	}
	return &RollbackResult{Schema: s.Schema, To: run, Swap: sw}, nil
}

// Generation is one generation of a contract's schema: the live one or a retained one.
type Generation struct {
	Run         int64            `json:"run_id"`
	Schema      string           `json:"schema"`
	Live        bool             `json:"live"`
	Created     time.Time        `json:"created"`
	Retired     *time.Time       `json:"retired,omitempty"`
	Rows        map[string]int64 `json:"rows"`
	Score       *float64         `json:"score"`
	Inputs      []InputFile      `json:"inputs"`
	Fingerprint string           `json:"fingerprint"`
}

// Generations lists the contract's live and retained generations, newest run first.
func Generations(ctx context.Context, dsn string, s *contract.Spec) ([]Generation, error) {
	conn, err := Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	if ok, err := bookkeeping(ctx, conn); err != nil || !ok {
		return nil, err
	}
	if err := ensureLedgerReadable(ctx, conn); err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, `SELECT o.name, coalesce(o.run_id, 0), o.purpose = 'live', o.created_at, o.retired_at,
			coalesce(o.rows, '{}'), coalesce(o.fingerprint, ''), coalesce(r.details, '{}')
		FROM `+ident(contract.BookkeepingSchema, "owned_schemas")+` o LEFT JOIN `+ident(contract.BookkeepingSchema, "runs")+` r USING (run_id)
		WHERE o.contract = $1 AND o.purpose IN ('live', 'retained') ORDER BY o.run_id DESC NULLS LAST`, s.Name)
	if err != nil {
		return nil, fmt.Errorf("list generations: %w", err)
	}
	defer rows.Close()
	var out []Generation
	for rows.Next() {
		var g Generation
		var rowsJS, details []byte
		if err := rows.Scan(&g.Schema, &g.Run, &g.Live, &g.Created, &g.Retired, &rowsJS, &g.Fingerprint, &details); err != nil {
			return nil, err
		}
		json.Unmarshal(rowsJS, &g.Rows)
		var d RunDetails
		json.Unmarshal(details, &d)
		g.Inputs = d.Inputs
		if v, ok := d.Scores["postgres"]; ok {
			g.Score = &v
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// ensureLedgerReadable says so plainly when the bookkeeping schema predates the ledger.
func ensureLedgerReadable(ctx context.Context, conn *pgx.Conn) error {
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, ident(contract.BookkeepingSchema, "runs")).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s has no run ledger yet: the next sdetl run creates it", contract.BookkeepingSchema)
	}
	return nil
}
