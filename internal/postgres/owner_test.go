package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/stage"
)

// fixture is a one-table contract for schema ops and a clean store of three rows.
func fixture(t *testing.T) (*contract.Spec, string) {
	t.Helper()
	s, err := contract.Parse([]byte(`{name: ops, schema: ops, tables: [{name: items, key: [id], columns: [
		{name: id, type: integer}, {name: label, type: text}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "items.csv"), []byte("id,label\n1,a\n2,b\n3,c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: filepath.Join(dir, "stage.db")}); err != nil {
		t.Fatal(err)
	}
	if _, err := clean.Run(ctx, clean.Options{Spec: s, Stage: filepath.Join(dir, "stage.db"), Out: filepath.Join(dir, "clean.db")}); err != nil {
		t.Fatal(err)
	}
	return s, filepath.Join(dir, "clean.db")
}

func exec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func count(t *testing.T, conn *pgx.Conn, table string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func wantNotOwned(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if !errors.Is(err, postgres.ErrNotOwned) {
		t.Fatalf("err = %v, want ErrNotOwned", err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not name %q", err, f)
		}
	}
}

// foreignObjects are things a DBA keeps in the same database: none of them is sdetl's.
var foreignObjects = []string{
	`CREATE TABLE public.customers (id int PRIMARY KEY, name text)`,
	`INSERT INTO public.customers VALUES (1, 'x'), (2, 'y')`,
	`CREATE VIEW public.customer_names AS SELECT name FROM public.customers`,
	`CREATE FUNCTION public.answer() RETURNS int LANGUAGE sql AS 'SELECT 42'`,
	`CREATE SCHEMA crm`,
	`CREATE TABLE crm.accounts (id int)`,
	`INSERT INTO crm.accounts VALUES (7)`,
	`CREATE MATERIALIZED VIEW crm.account_ids AS SELECT id FROM crm.accounts`,
	`CREATE SCHEMA ops_archive`,
	`CREATE TABLE ops_archive.items (id int)`,
	`INSERT INTO ops_archive.items VALUES (1)`,
	`CREATE SEQUENCE public.invoice_no`,
	`CREATE TYPE public.mood AS ENUM ('ok', 'not ok')`,
}

// checkForeign asserts every foreign object is still there with its rows.
func checkForeign(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	for table, want := range map[string]int{"public.customers": 2, "public.customer_names": 2, "crm.accounts": 1,
		"crm.account_ids": 1, "ops_archive.items": 1} {
		if got := count(t, conn, table); got != want {
			t.Errorf("%s: %d rows, want %d", table, got, want)
		}
	}
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT public.answer() + nextval('public.invoice_no') * 0 +
		(SELECT count(*) FROM pg_type WHERE typname = 'mood')`).Scan(&n); err != nil || n != 43 {
		t.Errorf("function/sequence/type: %d, %v", n, err)
	}
}

// TestLoadKeepsWhatItDidNotCreate: a database where sdetl has loaded many times still holds
// every object sdetl did not create, and a load that would have to drop one is refused with the
// object named, live data untouched.
func TestLoadKeepsWhatItDidNotCreate(t *testing.T) {
	ctx := context.Background()
	s, cleanDB := fixture(t)
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	for _, q := range foreignObjects {
		exec(t, conn, q)
	}
	load := func() error {
		_, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB)})
		return err
	}
	for i := range 4 {
		if err := load(); err != nil {
			t.Fatalf("load %d: %v", i+1, err)
		}
		checkForeign(t, conn)
		if got := count(t, conn, "ops.items"); got != 3 {
			t.Fatalf("load %d: ops.items has %d rows", i+1, got)
		}
	}
	var purpose string
	var tables []string
	if err := conn.QueryRow(ctx, `SELECT purpose, tables FROM sdetl.owned_schemas o JOIN pg_namespace n
		ON n.oid = o.schema_oid AND n.nspname = o.name WHERE name = 'ops'`).Scan(&purpose, &tables); err != nil {
		t.Fatalf("ownership record of ops: %v", err)
	}
	if purpose != "live" || strings.Join(tables, ",") != "items,quarantine" {
		t.Errorf("record: purpose %s tables %v", purpose, tables)
	}

	// A dashboard view in public on the live table: replacing ops would drop it (CASCADE did).
	exec(t, conn, `CREATE VIEW public.item_labels AS SELECT label FROM ops.items`)
	wantNotOwned(t, postgres.CheckOwnership(ctx, dsn, s, ""), "view public.item_labels")
	wantNotOwned(t, load(), "view public.item_labels")
	checkForeign(t, conn)
	if got := count(t, conn, "public.item_labels"); got != 3 {
		t.Errorf("the dependent view has %d rows after the refused load", got)
	}
	exec(t, conn, `DROP VIEW public.item_labels`)

	// A table a person added inside the live schema.
	exec(t, conn, `CREATE TABLE ops.notes (n text)`)
	wantNotOwned(t, load(), "table ops.notes")
	if got := count(t, conn, "ops.notes"); got != 0 {
		t.Errorf("ops.notes: %d", got)
	}
	exec(t, conn, `DROP TABLE ops.notes`)

	// An index and a trigger a person added to a live table would go with it.
	exec(t, conn, `CREATE INDEX my_label_idx ON ops.items (label)`)
	wantNotOwned(t, load(), "index ops.my_label_idx")
	exec(t, conn, `DROP INDEX ops.my_label_idx`)
	exec(t, conn, `CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'`)
	exec(t, conn, `CREATE TRIGGER touch BEFORE INSERT ON ops.items FOR EACH ROW EXECUTE FUNCTION public.touch()`)
	wantNotOwned(t, load(), "trigger touch on ops.items")
	exec(t, conn, `DROP TRIGGER touch ON ops.items`)

	// A foreign key from elsewhere onto a live table.
	exec(t, conn, `CREATE TABLE public.orders (item bigint REFERENCES ops.items (id))`)
	wantNotOwned(t, load(), "public.orders")
	exec(t, conn, `DROP TABLE public.orders`)

	if err := load(); err != nil {
		t.Fatalf("load once the strangers are gone: %v", err)
	}
	checkForeign(t, conn)
}

// TestForeignSchemaRefused: a contract naming an existing schema sdetl did not create is
// refused, naming the schema, and the schema keeps its content.
func TestForeignSchemaRefused(t *testing.T) {
	ctx := context.Background()
	s, cleanDB := fixture(t)
	for _, name := range []string{"ops", "ops__next", "ops__dryrun"} {
		t.Run(name, func(t *testing.T) {
			dsn := pgtest.DSN(t)
			conn := connect(t, dsn)
			exec(t, conn, fmt.Sprintf(`CREATE SCHEMA %s; CREATE TABLE %[1]s.items (id int); INSERT INTO %[1]s.items VALUES (1)`, pgx.Identifier{name}.Sanitize()))
			wantNotOwned(t, postgres.CheckOwnership(ctx, dsn, s, ""), "schema "+name)
			for _, dry := range []bool{false, true} {
				_, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB), DryRun: dry})
				wantNotOwned(t, err, "schema "+name)
			}
			if got := count(t, conn, pgx.Identifier{name, "items"}.Sanitize()); got != 1 {
				t.Errorf("%s.items has %d rows", name, got)
			}
		})
	}
}

// TestReservedSchemaRefused: a contract built in code (YAML ones never get this far) naming a
// PostgreSQL schema is refused before the database is touched.
func TestReservedSchemaRefused(t *testing.T) {
	ctx := context.Background()
	s, cleanDB := fixture(t)
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	exec(t, conn, `CREATE TABLE public.customers (id int)`)
	for _, name := range []string{"public", "information_schema", "pg_catalog", "sdetl"} {
		s.Schema = name
		wantNotOwned(t, postgres.CheckOwnership(ctx, dsn, s, ""), name)
		_, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB)})
		wantNotOwned(t, err, name)
	}
	count(t, conn, "public.customers")
	if n := count(t, conn, "information_schema.tables"); n == 0 {
		t.Error("information_schema is empty")
	}
}

// TestUpgradeAdoptsOldSchema: a live schema an earlier version loaded (no record) is refused
// with the fix named, then adopted with --adopt-schema only while it holds nothing but the
// contract's tables; a schema recreated by someone since it was recorded is refused.
func TestUpgradeAdoptsOldSchema(t *testing.T) {
	ctx := context.Background()
	s, cleanDB := fixture(t)
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB)}); err != nil {
		t.Fatal(err)
	}
	exec(t, conn, `DROP SCHEMA sdetl CASCADE`) // what an earlier version left: ops, no records
	_, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB)})
	wantNotOwned(t, err, "schema ops", "--adopt-schema ops")

	exec(t, conn, `CREATE TABLE ops.extra (n int)`)
	_, err = postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB), AdoptSchema: "ops"})
	wantNotOwned(t, err, "table extra")
	exec(t, conn, `DROP TABLE ops.extra`)

	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB), AdoptSchema: "ops"}); err != nil {
		t.Fatalf("adopting load: %v", err)
	}
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB)}); err != nil {
		t.Fatalf("the load after adoption needs no flag: %v", err)
	}

	// Someone drops sdetl's schema and makes their own under the name: the record does not vouch for it.
	exec(t, conn, `DROP SCHEMA ops CASCADE; CREATE SCHEMA ops; CREATE TABLE ops.mine (n int)`)
	_, err = postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB)})
	wantNotOwned(t, err, "schema ops was dropped and recreated")
	count(t, conn, "ops.mine")
}

// TestForeignBookkeepingSchema: a schema named sdetl that sdetl did not make is never written to.
func TestForeignBookkeepingSchema(t *testing.T) {
	ctx := context.Background()
	s, cleanDB := fixture(t)
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	exec(t, conn, `CREATE SCHEMA sdetl; CREATE TABLE sdetl.owned_schemas (name text)`)
	_, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB)})
	wantNotOwned(t, err, "schema sdetl exists but is not sdetl's bookkeeping schema")
	if n := count(t, conn, "sdetl.owned_schemas"); n != 0 {
		t.Errorf("sdetl.owned_schemas has %d rows", n)
	}
	var ops bool
	conn.QueryRow(ctx, `SELECT to_regnamespace('ops') IS NOT NULL`).Scan(&ops)
	if ops {
		t.Error("schema ops was created")
	}
}

// TestOwnedLeftoverDropped: a side schema sdetl recorded and left behind (a future flow may
// commit one) is dropped before the next build; only its recorded tables go with it.
func TestOwnedLeftoverDropped(t *testing.T) {
	ctx := context.Background()
	s, cleanDB := fixture(t)
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB)}); err != nil {
		t.Fatal(err)
	}
	exec(t, conn, `ALTER SCHEMA ops RENAME TO ops__next; UPDATE sdetl.owned_schemas SET name = 'ops__next', purpose = 'next' WHERE name = 'ops'`)
	exec(t, conn, `CREATE TABLE ops__next.stray (n int)`)
	_, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB)})
	wantNotOwned(t, err, "table ops__next.stray")
	exec(t, conn, `DROP TABLE ops__next.stray`)
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB)}); err != nil {
		t.Fatalf("load over an owned leftover: %v", err)
	}
	var n int
	conn.QueryRow(ctx, `SELECT count(*) FROM sdetl.owned_schemas`).Scan(&n)
	if got := count(t, conn, "ops.items"); got != 3 || n != 1 {
		t.Errorf("ops.items %d rows, %d records; want 3 and 1", got, n)
	}
}

// TestLiveDroppedByHand: someone drops the live schema (a benchmark's clean slate does): its
// record is stale, and the next load records the new schema in its place.
func TestLiveDroppedByHand(t *testing.T) {
	ctx := context.Background()
	s, cleanDB := fixture(t)
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	for i := range 3 {
		if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB)}); err != nil {
			t.Fatalf("load %d: %v", i+1, err)
		}
		exec(t, conn, `DROP SCHEMA ops CASCADE`)
	}
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanDB, DSN: dsn, Want: measured(t, s, cleanDB)}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM sdetl.owned_schemas o JOIN pg_namespace n ON n.oid = o.schema_oid AND n.nspname = o.name`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d valid records (%v), want 1", n, err)
	}
	if got := count(t, conn, "sdetl.owned_schemas"); got != 1 {
		t.Errorf("%d records, want 1", got)
	}
}
