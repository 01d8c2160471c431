package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

// liveHash is an order-independent digest of every live table, to prove "untouched".
func liveHash(t *testing.T, dsn string) string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var all []string
	for _, tb := range []string{"tickets", "comments", "timesheets", "quarantine"} {
		var h string
		if err := conn.QueryRow(context.Background(), "SELECT coalesce(md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))), '') FROM servicedesk."+tb+" x").Scan(&h); err != nil {
			t.Fatal(err)
		}
		all = append(all, tb+"="+h)
	}
	return strings.Join(all, " ")
}

// sdSchemas lists the servicedesk* schemas and the owned-schema records.
func sdSchemas(t *testing.T, dsn string) string { // servicedesk_ext (comment_quality, docs/kpis.md) is not a generation
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var s string
	if err := conn.QueryRow(context.Background(), `SELECT string_agg(nspname, ' ' ORDER BY nspname) || ' / ' ||
		(SELECT string_agg(name || ':' || purpose, ' ' ORDER BY name) FROM sdetl.owned_schemas)
		FROM pg_namespace WHERE nspname LIKE 'servicedesk%' AND nspname <> 'servicedesk_ext'`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCanaryInRun: `run` loads the canary first by default and reports it; a shipped query
// failing on the sample stops the run with exit 6 naming the query, before the full load (the
// live schema keeps every row as it was, and no canary schema survives); --no-canary skips it.
func TestCanaryInRun(t *testing.T) {
	dir, _ := generate(t, synth.Options{Scale: 0.05, Seed: 3, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn, work := pgtest.DSN(t), t.TempDir()
	out := mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work)
	if !strings.Contains(out, "canary: passed (10% sample, seed 1: tickets ") {
		t.Errorf("run output says nothing of the canary:\n%s", out)
	}
	var rep runReport
	b, err := os.ReadFile(workdir(work).runJSON())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Canary == nil || rep.Canary.Skipped || rep.Canary.Rows["tickets"] == 0 || len(rep.Canary.Failures) != 0 {
		t.Fatalf("run.json canary: %+v", rep.Canary)
	}
	// The clean drew the sample as it wrote the store: the sample DrawSample gives on it.
	db, err := store.OpenReadOnly(workdir(work).clean())
	if err != nil {
		t.Fatal(err)
	}
	sm, err := clean.DrawSample(context.Background(), db, contract.ServiceDesk(), 1)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Canary.Rows, sm.Rows) || !reflect.DeepEqual(rep.Canary.Strata, sm.Strata) {
		t.Errorf("canary rows %v strata %v, DrawSample on the clean store rows %v strata %v", rep.Canary.Rows, rep.Canary.Strata, sm.Rows, sm.Strata)
	}
	if got := sdSchemas(t, dsn); got != "servicedesk / servicedesk:live" {
		t.Errorf("after a run: %s", got)
	}
	live := liveHash(t, dsn)

	// A query the dashboards ship that fails on the sample: exit 6, live untouched.
	qdir := t.TempDir()
	bad := writeFile(t, qdir, "backlog.sql", `SELECT "TKT-Statuss", count(*) FROM tickets GROUP BY 1`)
	code, stdout, stderr := sdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work, "--canary-query", bad, "--json")
	if code != 6 || !strings.Contains(stderr, "canary failed: query backlog.sql: ERROR: column \"TKT-Statuss\" does not exist") ||
		!strings.Contains(stderr, "the live schema is untouched") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.Outcome != "canary_failed" || rep.ExitCode != 6 {
		t.Errorf("run --json: outcome %q exit %d (%v)", rep.Outcome, rep.ExitCode, err)
	}
	if got := liveHash(t, dsn); got != live {
		t.Errorf("a failed canary changed the live schema")
	}
	if got := sdSchemas(t, dsn); got != "servicedesk / servicedesk:live" {
		t.Errorf("after a failed canary: %s", got)
	}

	// --no-canary: the failing query is never run, the load goes ahead.
	out = mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work, "--canary-query", bad, "--no-canary")
	if strings.Contains(out, "canary:") {
		t.Errorf("--no-canary ran a canary:\n%s", out)
	}
}

// TestCanaryKilled: a run killed (SIGKILL) while its canary is loaded leaves the canary schema,
// recorded as sdetl's, and the live schema exactly as it was; the next run drops the leftover
// and succeeds, and no canary schema survives it.
func TestCanaryKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a subprocess")
	}
	dir, _ := generate(t, synth.Options{Scale: 0.05, Seed: 4, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn, work := pgtest.DSN(t), t.TempDir()
	mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work, "--no-canary")
	live := liveHash(t, dsn)
	// A query that sleeps holds the run in its canary, with the sample loaded.
	slow := writeFile(t, t.TempDir(), "slow.sql", "SELECT pg_sleep(2)")
	cmd := exec.Command(os.Args[0], "run", "--exports", dir, "--pg", dsn, "--workdir", work, "--canary-query", slow)
	cmd.Env = append(os.Environ(), "SDETL_TEST_AS_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	sleeping := func() bool {
		var n int
		conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(2)%' AND pid <> pg_backend_pid()`).Scan(&n)
		return n > 0
	}
	for deadline := time.Now().Add(60 * time.Second); !sleeping(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the canary never reached its query")
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if got := sdSchemas(t, dsn); got != "servicedesk servicedesk__canary / servicedesk:live servicedesk__canary:canary" {
		t.Fatalf("after the kill: %s (want the recorded canary left behind)", got)
	}
	if got := liveHash(t, dsn); got != live {
		t.Errorf("a run killed in its canary changed the live schema")
	}
	// The killed run's backend holds the advisory lock until its query ends.
	for deadline := time.Now().Add(30 * time.Second); sleeping() && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
	}
	mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work)
	if got := sdSchemas(t, dsn); got != "servicedesk / servicedesk:live" {
		t.Errorf("after the next run: %s", got)
	}
}
