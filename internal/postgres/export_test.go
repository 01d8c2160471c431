package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
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
	return createCanary(ctx, conn, &o, CanarySchema(o.Spec))
}

// CanaryErr is canaryErr.
var CanaryErr = canaryErr

// SetSplit makes every table of a load start in parts parts and, with steal, lets a free
// worker take over half of what is left of any running part, however little (claimed a rowid
// at a time); without steal, never.
func SetSplit(parts int, steal bool) (restore func()) {
	p, left, rows, seen, claim := splitParts, splitMinLeft, splitMinRows, splitMinSeen, claimRows
	splitParts = parts
	if steal {
		splitMinLeft, splitMinRows, splitMinSeen, claimRows = 0, 1, 0, 1
	} else {
		splitMinLeft = time.Duration(1 << 62)
	}
	return func() {
		splitParts, splitMinLeft, splitMinRows, splitMinSeen, claimRows = p, left, rows, seen, claim
	}
}

// HashingSource is the load's score source (its rows read with the row hashes, dates and
// timestamps rendered by ::text), its measures dropped.
func HashingSource(conn *pgx.Conn, schema string) quality.Source {
	return measuringQualitySource(conn, schema, newStreamedMeasures())
}

// SetVerifySplit makes the verification split any table of at least blocks heap blocks per
// connection it reads on.
func SetVerifySplit(blocks int64) (restore func()) {
	keep := splitMinBlocks
	splitMinBlocks = blocks
	return func() { splitMinBlocks = keep }
}

// SplitSource is the verification's score source over conn and more (a large table read in a
// part on each), and the measures its reads took, by table.
func SplitSource(conn *pgx.Conn, schema string, more ...*pgx.Conn) (quality.Source, func(table string) (*reconcile.Table, bool)) {
	m := newStreamedMeasures()
	return measuringQualitySource(conn, schema, m, more...), m.get
}

// SetAnalyzeFault makes fn run before each table's ANALYZE in the load, its error the ANALYZE's.
func SetAnalyzeFault(fn func(ctx context.Context, table string) error) (restore func()) {
	analyzeFault = fn
	return func() { analyzeFault = nil }
}

// SetCountFault makes fn run on each finished table's connection before PostgreSQL counts it.
func SetCountFault(fn func(ctx context.Context, conn *pgx.Conn, gen, table string) error) (restore func()) {
	countFault = fn
	return func() { countFault = nil }
}

// IndexedKeysSource is the verification's key source over conn: keys off a unique key index.
func IndexedKeysSource(conn *pgx.Conn, schema string) quality.Source {
	return &indexedKeys{Source: isoQualitySource(conn, schema), conn: conn, schema: schema}
}

// ISOQualitySource is the verification's plain SQL source over conn (keys grouped).
func ISOQualitySource(conn *pgx.Conn, schema string) quality.Source {
	return isoQualitySource(conn, schema)
}

// UniqueKeyIndex is uniqueKeyIndex: whether indexedKeys counts t's keys off its index.
var UniqueKeyIndex = uniqueKeyIndex

// SetQueueTaken makes fn run as each connection sharing some queries takes one (i its index)
// and as the second is about to connect (i -1).
func SetQueueTaken(fn func(conn, i int)) (restore func()) {
	queueTaken = fn
	return func() { queueTaken = nil }
}

// KPIsOn is kpisOn: defs in tx, helped by a second connection of dsn unless dsn is "".
var KPIsOn = kpisOn

// SQLMeasures is the reconciliation's measures of s's tables in schema, taken in SQL alone.
func SQLMeasures(ctx context.Context, conn *pgx.Conn, s *contract.Spec, schema string) (*reconcile.Measures, error) {
	m := &reconcile.Measures{Tables: map[string]*reconcile.Table{}}
	return m, measureTables(ctx, conn, s, schema, nil, nil, m)
}
