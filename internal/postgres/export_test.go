package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/reconcile"
)

// SetCanaryLoaded installs a hook run between the canary's load and its observation.
func SetCanaryLoaded(f func(ctx context.Context, conn *pgx.Conn, schema string) error) (restore func()) {
	canaryLoaded = f
	return func() { canaryLoaded = nil }
}

// LeaveCanary creates and records the canary schema and returns without dropping it: what a run
// killed during the canary leaves behind.
func LeaveCanary(ctx context.Context, o CanaryOptions) error {
	conn, err := Connect(ctx, o.DSN)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if err := ensureBookkeeping(ctx, conn); err != nil {
		return err
	}
	return createCanary(ctx, conn, o, CanarySchema(o.Spec))
}

// CanaryErr is canaryErr.
var CanaryErr = canaryErr

// HashingSource is the load's score source (its rows read with the row hashes, dates and
// timestamps rendered by ::text), its measures dropped.
func HashingSource(conn *pgx.Conn, schema string) quality.Source {
	return hashingQualitySource(conn, schema, &streamHashes{tables: map[string]*reconcile.Table{}})
}
