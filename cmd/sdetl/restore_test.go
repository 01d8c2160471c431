package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/backup"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/synth"
)

// scratchDBs lists the restore scratch databases left on the server for dsn's database.
func scratchDBs(t *testing.T, dsn string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'sdetl_scratch%'
		AND shobj_description(oid, 'pg_database') LIKE '%of database ' || current_database() || ';%'`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestRestoreThroughGeneration: a PostgreSQL backup, then a changed load, then the restore:
// live holds the backup's rows again (row counts and row hashes of the manifest), a reader on
// live sees no error and no empty result during it, the restore is a generation in the ledger
// that rollback undoes, a tampered dump is refused with its file named and live untouched, and
// a restore killed half-way leaves nothing the next start does not clean up.
func TestRestoreThroughGeneration(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	a, _ := generate(t, synth.Options{Scale: 0.01, Seed: 21, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	b, _ := generate(t, synth.Options{Scale: 0.01, Seed: 22, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	mustSdetl(t, "run", "--exports", a, "--pg", dsn, "--workdir", work, "--no-backup")
	hashA := liveRowHash(t, dsn)
	var made []backup.Manifest
	if err := json.Unmarshal([]byte(mustSdetl(t, "backup", "pg", "--pg", dsn, "--workdir", work, "--json")), &made); err != nil || len(made) != 1 {
		t.Fatalf("backup pg --json: %v %v", err, made)
	}
	m := made[0]
	if m.Fingerprint == "" {
		t.Fatal("the manifest records no reconciliation fingerprint")
	}
	mustSdetl(t, "run", "--exports", b, "--fresh", "--pg", dsn, "--workdir", work, "--no-backup")
	hashB := liveRowHash(t, dsn)
	if hashB == hashA {
		t.Fatal("the changed load left the same rows: the test would prove nothing")
	}
	restore := []string{"restore", m.ID, "--pg", dsn, "--workdir", work}

	t.Run("a tampered dump is refused, named, live untouched", func(t *testing.T) {
		path := filepath.Join(work, "backups", m.File)
		good, _ := os.ReadFile(path)
		defer os.WriteFile(path, good, 0o600)
		flipByte(t, path)
		code, _, errs := sdetl(t, restore...)
		if code == 0 || !strings.Contains(errs, "restore refused") || !strings.Contains(errs, path) {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if liveRowHash(t, dsn) != hashB {
			t.Fatal("a refused restore changed live")
		}
		if left := scratchDBs(t, dsn); len(left) != 0 {
			t.Fatalf("scratch databases left: %v", left)
		}
	})

	t.Run("restored live through a generation, a reader sees no error", func(t *testing.T) {
		var queries, failures atomic.Int64
		var firstErr atomic.Value
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // a dashboard stand-in on its own connection
			defer wg.Done()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				firstErr.Store(err.Error())
				failures.Add(1)
				return
			}
			defer conn.Close(ctx)
			for {
				select {
				case <-stop:
					return
				default:
				}
				var n, groups int64
				err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM servicedesk.tickets),
					(SELECT count(*) FROM (SELECT "TKT-Status", count(*) FROM servicedesk.tickets GROUP BY 1) g)`).Scan(&n, &groups)
				queries.Add(1)
				time.Sleep(2 * time.Millisecond) // a dashboard's pace, not a busy loop on two shared cores
				if err != nil || n == 0 || groups == 0 {
					failures.Add(1)
					if err != nil {
						firstErr.CompareAndSwap(nil, err.Error())
					}
				}
			}
		}()
		time.Sleep(100 * time.Millisecond)
		out := mustSdetl(t, restore...)
		close(stop)
		wg.Wait()
		if failures.Load() != 0 || queries.Load() < 10 {
			t.Fatalf("the reader: %d of %d queries failed or saw nothing (%v)", failures.Load(), queries.Load(), firstErr.Load())
		}
		t.Logf("reader: %d queries, none failed; %s", queries.Load(), strings.TrimSpace(out))
		if got := liveRowHash(t, dsn); got != hashA {
			t.Fatalf("live after the restore\n%s\nthe backup's\n%s", got, hashA)
		}
		live, err := postgres.Digests(ctx, dsn, "", []string{"servicedesk"})
		if err != nil {
			t.Fatal(err)
		}
		for k, d := range live {
			if m.Rows[k] != d.Rows || m.RowHashes[k] != d.MD5 {
				t.Errorf("%s: live %d rows hash %s, the manifest %d rows hash %s", k, d.Rows, d.MD5, m.Rows[k], m.RowHashes[k])
			}
		}
		if left := scratchDBs(t, dsn); len(left) != 0 {
			t.Fatalf("scratch databases left: %v", left)
		}
		var gens []postgres.Generation
		if err := json.Unmarshal([]byte(mustSdetl(t, "generations", "--pg", dsn, "--workdir", work, "--json")), &gens); err != nil || len(gens) == 0 {
			t.Fatalf("generations: %v %v", err, gens)
		}
		var kind string
		queryOne(t, dsn, `SELECT kind || '/' || status FROM sdetl.runs WHERE run_id = `+strconv.FormatInt(gens[0].Run, 10), &kind)
		if !gens[0].Live || kind != "restore/ok" || gens[0].Fingerprint != m.Fingerprint || len(gens[0].Inputs) != 1 || gens[0].Inputs[0].SHA256 != m.SHA256 {
			t.Fatalf("the newest generation %+v (%s) is not the live restore of the backup", gens[0], kind)
		}
		mustSdetl(t, "rollback", "--pg", dsn, "--workdir", work)
		if liveRowHash(t, dsn) != hashB {
			t.Fatal("rollback did not undo the restore")
		}
	})

	t.Run("a restore killed half-way is cleaned up by the next start", func(t *testing.T) {
		cmd, _, _ := startPaused(t, "reconcile", restore...)
		if len(scratchDBs(t, dsn)) != 1 {
			t.Fatal("the paused restore has no scratch database")
		}
		cmd.Process.Kill()
		cmd.Wait()
		if liveRowHash(t, dsn) != hashB {
			t.Fatal("the killed restore changed live")
		}
		_, errs := mustSdetlErr(t, restore...)
		if !strings.Contains(errs, "dropped scratch database") || !strings.Contains(errs, "was killed") {
			t.Errorf("the next start did not report the cleanup: %s", errs)
		}
		if liveRowHash(t, dsn) != hashA {
			t.Fatal("the restore after the kill did not restore the backup")
		}
		if left := scratchDBs(t, dsn); len(left) != 0 {
			t.Fatalf("scratch databases left: %v", left)
		}
		if _, building, running := strayState(t, dsn); building != 0 || running != 0 {
			t.Fatalf("%d building, %d running left", building, running)
		}
	})
}

func mustSdetlErr(t *testing.T, args ...string) (string, string) {
	t.Helper()
	code, out, errs := sdetl(t, args...)
	if code != 0 {
		t.Fatalf("sdetl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out, errs
}
