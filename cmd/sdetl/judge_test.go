package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/csvfile"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/synth"
)

// corrupt rewrites some columns of a generated CSV export: every row for which pick says so
// gets garbage text in those columns.
func corrupt(t *testing.T, path string, cols []string, pick func(row int) bool) {
	t.Helper()
	header, rows := readCSVFile(t, path)
	for _, name := range cols {
		i := indexOf(header, name)
		for r := range rows {
			if pick(r) {
				rows[r][i] = "garbage text " + name
			}
		}
	}
	writeCSVFile(t, path, header, rows)
}

func TestBreakerHaltsBeforeAnythingIsLoaded(t *testing.T) {
	ticketCols := contract.ServiceDesk().Table("tickets")
	var typed []string
	for _, c := range ticketCols.Columns {
		if c.Type != contract.Text && !c.Required && len(typed) < 9 { // 9 of 60 columns: 15%
			typed = append(typed, c.Name)
		}
	}
	cases := []struct {
		name string
		cols []string
		pick func(int) bool
		want string
	}{
		{"25% garbage in TKT-Created Time", []string{"TKT-Created Time"}, func(r int) bool { return r%4 == 0 }, "TKT-Created Time"},
		{"text in 15% of the columns", typed, func(int) bool { return true }, "mismatch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, _ := generate(t, synth.Options{Scale: 0.02, Seed: 41, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
			corrupt(t, filepath.Join(dir, "tickets.csv"), c.cols, c.pick)
			dsn := pgtest.DSN(t)
			code, out, errs := sdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", t.TempDir())
			if code != exitBreaker || !strings.Contains(out, "CIRCUIT BREAKER") || !strings.Contains(errs+out, c.want) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, exitBreaker, out, errs)
			}
			if n := schemaCount(t, dsn); n != 0 {
				t.Errorf("the breaker halted but %d sdetl schemas exist in PostgreSQL", n)
			}
		})
	}
}

func TestGateAndScores(t *testing.T) {
	dir, _ := generate(t, synth.Options{Scale: 0.02, Seed: 42, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn, work := pgtest.DSN(t), t.TempDir()
	mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work)
	var rep struct {
		Scores struct {
			Gate                   float64
			Stage, Clean, Postgres struct{ Composite float64 }
		}
	}
	b, err := os.ReadFile(filepath.Join(work, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	sc := rep.Scores
	if !(sc.Stage.Composite < sc.Clean.Composite && sc.Clean.Composite >= 80 && sc.Postgres.Composite >= sc.Clean.Composite) {
		t.Errorf("scores: staged %.2f, clean %.2f, loaded %.2f: want staged < clean, clean >= 80, loaded >= clean",
			sc.Stage.Composite, sc.Clean.Composite, sc.Postgres.Composite)
	}

	// A gate the data cannot reach: exit 5, and the live schema from the first run stays. The
	// clean data scores 100, and the gate is 0..100, so a contract that wants every ticket
	// closed makes 100 unreachable.
	before := liveTickets(t, dsn)
	builtin, err := os.ReadFile("../../internal/contract/servicedesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	strict := strings.Replace(string(builtin), `  completeness:              # share`,
		"  completeness:\n    - {table: tickets, column: \"TKT-Closure Date\", min: 1.0}\n  # share", 1)
	strictPath := filepath.Join(t.TempDir(), "strict.yaml")
	if err := os.WriteFile(strictPath, []byte(strict), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := sdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work, "--spec", strictPath, "--min-quality", "100")
	if code != exitGate || !strings.Contains(errs, "quality gate failed") || !strings.Contains(out, "FAILS the gate") {
		t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, exitGate, out, errs)
	}
	if after := liveTickets(t, dsn); after != before {
		t.Errorf("gate failed but the live tickets went from %d to %d rows", before, after)
	}
	// The HTML report is written all the same, with the outcome at the top and no KPIs (the
	// live schema is not this run's).
	page, err := os.ReadFile(filepath.Join(work, "report.html"))
	if err != nil || !strings.Contains(out, "report: "+filepath.Join(work, "report.html")) ||
		!strings.Contains(string(page), "Outcome: gate_failed</b> (exit 5)") || !strings.Contains(string(page), "the live schema&#39;s KPIs are not this run&#39;s") {
		t.Errorf("gate failure: report.html %v, stdout %s\n%s", err, out, page)
	}

	// A dry run leaves the live schema as it is and no rehearsal schema behind.
	out = mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work, "--dry-run")
	if !strings.Contains(out, "DRY RUN") || !strings.Contains(out, "estimated load time") {
		t.Errorf("dry run printed no plan:\n%s", out)
	}
	if n := schemaCount(t, dsn); n != 1 || liveTickets(t, dsn) != before {
		t.Errorf("after a dry run: %d sdetl schemas, %d tickets", n, liveTickets(t, dsn))
	}
}

func schemaCount(t *testing.T, dsn string) int {
	t.Helper()
	var n int
	queryOne(t, dsn, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'servicedesk%' AND nspname <> 'servicedesk_ext'`, &n) // _ext: comment_quality
	return n
}

func liveTickets(t *testing.T, dsn string) int {
	t.Helper()
	var n int
	queryOne(t, dsn, `SELECT count(*) FROM servicedesk.tickets`, &n)
	return n
}

func queryOne(t *testing.T, dsn, q string, dst any) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), q).Scan(dst); err != nil {
		t.Fatal(err)
	}
}

func readCSVFile(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	r, err := csvfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var all [][]string
	for {
		f, _, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, append([]string(nil), f...))
	}
	return all[0], all[1:]
}

// writeCSVFile writes RFC 4180 CSV, quoting what needs it and keeping every byte of a field.
func writeCSVFile(t *testing.T, path string, header []string, rows [][]string) {
	t.Helper()
	var b strings.Builder
	for _, r := range append([][]string{header}, rows...) {
		for i, f := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(f, ",\"\r\n") || strings.HasPrefix(f, " ") {
				f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
			b.WriteString(f)
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func indexOf(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	panic("no column " + name)
}
