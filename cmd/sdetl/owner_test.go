package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
)

// ownerFixture writes items.csv into <tmp>/<dirName> and returns the directory.
func ownerFixture(t *testing.T, dirName string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), dirName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeCSV(t, filepath.Join(dir, "items.csv"), [][]string{{"Item ID", "Label"}, {"1", "a"}, {"2", "b"}, {"3", "c"}})
	return dir
}

func pgExec(t *testing.T, dsn string, sqls ...string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, q := range sqls {
		if _, err := conn.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func pgCount(t *testing.T, dsn, table string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// withSchema rewrites a contract's schema line.
func withSchema(t *testing.T, specPath, schema string) string {
	t.Helper()
	b, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "schema:") {
			l = "schema: " + schema
		}
		out = append(out, l)
	}
	p := filepath.Join(t.TempDir(), schema+".yaml")
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExportsInPublic: exports in a folder named public draft a renamed schema, and a contract
// naming public, information_schema or an existing schema sdetl did not create is refused
// before anything is read (no staging store appears); a database where sdetl then loads many
// times keeps every object it did not create.
func TestExportsInPublic(t *testing.T) {
	dir := ownerFixture(t, "public")
	specPath := filepath.Join(t.TempDir(), "spec.yaml")
	out := mustSdetl(t, "spec", "init", "--from", filepath.Join(dir, "items.csv"), "--out", specPath)
	if !strings.Contains(out, "note: schema public_data, not public (the exports' directory): public is reserved by PostgreSQL") {
		t.Errorf("spec init does not say it renamed the schema:\n%s", out)
	}
	s, err := contract.Load(specPath)
	if err != nil || s.Schema != "public_data" {
		t.Fatalf("drafted schema %v, %v", s, err)
	}
	b, _ := os.ReadFile(specPath)
	if !strings.Contains(string(b), "# schema public_data, not public") {
		t.Errorf("the draft has no comment on the renamed schema:\n%s", b)
	}

	dsn, work0 := pgtest.DSN(t), t.TempDir()
	pgExec(t, dsn,
		`CREATE TABLE public.customers (id int)`, `INSERT INTO public.customers VALUES (1), (2)`,
		`CREATE VIEW public.customer_ids AS SELECT id FROM public.customers`,
		`CREATE SCHEMA crm`, `CREATE TABLE crm.accounts (id int)`, `INSERT INTO crm.accounts VALUES (1)`,
		`CREATE VIEW crm.account_ids AS SELECT id FROM crm.accounts`)
	refusals := []struct {
		schema string
		code   int
		msg    string
	}{
		{"public", exitError, `schema "public" is reserved by PostgreSQL`},
		{"information_schema", exitError, `schema "information_schema" is reserved by PostgreSQL`},
		{"pg_toast", exitError, `schema "pg_toast" is reserved by PostgreSQL`},
		{"sdetl", exitError, `schema "sdetl" is sdetl's own bookkeeping schema`},
		{"crm", exitPreflight, "schema crm exists and sdetl has no record of creating it"},
	}
	for _, r := range refusals {
		bad := withSchema(t, specPath, r.schema)
		for _, cmd := range [][]string{
			{"run", "--spec", bad, "--exports", dir, "--pg", dsn},
			{"run", "--spec", bad, "--exports", dir, "--pg", dsn, "--dry-run"},
			{"load", "--spec", bad, "--pg", dsn},
		} {
			work := t.TempDir()
			code, _, stderr := sdetl(t, append(cmd, "--workdir", work)...)
			if code != r.code || !strings.Contains(stderr, r.msg) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("%s with schema %s: exit %d, stderr %q; want %d and one line with %q", cmd[0], r.schema, code, stderr, r.code, r.msg)
			}
			ents, _ := os.ReadDir(work)
			for _, e := range ents {
				if e.Name() != "lock" && e.Name() != "run.json" && e.Name() != "report.html" && e.Name() != "logs" && e.Name() != "runs" { // the lock, and the reports, run log and run record saying why the run ended
					t.Errorf("%s with schema %s read or wrote something before refusing: %s", cmd[0], r.schema, e.Name())
				}
			}
		}
	}
	crmDir := ownerFixture(t, "crm")
	code, _, stderr := sdetl(t, "spec", "init", "--from", filepath.Join(crmDir, "items.csv"), "--pg", dsn, "--out", filepath.Join(work0, "crm.yaml"))
	if code != exitPreflight || !strings.Contains(stderr, "spec init: refused: schema crm exists and sdetl has no record") || !strings.Contains(stderr, "--schema NAME") {
		t.Errorf("spec init into existing schema crm: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(work0, "crm.yaml")); err == nil {
		t.Error("spec init wrote a draft it refused")
	}
	if !strings.Contains(refusalFix(t, specPath, dir, dsn), "--adopt-schema crm") {
		t.Error("the refusal of an unrecorded schema does not name the upgrade fix")
	}

	work := t.TempDir()
	for range 3 {
		mustSdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", work, "--fresh")
	}
	for table, want := range map[string]int{"public.customers": 2, "public.customer_ids": 2, "crm.accounts": 1, "crm.account_ids": 1, "public_data.items": 3} {
		if got := pgCount(t, dsn, table); got != want {
			t.Errorf("%s: %d rows, want %d", table, got, want)
		}
	}
}

func refusalFix(t *testing.T, specPath, dir, dsn string) string {
	_, _, stderr := sdetl(t, "run", "--spec", withSchema(t, specPath, "crm"), "--exports", dir, "--pg", dsn, "--workdir", t.TempDir())
	return stderr
}

// TestAdoptSchemaFlag: the upgrade path from a version that kept no records, on the command line.
func TestAdoptSchemaFlag(t *testing.T) {
	dir := ownerFixture(t, "ops")
	specPath := filepath.Join(t.TempDir(), "spec.yaml")
	mustSdetl(t, "spec", "init", "--from", filepath.Join(dir, "items.csv"), "--out", specPath)
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	mustSdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", work)
	pgExec(t, dsn, `DROP SCHEMA sdetl CASCADE`) // as an earlier version left it
	code, _, stderr := sdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", work)
	if code != exitPreflight || !strings.Contains(stderr, "rerun once with --adopt-schema ops") {
		t.Fatalf("exit %d %q", code, stderr)
	}
	code, _, stderr = sdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", work, "--adopt-schema", "other")
	if code == exitOK || !strings.Contains(stderr, "the contract's schema is ops") {
		t.Errorf("adopting another schema: exit %d %q", code, stderr)
	}
	mustSdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", work, "--adopt-schema", "ops")
	mustSdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", work)
	if got := pgCount(t, dsn, "ops.items"); got != 3 {
		t.Errorf("ops.items: %d rows", got)
	}
}
