package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/outcome"
)

// Ownership: sdetl only ever drops, renames or replaces a schema it created and recorded. Every
// schema it creates gets a row in sdetl.owned_schemas (name, the schema's oid, purpose, contract,
// the tables it put there) and a COMMENT ON SCHEMA saying so. The oid is the proof: a schema
// dropped and recreated under the same name by someone else has another oid, so a record
// outliving its schema can never vouch for a stranger. The `sdetl` schema is created on first
// use and marked by its own comment; issue 9's run ledger is meant to live beside owned_schemas.
//
// Replacing the live schema drops exactly the tables recorded for it, then the schema, both
// RESTRICT: PostgreSQL itself then refuses if anything sdetl did not create sits in the schema
// or depends on its tables (a dashboard view in public, a foreign key, a table a person added),
// so nothing else can be swept away by a CASCADE. The checks below only say so earlier and
// better: before anything is read.

// ErrNotOwned means a schema the load would create or replace exists and is not sdetl's. It
// is a preflight failure (outcome.ErrPreflight): nothing is read or written.
var ErrNotOwned error = notOwned{}

type notOwned struct{}

func (notOwned) Error() string        { return "refused" }
func (notOwned) Is(target error) bool { return target == outcome.ErrPreflight }

// Purposes of an owned schema.
const (
	PurposeLive   = "live"
	PurposeNext   = "next"
	PurposeDryRun = "dryrun"
)

// bookkeepingMarker starts the comment on the bookkeeping schema; ownedMarker the comment on
// every schema sdetl owns.
const (
	bookkeepingMarker = "sdetl bookkeeping"
	ownedMarker       = "created by sdetl"
)

var bookkeepingDDL = fmt.Sprintf(`CREATE SCHEMA %[1]s;
COMMENT ON SCHEMA %[1]s IS '%[2]s: the schemas sdetl created (owned_schemas); sdetl drops or replaces no other';
CREATE TABLE %[1]s.owned_schemas (
	name text PRIMARY KEY,
	schema_oid oid NOT NULL UNIQUE,
	purpose text NOT NULL,
	contract text NOT NULL,
	tables text[] NOT NULL,
	adopted boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL DEFAULT now()
)`, ident(contract.BookkeepingSchema), bookkeepingMarker)

// querier is what the checks need of a connection or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ownedRecord is one row of sdetl.owned_schemas.
type ownedRecord struct {
	oid     uint32
	purpose string
	tables  []string
}

// schemaOID returns a schema's oid, 0 when it does not exist.
func schemaOID(ctx context.Context, q querier, name string) (uint32, error) {
	var oid uint32
	err := q.QueryRow(ctx, `SELECT oid FROM pg_namespace WHERE nspname = $1`, name).Scan(&oid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("look up schema %s: %w", name, err)
	}
	return oid, nil
}

// bookkeeping reports whether the bookkeeping schema exists, and refuses one sdetl did not make.
func bookkeeping(ctx context.Context, q querier) (bool, error) {
	oid, err := schemaOID(ctx, q, contract.BookkeepingSchema)
	if err != nil || oid == 0 {
		return false, err
	}
	var comment string
	var table bool
	if err := q.QueryRow(ctx, `SELECT coalesce(obj_description($1::oid, 'pg_namespace'), ''),
		to_regclass($2) IS NOT NULL`, oid, ident(contract.BookkeepingSchema, "owned_schemas")).Scan(&comment, &table); err != nil {
		return false, fmt.Errorf("read schema %s: %w", contract.BookkeepingSchema, err)
	}
	if !strings.HasPrefix(comment, bookkeepingMarker) || !table {
		return false, fmt.Errorf("%w: schema %s exists but is not sdetl's bookkeeping schema, which sdetl needs that name for; rename that schema (ALTER SCHEMA %s RENAME TO ...)",
			ErrNotOwned, contract.BookkeepingSchema, contract.BookkeepingSchema)
	}
	return true, nil
}

// ensureBookkeeping creates the bookkeeping schema on first use, in its own short transaction
// (so that loads of different contracts, which hold different advisory locks, never wait on
// each other's long load transaction for it).
func ensureBookkeeping(ctx context.Context, conn *pgx.Conn) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	h := fnv.New64a()
	h.Write([]byte("sdetl:bookkeeping"))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(h.Sum64())); err != nil {
		return fmt.Errorf("bookkeeping lock: %w", err)
	}
	exists, err := bookkeeping(ctx, tx)
	if err != nil {
		return err
	}
	if !exists {
		if _, err := tx.Exec(ctx, bookkeepingDDL); err != nil {
			return fmt.Errorf("create schema %s: %w", contract.BookkeepingSchema, err)
		}
	}
	// The ledger and the generation columns, also on a bookkeeping schema an earlier version made.
	if _, err := tx.Exec(ctx, ledgerDDL); err != nil {
		return fmt.Errorf("create the run ledger in %s: %w", contract.BookkeepingSchema, err)
	}
	return tx.Commit(ctx)
}

// record returns the bookkeeping row for a schema name, nil when there is none.
func record(ctx context.Context, q querier, name string) (*ownedRecord, error) {
	var r ownedRecord
	err := q.QueryRow(ctx, `SELECT schema_oid, purpose, tables FROM `+ident(contract.BookkeepingSchema, "owned_schemas")+
		` WHERE name = $1`, name).Scan(&r.oid, &r.purpose, &r.tables)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s.owned_schemas: %w", contract.BookkeepingSchema, err)
	}
	return &r, nil
}

// recordSchema records a schema sdetl just created (or adopted) and marks it with a comment.
func recordSchema(ctx context.Context, q querier, name, purpose, contractName string, tables []string, adopted bool) error {
	// A record left by a schema someone else dropped is stale: by this name, or by this oid
	// (PostgreSQL may give a new schema a dropped one's oid).
	if _, err := q.Exec(ctx, `DELETE FROM `+ident(contract.BookkeepingSchema, "owned_schemas")+
		` WHERE name = $1 OR schema_oid = (SELECT oid FROM pg_namespace WHERE nspname = $1)`, name); err != nil {
		return fmt.Errorf("record schema %s: %w", name, err)
	}
	if _, err := q.Exec(ctx, `INSERT INTO `+ident(contract.BookkeepingSchema, "owned_schemas")+
		` (name, schema_oid, purpose, contract, tables, adopted) SELECT $1::text, oid, $2, $3, $4, $5 FROM pg_namespace WHERE nspname = $1::text`,
		name, purpose, contractName, tables, adopted); err != nil {
		return fmt.Errorf("record schema %s: %w", name, err)
	}
	return markSchema(ctx, q, name, contractName)
}

// markSchema writes the ownership comment. COMMENT also locks the schema against a concurrent
// DROP until the transaction ends.
func markSchema(ctx context.Context, q querier, name, contractName string) error {
	c := fmt.Sprintf("%s for contract %s; recorded in %s.owned_schemas", ownedMarker, contractName, contract.BookkeepingSchema)
	if _, err := q.Exec(ctx, fmt.Sprintf("COMMENT ON SCHEMA %s IS %s", ident(name), literal(c))); err != nil {
		return fmt.Errorf("mark schema %s: %w", name, err)
	}
	return nil
}

// literal quotes s as an SQL string literal (COMMENT takes no parameters).
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// target is what a load finds under the names it uses, once ownership is settled.
type target struct {
	live      *ownedRecord // the live schema's record; nil when it does not exist
	adopt     bool         // the live schema exists without a record and is to be adopted
	leftovers []string     // owned next/dry-run schemas left behind, to drop before building
}

// CheckOwnership refuses a contract whose schemas exist and are not sdetl's, before anything is
// read: `run` and `load` call it first. adopt, when it names the contract's schema, accepts a
// live schema an earlier sdetl version created (it kept no records) if it holds nothing but the
// contract's tables and quarantine. Nothing is written.
func CheckOwnership(ctx context.Context, dsn string, s *contract.Spec, adopt string) error {
	conn, err := Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = checkOwnership(ctx, conn, s, adopt)
	return err
}

// checkOwnership settles, for the live schema and the loader's side schemas, whether each is
// absent, sdetl's, or someone else's (refused).
func checkOwnership(ctx context.Context, q querier, s *contract.Spec, adopt string) (*target, error) {
	if p := contract.SchemaProblem(s.Schema); p != "" { // also for contracts built in code
		return nil, fmt.Errorf("%w: schema %q %s", ErrNotOwned, s.Schema, p)
	}
	if adopt != "" && adopt != s.Schema {
		return nil, fmt.Errorf("--adopt-schema %s: the contract's schema is %s", adopt, s.Schema)
	}
	haveBooks, err := bookkeeping(ctx, q)
	if err != nil {
		return nil, err
	}
	tg := &target{}
	for _, name := range append([]string{s.Schema}, sideSchemas(s.Schema)...) {
		oid, err := schemaOID(ctx, q, name)
		if err != nil {
			return nil, err
		}
		if oid == 0 {
			continue
		}
		var rec *ownedRecord
		if haveBooks {
			if rec, err = record(ctx, q, name); err != nil {
				return nil, err
			}
		}
		switch {
		case rec != nil && rec.oid == oid && name == s.Schema:
			tg.live = rec
		case rec != nil && rec.oid == oid:
			if err := strangers(ctx, q, name, oid, rec.tables); err != nil {
				return nil, err
			}
			tg.leftovers = append(tg.leftovers, name)
		case name == s.Schema && adopt == name:
			tables, err := adoptable(ctx, q, s, oid)
			if err != nil {
				return nil, err
			}
			tg.live, tg.adopt = &ownedRecord{oid: oid, purpose: PurposeLive, tables: tables}, true
		case rec != nil:
			return nil, fmt.Errorf("%w: schema %s was dropped and recreated since sdetl recorded it, so it is not the schema sdetl created; "+
				"name another schema in the contract (or, if its content is sdetl's, rerun with --adopt-schema %s)", ErrNotOwned, name, name)
		case name == s.Schema:
			return nil, fmt.Errorf("%w: schema %s exists and sdetl has no record of creating it, so sdetl will not replace it; "+
				"name another schema in the contract (if an earlier sdetl version loaded it, rerun once with --adopt-schema %s)", ErrNotOwned, name, name)
		default:
			return nil, fmt.Errorf("%w: schema %s exists and sdetl did not create it, but the loader needs that name; rename or drop that schema, or name another schema in the contract",
				ErrNotOwned, name)
		}
	}
	if tg.live != nil {
		if err := strangers(ctx, q, s.Schema, tg.live.oid, tg.live.tables); err != nil {
			return nil, err
		}
	}
	return tg, nil
}

// sideSchemas are the schemas the loader builds beside the live one.
func sideSchemas(schema string) []string {
	out := make([]string, len(contract.SchemaSuffixes))
	for i, suffix := range contract.SchemaSuffixes {
		out[i] = schema + suffix
	}
	return out
}

// adoptable checks that an unrecorded schema holds only tables the contract defines plus the
// quarantine, and returns them.
func adoptable(ctx context.Context, q querier, s *contract.Spec, oid uint32) ([]string, error) {
	want := []string{QuarantineTable}
	for _, t := range s.Tables {
		want = append(want, t.Name)
	}
	rows, err := q.Query(ctx, `SELECT relname FROM pg_class WHERE relnamespace = $1 AND relkind IN ('r', 'p') ORDER BY 1`, oid)
	if err != nil {
		return nil, fmt.Errorf("adopt schema %s: %w", s.Schema, err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("adopt schema %s: %w", s.Schema, err)
	}
	for _, t := range tables {
		if !slices.Contains(want, t) {
			return nil, fmt.Errorf("%w: --adopt-schema %s: it holds table %s, which the contract does not define; sdetl adopts only a schema holding the contract's tables and quarantine",
				ErrNotOwned, s.Schema, t)
		}
	}
	if len(tables) == 0 {
		return nil, fmt.Errorf("%w: --adopt-schema %s: it holds none of the contract's tables, so it is not an earlier sdetl load", ErrNotOwned, s.Schema)
	}
	return tables, nil
}

// strangers refuses a live schema that holds, or is depended on by, objects sdetl did not
// create: replacing it would take them along. Ours are the recorded tables and what hangs on
// them that sdetl or PostgreSQL made (the natural-key index, NOT NULL, row types, TOAST); an
// index or trigger a person added to one of them would go with the table, so it is refused too.
func strangers(ctx context.Context, q querier, schema string, oid uint32, tables []string) error {
	rows, err := q.Query(ctx, strangersSQL, oid, tables)
	if err != nil {
		return fmt.Errorf("inspect schema %s: %w", schema, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("inspect schema %s: %w", schema, err)
	}
	if len(found) == 0 {
		return nil
	}
	more := ""
	if len(found) > 5 {
		found, more = found[:5], fmt.Sprintf(" and %d more", len(found)-5)
	}
	return fmt.Errorf("%w: replacing schema %s would drop what sdetl did not create: %s%s; move it out of %s or make it independent of %s's tables (sdetl replaces the whole schema on every load)",
		ErrNotOwned, schema, strings.Join(found, ", "), more, schema, schema)
}

// strangersSQL lists, by type and qualified name, (1) the members of the schema other than the recorded tables
// and (2) the objects elsewhere (or in the schema but not hanging on a recorded table) that
// depend on a relation of the schema in the normal way — a view's rule, a foreign key, a
// function body — and so would block (RESTRICT) or be swept away by (CASCADE) its drop.
var strangersSQL = `
WITH ours AS (
	SELECT c.oid FROM pg_class c WHERE c.relnamespace = $1 AND c.relname = ANY($2::text[])
), members AS (
	SELECT d.classid, d.objid FROM pg_depend d
	WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = $1 AND d.deptype = 'n'
	  AND NOT (d.classid = 'pg_class'::regclass AND d.objid IN (SELECT oid FROM ours))
), dependents AS (
	SELECT d.classid, d.objid,
		CASE d.classid
			WHEN 'pg_class'::regclass THEN d.objid
			WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = d.objid)
			WHEN 'pg_constraint'::regclass THEN (SELECT conrelid FROM pg_constraint WHERE oid = d.objid)
			WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid)
			WHEN 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_attrdef WHERE oid = d.objid)
			WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = d.objid)
		END AS rel
	FROM pg_depend d JOIN pg_class c ON d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid
	WHERE c.relnamespace = $1 AND d.deptype = 'n'
), attached AS (
	-- what hangs on a recorded table and would go with it, but that sdetl does not make: an
	-- index other than its natural-key one, a trigger, a policy, a rule, a constraint other
	-- than NOT NULL, a sequence owned by a column
	SELECT d.classid, d.objid FROM pg_depend d
	WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid IN (SELECT oid FROM ours) AND d.deptype = 'a'
	  AND CASE d.classid
		WHEN 'pg_class'::regclass THEN NOT EXISTS (
			SELECT 1 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
			WHERE x.indexrelid = d.objid AND (i.relname = t.relname || '` + contract.KeyIndexSuffix + `'
				OR (left(i.relname, length(t.relname) + ` + fmt.Sprint(len(contract.KPIIndexInfix)) + `) = t.relname || '` + contract.KPIIndexInfix + `'
					AND substr(i.relname, length(t.relname) + ` + fmt.Sprint(len(contract.KPIIndexInfix)+1) + `) ~ '^[0-9]+$')))
		WHEN 'pg_trigger'::regclass THEN NOT (SELECT tgisinternal FROM pg_trigger WHERE oid = d.objid)
		WHEN 'pg_constraint'::regclass THEN (SELECT contype FROM pg_constraint WHERE oid = d.objid) <> 'n'
		WHEN 'pg_policy'::regclass THEN true
		WHEN 'pg_rewrite'::regclass THEN true
		ELSE false
	  END
)
SELECT DISTINCT i.type || ' ' || i.identity FROM (
	SELECT classid, objid FROM members
	UNION
	SELECT classid, objid FROM attached
	UNION
	-- a view's rule is named as the view
	SELECT CASE WHEN classid = 'pg_rewrite'::regclass THEN 'pg_class'::regclass ELSE classid END,
		CASE WHEN classid = 'pg_rewrite'::regclass THEN rel ELSE objid END
	FROM dependents WHERE rel IS NULL OR rel NOT IN (SELECT oid FROM ours)
) x, pg_identify_object(x.classid, x.objid, 0) i ORDER BY 1`

// loadedTables are the tables a load creates in its schema.
func loadedTables(s *contract.Spec) []string {
	out := make([]string, 0, len(s.Tables)+1)
	for _, t := range s.Tables {
		out = append(out, t.Name)
	}
	return append(out, QuarantineTable)
}

// dropOwned drops a schema sdetl recorded: first its comment is rewritten (which locks the
// schema against a concurrent DROP), then its oid is checked against the record, then the
// recorded tables and the schema are dropped RESTRICT, so PostgreSQL refuses rather than drop
// anything else.
func dropOwned(ctx context.Context, tx pgx.Tx, name string) error {
	rec, err := record(ctx, tx, name)
	if err != nil {
		return err
	}
	if rec == nil {
		return fmt.Errorf("%w: schema %s has no record in %s.owned_schemas; not dropped", ErrNotOwned, name, contract.BookkeepingSchema)
	}
	if err := markSchema(ctx, tx, name, "(being replaced)"); err != nil {
		return err
	}
	oid, err := schemaOID(ctx, tx, name)
	if err != nil {
		return err
	}
	if oid != rec.oid {
		return fmt.Errorf("%w: schema %s is not the schema sdetl recorded (oid %d, recorded %d); not dropped", ErrNotOwned, name, oid, rec.oid)
	}
	if len(rec.tables) > 0 {
		names := make([]string, len(rec.tables))
		for i, t := range rec.tables {
			names[i] = ident(name, t)
		}
		if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+strings.Join(names, ", ")+" RESTRICT"); err != nil {
			return dropErr(name, err)
		}
	}
	if _, err := tx.Exec(ctx, "DROP SCHEMA "+ident(name)+" RESTRICT"); err != nil {
		return dropErr(name, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+ident(contract.BookkeepingSchema, "owned_schemas")+` WHERE name = $1`, name); err != nil {
		return fmt.Errorf("record drop of schema %s: %w", name, err)
	}
	return nil
}

// dropErr explains a refused RESTRICT drop with PostgreSQL's list of what is in the way.
func dropErr(schema string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "2BP01" { // dependent_objects_still_exist
		return fmt.Errorf("%w: replacing schema %s would drop what sdetl did not create (%s); move it out of %s or make it independent of %s's tables",
			ErrNotOwned, schema, strings.ReplaceAll(pe.Detail, "\n", "; "), schema, schema)
	}
	return fmt.Errorf("replace schema %s: %w", schema, err)
}
