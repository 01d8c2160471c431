package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/backup"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

func flipByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	exports, _ := generate(t, synth.Options{Scale: 0.01, Seed: 11, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	mustSdetl(t, "run", "--exports", exports, "--pg", dsn, "--workdir", work)
	stageRows, err := store.RowCounts(ctx, filepath.Join(work, "stage.db"))
	if err != nil {
		t.Fatal(err)
	}

	out := mustSdetl(t, "backup", "all", "--verify-restore", "--pg", dsn, "--workdir", work, "--json")
	var made []backup.Manifest
	if err := json.Unmarshal([]byte(out), &made); err != nil || len(made) != 2 {
		t.Fatalf("backup all --json: %v %q", err, out)
	}
	dir := filepath.Join(work, "backups")
	st, pg := made[0], made[1]
	if st.Kind != "stage" || pg.Kind != "postgres" || st.SHA256 == "" || st.MD5 == "" || pg.ServerVersion == "" || st.ToolVersion == "" {
		t.Fatalf("manifests %+v %+v", st, pg)
	}
	for _, name := range []string{st.File, pg.File, st.ID + ".manifest.json", pg.ID + ".manifest.json"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v mode %v, want 0600", name, err, fi.Mode())
		}
	}
	if !mapsEqual(st.Rows, stageRows) {
		t.Errorf("manifest rows %v, store %v", st.Rows, stageRows)
	}

	t.Run("staging store restored byte-identical", func(t *testing.T) {
		os.WriteFile(filepath.Join(work, "stage.db"), []byte("ruined"), 0o600)
		mustSdetl(t, "restore", st.ID, "--workdir", work)
		d, _ := os.ReadFile(filepath.Join(work, "stage.db"))
		b, _ := os.ReadFile(filepath.Join(dir, st.File))
		if string(d) != string(b) {
			t.Fatal("the restored store differs from the backup")
		}
		rows, err := store.RowCounts(ctx, filepath.Join(work, "stage.db"))
		if err != nil || !mapsEqual(rows, stageRows) {
			t.Errorf("restored rows %v (%v), want %v", rows, err, stageRows)
		}
		mustSdetl(t, "backup", "verify", st.ID, "--workdir", work)
	})

	t.Run("postgres restored with identical rows and row hashes", func(t *testing.T) {
		db := "sdetl_restore_rt_" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_"))[:10]
		out := mustSdetl(t, "restore", pg.ID, "--into", db, "--pg", dsn, "--workdir", work)
		t.Cleanup(func() { dropDB(t, dsn, db) })
		if !strings.Contains(out, "live schema was not touched") {
			t.Errorf("%s", out)
		}
		live, err := postgres.Digests(ctx, dsn, "", pg.Schemas)
		if err != nil {
			t.Fatal(err)
		}
		got, err := postgres.Digests(ctx, dsn, db, pg.Schemas)
		if err != nil {
			t.Fatal(err)
		}
		if len(live) == 0 || len(live) != len(got) {
			t.Fatalf("live %d tables, restored %d", len(live), len(got))
		}
		for k, d := range live {
			if got[k] != d {
				t.Errorf("%s: restored %+v, live %+v", k, got[k], d)
			}
		}
	})

	t.Run("a flipped byte is found by verify and refused by restore", func(t *testing.T) {
		for _, m := range []backup.Manifest{st, pg} {
			path := filepath.Join(dir, m.File)
			good, _ := os.ReadFile(path)
			flipByte(t, path)
			code, _, errs := sdetl(t, "backup", "verify", m.ID, "--workdir", work)
			if code == 0 || !strings.Contains(errs, path) || !strings.Contains(errs, "corrupt") {
				t.Errorf("verify %s: exit %d %q", m.Kind, code, errs)
			}
			before, _ := os.ReadFile(filepath.Join(work, "stage.db"))
			code, _, errs = sdetl(t, "restore", m.ID, "--workdir", work, "--pg", dsn, "--into", "sdetl_never_made")
			if code == 0 || !strings.Contains(errs, "restore refused") || !strings.Contains(errs, path) {
				t.Errorf("restore %s: exit %d %q", m.Kind, code, errs)
			}
			if after, _ := os.ReadFile(filepath.Join(work, "stage.db")); string(after) != string(before) {
				t.Error("a refused restore changed the staging store")
			}
			os.WriteFile(path, good, 0o600)
		}
	})

	t.Run("prune keeps the N newest and leaves foreign files", func(t *testing.T) {
		before, _ := backup.List(dir) // run's own backup before the load, and backup all's
		for range 3 {
			mustSdetl(t, "backup", "--workdir", work)
		}
		foreign := []string{filepath.Join(dir, "notes.txt"), filepath.Join(dir, "sdetl-stage-20200101T000000.000000Z.db")}
		for _, p := range foreign {
			os.WriteFile(p, []byte("not the tool's"), 0o644)
		}
		all, _ := backup.List(dir)
		var stages []string
		for _, m := range all {
			if m.Kind == "stage" {
				stages = append(stages, m.ID)
			}
		}
		if len(stages) != len(before)-1+3 || len(stages) < 4 {
			t.Fatalf("%d stage backups, want %d", len(stages), len(before)-1+3)
		}
		out := mustSdetl(t, "backup", "prune", "--keep", "2", "--workdir", work)
		left, _ := backup.List(dir)
		var ids []string
		for _, m := range left {
			ids = append(ids, m.ID)
		}
		want := []string{stages[0], stages[1], pg.ID}
		slices.Sort(ids)
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Errorf("left %v, want %v", ids, want)
		}
		for _, id := range stages[2:] {
			if !strings.Contains(out, id) {
				t.Errorf("prune did not say it deleted %s: %s", id, out)
			}
			if _, err := os.Stat(filepath.Join(dir, id+".db")); err == nil {
				t.Errorf("%s still there", id)
			}
		}
		for _, p := range foreign {
			if _, err := os.Stat(p); err != nil {
				t.Errorf("foreign file %s was deleted", p)
			}
		}
	})
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func dropDB(t *testing.T, dsn, db string) {
	conn, err := postgres.Connect(context.Background(), dsn)
	if err != nil {
		t.Log(err)
		return
	}
	defer conn.Close(context.Background())
	conn.Exec(context.Background(), `DROP DATABASE IF EXISTS "`+db+`" WITH (FORCE)`)
}
