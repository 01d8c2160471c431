package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/pgcluster"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/synth"
)

// liveRowHash is an order-independent hash of every live table's rows, from PostgreSQL's own
// rendering of each row: equal means byte for byte the same data.
func liveRowHash(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var parts []string
	for _, tb := range []string{"tickets", "comments", "timesheets", "roster", "quarantine"} {
		var h string
		if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint::numeric), 0)::text || '/' || count(*) FROM servicedesk.%s t`, tb)).Scan(&h); err != nil {
			t.Fatalf("hash servicedesk.%s: %v", tb, err)
		}
		parts = append(parts, tb+"="+h)
	}
	return strings.Join(parts, " ")
}

// strayState lists the servicedesk schemas and what the ledger and records say of them.
func strayState(t *testing.T, dsn string) (schemas []string, building int, running int) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'servicedesk%' AND nspname <> 'servicedesk_ext' ORDER BY 1`) // _ext: comment_quality, no generation
	if err != nil {
		t.Fatal(err)
	}
	if schemas, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM sdetl.owned_schemas WHERE purpose = 'building'),
		(SELECT count(*) FROM sdetl.runs WHERE status = 'running')`).Scan(&building, &running); err != nil {
		t.Fatal(err)
	}
	return schemas, building, running
}

// startPaused starts `sdetl args...` as a child that pauses at point and returns once it says so.
// done closes when the child's stderr is read to its end (all of log is there): wait for it
// before cmd.Wait, which closes the pipe.
func startPaused(t *testing.T, point string, args ...string) (cmd *exec.Cmd, log *strings.Builder, done <-chan struct{}) {
	t.Helper()
	cmd = exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SDETL_TEST_AS_MAIN=1", postgres.EnvTestPause+"="+point)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	paused := make(chan bool, 1)
	log = &strings.Builder{}
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stderr)
		said := false
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if !said && strings.HasPrefix(sc.Text(), "sdetl-test-paused: ") {
				said = true
				paused <- true
			}
		}
		if !said {
			paused <- false
		}
	}()
	select {
	case ok := <-paused:
		if !ok {
			cmd.Wait()
			t.Fatalf("sdetl %v ended without reaching %s:\n%s", args, point, log.String())
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("sdetl never reached %s", point)
	}
	return cmd, log, read
}

// TestMigrationSurvivesKill: SIGKILL during the canary, during COPY, during the index build, during the
// reconciliation, just before the swap and during the drop of an old generation (dropped, not
// yet committed). The killed run loads other exports than live holds, so a swap it should not
// have made would show: before the swap live's rows are as before; at the drop the swap had
// committed, so live is the killed run's generation and the retired one is still there,
// recorded. Each time the next run succeeds, reports the killed run, makes the original rows
// live again, and leaves no stray schema, building record or running ledger row.
func TestMigrationSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills subprocesses")
	}
	t.Parallel() // mostly waiting on children and PostgreSQL
	dir, _ := generate(t, synth.Options{Scale: 0.02, Seed: 5, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	other, _ := generate(t, synth.Options{Scale: 0.015, Seed: 15, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work, otherWork := t.TempDir(), t.TempDir()
	base := []string{"run", "--exports", dir, "--pg", dsn, "--workdir", work}
	mustSdetl(t, base...)
	original := liveRowHash(t, dsn)
	for _, point := range []string{"canary", "copy", "index", "reconcile", "swap", "drop"} {
		t.Run(point, func(t *testing.T) {
			before := liveRowHash(t, dsn)
			if before != original {
				t.Fatal("live does not hold the original rows at the start")
			}
			retired, _, _ := strayState(t, dsn)
			// --keep 0 makes every run drop the generation it retires: the drop point is reached.
			args := []string{"run", "--exports", other, "--pg", dsn, "--workdir", otherWork, "--force", "--keep", "0"}
			if point != "canary" { // the canary is proven by its own kill; the rest skip it
				args = append(args, "--no-canary")
			}
			cmd, _, _ := startPaused(t, point, args...)
			cmd.Process.Kill()
			cmd.Wait()
			after := liveRowHash(t, dsn)
			if point != "drop" && after != before {
				t.Fatalf("killed at %s: live changed\nbefore %s\nafter  %s", point, before, after)
			}
			if point == "drop" {
				// The swap committed, the drop of the retired generation did not.
				killed := lastRunID(t, dsn)
				if after == before || liveRun(t, dsn) != killed {
					t.Fatalf("killed during the drop: live is run %d's generation (killed run %d), rows changed %v", liveRun(t, dsn), killed, after != before)
				}
				schemas, _, _ := strayState(t, dsn)
				if len(schemas) != len(retired)+1 {
					t.Fatalf("killed during the drop: schemas %v (before %v): the retired generation should still be there", schemas, retired)
				}
			}
			code, out, errs := sdetl(t, append(base, "--force", "--no-canary")...)
			if code != 0 {
				t.Fatalf("the run after a kill at %s: exit %d\n%s\n%s", point, code, out, errs)
			}
			if !strings.Contains(errs, "was killed; marked so") {
				t.Errorf("the run after a kill at %s did not report the killed run: %s", point, errs)
			}
			if liveRowHash(t, dsn) != original {
				t.Fatalf("the run after a kill at %s did not make the original rows live", point)
			}
			schemas, building, running := strayState(t, dsn)
			if building != 0 || running != 0 || len(schemas) > 3 || schemas[0] != "servicedesk" || strings.Contains(strings.Join(schemas, " "), "__canary") {
				t.Fatalf("after a kill at %s and a run: schemas %v, %d building, %d running", point, schemas, building, running)
			}
		})
	}
}

// lastRunID is the ledger's newest run.
func lastRunID(t *testing.T, dsn string) (id int64) {
	t.Helper()
	queryOne(t, dsn, `SELECT max(run_id) FROM sdetl.runs`, &id)
	return id
}

// liveRun is the run whose generation is live.
func liveRun(t *testing.T, dsn string) (id int64) {
	t.Helper()
	queryOne(t, dsn, `SELECT run_id FROM sdetl.owned_schemas WHERE name = 'servicedesk' AND purpose = 'live'`, &id)
	return id
}

// TestMigrationSurvivesPostgresRestart: PostgreSQL restarted in the middle of the COPY fails
// the run with a clear line, live unchanged; the next run succeeds and leaves nothing stray.
func TestMigrationSurvivesPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a cluster")
	}
	ctx := context.Background()
	// Not t.TempDir (mode 0700): the server may run as another user, who must reach it.
	pgdir, err := os.MkdirTemp("", "sdetl-restart-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(pgdir) })
	if err := os.Chmod(pgdir, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := pgcluster.NewWithOptions(filepath.Join(pgdir, "pg"), pgcluster.Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	dsn := c.DSN("postgres")
	dir, _ := generate(t, synth.Options{Scale: 0.02, Seed: 6, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	work := t.TempDir()
	base := []string{"run", "--exports", dir, "--pg", dsn, "--workdir", work, "--force"}
	mustSdetl(t, base...)
	before := liveRowHash(t, dsn)

	cmd, log, logged := startPaused(t, "copy:3s", base...)
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	<-logged
	err = cmd.Wait()
	last := strings.TrimSpace(log.String())
	last = last[strings.LastIndex(last, "\n")+1:]
	// Whichever notices the restart first names it: the COPY's connection (lost, exit 1), or
	// the health ping asking while the server shuts down (does not answer, exit 7).
	ee, ok := err.(*exec.ExitError)
	switch {
	case !ok:
		t.Fatalf("run across a restart: %v\n%s", err, log.String())
	case ee.ExitCode() == exitError:
		if !strings.HasPrefix(last, "sdetl: lost the PostgreSQL connection") || !strings.Contains(last, "live is unchanged") {
			t.Errorf("the failure line does not say what happened: %q", last)
		}
	case ee.ExitCode() == exitHealth:
		if !strings.Contains(last, "health check failed in load: the PostgreSQL connection does not answer") || !strings.Contains(last, "live schema untouched") {
			t.Errorf("the failure line does not say what happened: %q", last)
		}
	default:
		t.Fatalf("run across a restart: exit %d\n%s", ee.ExitCode(), log.String())
	}
	t.Logf("failure line: %s", last)
	if after := liveRowHash(t, dsn); after != before {
		t.Fatal("live changed across the restart")
	}
	mustSdetl(t, base...)
	if after := liveRowHash(t, dsn); after != before {
		t.Fatal("the next run changed the rows")
	}
	if schemas, building, running := strayState(t, dsn); building != 0 || running != 0 || len(schemas) > 3 {
		t.Fatalf("after the restart and a run: schemas %v, %d building, %d running", schemas, building, running)
	}
}
