package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestRunLeavesNoPassword: a run (with its log on stderr, metrics, the backup before the
// load, and a backup of the schema) given a DSN with a password leaves it in no file under
// the work dir, not on stdout or stderr, and not in sdetl's bookkeeping tables; the run log
// has the run id and the stage on every line.
func TestRunLeavesNoPassword(t *testing.T) {
	const secret = "Pw-9f3Kq-NeverShown"
	exports, _ := generate(t, synth.Options{Scale: 0.01, Seed: 31, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t) + " password=" + secret
	work := t.TempDir()
	var out, errs bytes.Buffer
	for _, args := range [][]string{
		{"preflight", "--exports", exports, "--pg", dsn, "--workdir", work, "--json"},
		{"run", "--exports", exports, "--pg", dsn, "--workdir", work, "--json", "--log-stderr", "--metrics-textfile", filepath.Join(work, "metrics")},
		{"backup", "pg", "--pg", dsn, "--workdir", work, "--json"},
		{"run", "--exports", filepath.Join(work, "nowhere"), "--pg", dsn + " port=1", "--workdir", work, "--skip-preflight", "--log-stderr"},
	} {
		code := run(context.Background(), args, &out, &errs)
		if code != 0 && args[0] != "run" || args[0] == "run" && args[2] == exports && code != 0 {
			t.Fatalf("%v: exit %d\n%s", args[:1], code, errs.String())
		}
	}
	if strings.Contains(out.String(), secret) || strings.Contains(errs.String(), secret) {
		t.Errorf("the password is on stdout or stderr")
	}
	var logs []string
	filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Error(err)
		}
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the password is in %s", p)
		}
		if strings.HasSuffix(p, ".jsonl") {
			logs = append(logs, p)
		}
		return nil
	})
	if len(logs) != 2 {
		t.Fatalf("%d run logs, want 2: %v", len(logs), logs)
	}
	stages := map[string]bool{}
	for _, p := range logs {
		f, _ := os.Open(p)
		sc := bufio.NewScanner(f)
		errorsLogged := 0
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("%s: not JSON: %s", p, sc.Text())
			}
			if line["run_id"] == nil || line["run_id"] == "" {
				t.Errorf("%s: no run id: %s", p, sc.Text())
			}
			if s, _ := line["stage"].(string); s != "" {
				stages[s] = true
			} else if line["msg"] != "run ended" {
				t.Errorf("%s: no stage: %s", p, sc.Text())
			}
			if line["level"] == "ERROR" {
				errorsLogged++
			}
		}
		f.Close()
		if errorsLogged > 1 {
			t.Errorf("%s: the error was logged %d times", p, errorsLogged)
		}
	}
	for _, s := range []string{"import", "clean", "load", "reconcile"} {
		if !stages[s] {
			t.Errorf("no log line in stage %s (%v)", s, stages)
		}
	}
	if !strings.Contains(errs.String(), `"run_id"`) {
		t.Error("--log-stderr wrote no JSON lines to a non-terminal stderr")
	}
	conn, err := postgres.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `SELECT table_name FROM information_schema.tables WHERE table_schema = 'sdetl'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) == 0 {
		t.Fatal("no bookkeeping tables")
	}
	for _, tb := range tables {
		var text string
		if err := conn.QueryRow(context.Background(), `SELECT coalesce(string_agg(t::text, ' '), '') FROM sdetl.`+`"`+tb+`" t`).Scan(&text); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text, secret) {
			t.Errorf("the password is in sdetl.%s", tb)
		}
	}
}
