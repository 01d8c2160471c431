package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/synth"
)

func TestMain(m *testing.M) {
	if os.Getenv("SDETL_TEST_AS_MAIN") == "1" { // re-exec'd by a test as the real command
		main()
	}
	os.Exit(pgtest.Main(m))
}

// sdetl runs the CLI in-process. stderr is what a person reads there: the JSON lines a run
// writes to a stderr that is not a terminal (its log lines and progress events) are left out,
// after checking that each is one or the other (sdetlRaw keeps them).
func sdetl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	code, stdout, raw := sdetlRaw(t, args...)
	return code, stdout, humanLines(t, raw)
}

// sdetlRaw runs the CLI in-process and returns stderr whole.
func sdetlRaw(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// humanLines drops the JSON lines of stderr, failing t on one that is neither a log line
// ("level" and "msg", with a "run_id") nor a progress event ("event" and "stage"), or both.
func humanLines(t *testing.T, stderr string) string {
	t.Helper()
	var b strings.Builder
	for _, l := range strings.SplitAfter(stderr, "\n") {
		if !strings.HasPrefix(l, "{") {
			b.WriteString(l)
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("stderr line is not JSON: %q: %v", l, err)
			continue
		}
		isLog := m["level"] != nil && m["msg"] != nil && m["run_id"] != nil
		isEvent := m["event"] != nil && m["stage"] != nil
		if isLog == isEvent || isLog && m["event"] != nil || isEvent && m["msg"] != nil {
			t.Errorf("stderr JSON line is neither a log line nor a progress event, or both: %s", l)
		}
	}
	return b.String()
}

func mustSdetl(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := sdetl(t, args...)
	if code != 0 {
		t.Fatalf("sdetl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func generate(t *testing.T, o synth.Options) (string, *synth.Truth) {
	t.Helper()
	dir := t.TempDir()
	tr, err := synth.Generate(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return dir, tr
}

// TestRunMatchesTruth is the walking skeleton's promise: generated exports, loaded into a real
// PostgreSQL, give exactly the truth's loaded and quarantined counts, with typed date columns;
// and a second run over the same exports gives the same result.
func TestRunMatchesTruth(t *testing.T) {
	cases := []synth.Options{
		{Scale: 0.05, Seed: 7, Format: "xlsx", Dialect: "legacy", Dirt: "realistic"},
		{Scale: 0.05, Seed: 7, Format: "csv", Dialect: "legacy", Dirt: "realistic"},
		{Scale: 0.05, Seed: 8, Format: "xlsx", Dialect: "2026", Dirt: "realistic"},
	}
	for _, o := range cases {
		t.Run(o.Format+"_"+o.Dialect, func(t *testing.T) {
			t.Parallel()
			dir, truth := generate(t, o)
			dsn := pgtest.DSN(t)
			work := t.TempDir()
			for pass := 1; pass <= 2; pass++ {
				mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work)
				checkAgainstTruth(t, dsn, truth)
				checkLoadedContent(t, dsn)
			}
		})
	}
}

func checkAgainstTruth(t *testing.T, dsn string, truth *synth.Truth) {
	t.Helper()
	s := contract.ServiceDesk()
	live, err := postgres.Counts(context.Background(), dsn, s)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range truth.Counts {
		if got := live.Rows[name]; got != int64(c.Loaded) {
			t.Errorf("%s: loaded %d rows, truth says %d", name, got, c.Loaded)
		}
		if got := live.Quarantined[name]; got != int64(c.Quarantined) {
			t.Errorf("%s: quarantined %d rows, truth says %d", name, got, c.Quarantined)
		}
	}
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, tb := range s.Tables {
		for _, c := range tb.Columns {
			var got string
			err := conn.QueryRow(context.Background(), `SELECT data_type FROM information_schema.columns
				WHERE table_schema = $1 AND table_name = $2 AND column_name = $3`, s.Schema, tb.Name, c.Name).Scan(&got)
			if err != nil {
				t.Fatalf("%s.%s: %v", tb.Name, c.Name, err)
			}
			want := map[contract.Type]string{contract.Timestamp: "timestamp without time zone", contract.Date: "date",
				contract.Time: "time without time zone", contract.Integer: "bigint", contract.Decimal: "numeric"}[c.Type]
			if want != "" && got != want {
				t.Errorf("%s.%s: type %s, want %s", tb.Name, c.Name, got, want)
			}
		}
	}
}

// TestBadInput: every kind of bad input ends in one line naming the file (and position where
// there is one), a non-zero exit, and no half-written artifact.
func TestBadInput(t *testing.T) {
	good, _ := generate(t, synth.Options{Scale: 0.01, Seed: 3, Format: "csv", Dialect: "legacy", Dirt: "none"})
	goodX, _ := generate(t, synth.Options{Scale: 0.01, Seed: 3, Format: "xlsx", Dialect: "legacy", Dirt: "none"})
	copyDir := func(src string) string {
		dst := t.TempDir()
		ents, _ := os.ReadDir(src)
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644)
		}
		return dst
	}
	cases := []struct {
		name  string
		setup func() string // returns the exports dir
		want  []string      // substrings of the error line
	}{
		{"missing file", func() string {
			d := copyDir(good)
			os.Remove(filepath.Join(d, "comments.csv"))
			return d
		}, []string{"comments"}},
		{"missing required column", func() string {
			d := copyDir(good)
			p := filepath.Join(d, "timesheets.csv")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte("TS-Hours"), []byte("TS-Hourz"), 1), 0o644)
			return d
		}, []string{"timesheets.csv", "TS-Hours"}},
		{"truncated xlsx", func() string {
			d := copyDir(goodX)
			p := filepath.Join(d, "tickets.xlsx")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
			return d
		}, []string{"tickets.xlsx"}},
		{"broken csv quoting", func() string {
			d := copyDir(good)
			p := filepath.Join(d, "tickets.csv")
			b, _ := os.ReadFile(p)
			lines := bytes.SplitN(b, []byte("\n"), 4)
			lines[2] = append([]byte(`12"34,`), lines[2]...)
			os.WriteFile(p, bytes.Join(lines, []byte("\n")), 0o644)
			return d
		}, []string{"tickets.csv:3:"}},
	}
	// A reachable database: run checks the schema's ownership there before it reads anything.
	dsn := pgtest.DSN(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			work := t.TempDir()
			code, _, errs := sdetl(t, "run", "--exports", c.setup(), "--pg", dsn, "--workdir", work)
			if code == 0 {
				t.Fatal("exit 0")
			}
			line := strings.TrimSpace(errs)
			if strings.Count(line, "\n") != 0 || !strings.HasPrefix(line, "sdetl: ") {
				t.Errorf("want one line, got %q", errs)
			}
			for _, w := range c.want {
				if !strings.Contains(line, w) {
					t.Errorf("error %q does not mention %q", line, w)
				}
			}
			left, _ := filepath.Glob(filepath.Join(work, "*.db"))
			tmps, _ := filepath.Glob(filepath.Join(work, ".*.tmp-*"))
			if left = append(left, tmps...); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
	t.Run("unreachable database", func(t *testing.T) {
		work := t.TempDir()
		code, _, errs := sdetl(t, "run", "--exports", good, "--pg", "host=/nonexistent port=1 password=hunter2", "--workdir", work)
		if code == 0 || !strings.Contains(errs, "connect to PostgreSQL") || strings.Contains(errs, "hunter2") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
}

// TestFieldCountQuarantined: a CSV row with the wrong number of fields is quarantined with its
// position (SPEC section 1), never realigned, and the rest loads.
func TestFieldCountQuarantined(t *testing.T) {
	dir, truth := generate(t, synth.Options{Scale: 0.01, Seed: 4, Format: "csv", Dialect: "legacy", Dirt: "none"})
	p := filepath.Join(dir, "timesheets.csv")
	b, _ := os.ReadFile(p)
	b = append(b, []byte("a,b,c\n")...)
	os.WriteFile(p, b, 0o644)
	dsn := pgtest.DSN(t)
	mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", t.TempDir())
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var rule string
	var row int
	if err := conn.QueryRow(context.Background(), `SELECT rule, source_row FROM servicedesk.quarantine WHERE table_name = 'timesheets'`).Scan(&rule, &row); err != nil {
		t.Fatal(err)
	}
	if want := truth.Counts["timesheets"].Exported + 1; rule != contract.RuleFieldCount || row != want {
		t.Errorf("quarantined %s at row %d, want %s at %d", rule, row, contract.RuleFieldCount, want)
	}
}

// checkLoadedContent: what dashboards read is clean — no empty strings or sentinels in text
// columns, no padding, flags and months in their domain, dates inside [2020-01-01, now+30d],
// and the KPI inputs typed.
func checkLoadedContent(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	s := contract.ServiceDesk()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	sentinels := []string{"", "nan", "null", "n/a", "?", "-"}
	for _, tb := range s.Tables {
		for _, c := range tb.Columns {
			col := pgx.Identifier{c.Name}.Sanitize()
			tbl := pgx.Identifier{s.Schema, tb.Name}.Sanitize()
			var q string
			var args []any
			switch c.Type {
			case contract.Text, contract.Flag, contract.Month:
				q = fmt.Sprintf(`SELECT count(*) FROM %s WHERE lower(%s) = ANY($1) OR %s <> btrim(%s, E' \t\n\r')`, tbl, col, col, col)
				args = []any{sentinels}
				if c.Type == contract.Flag {
					q += fmt.Sprintf(` OR %s NOT IN ('yes', 'no')`, col)
				}
				if c.Type == contract.Month {
					q += fmt.Sprintf(` OR %s !~ '^[0-9]{4}-(0[1-9]|1[0-2])$'`, col)
				}
			case contract.Timestamp, contract.Date:
				q = fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s < '2020-01-01' OR %s > now() + interval '30 days'`, tbl, col, col)
			default:
				continue
			}
			var bad int
			if err := conn.QueryRow(ctx, q, args...).Scan(&bad); err != nil {
				t.Fatalf("%s.%s: %v", tb.Name, c.Name, err)
			}
			if bad != 0 {
				t.Errorf("%s.%s: %d values outside the clean domain", tb.Name, c.Name, bad)
			}
		}
	}
	kpiInputs := map[[2]string]string{
		{"tickets", "TKT-Created Time"}: "timestamp without time zone", {"tickets", "TKT-Actual Resolution Date"}: "timestamp without time zone",
		{"tickets", "TKT-Ticket ID"}: "bigint", {"comments", "ticket_id"}: "bigint", {"comments", "customer_facing"}: "boolean",
		{"comments", "created_time"}: "timestamp without time zone", {"timesheets", "TS-Hours"}: "numeric",
		{"timesheets", "TS-Crm ID"}: "bigint", {"timesheets", "TS-Date"}: "date",
	}
	for k, want := range kpiInputs {
		var got string
		if err := conn.QueryRow(ctx, `SELECT data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3`,
			s.Schema, k[0], k[1]).Scan(&got); err != nil || got != want {
			t.Errorf("%s.%s: type %q (%v), want %s", k[0], k[1], got, err, want)
		}
	}
}
