package postgres_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/kpi"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const miniSpec = `
name: mini
schema: mini
tables:
  - name: tickets
    key: [id]
    columns:
      - {name: id, type: integer}
      - {name: created, type: timestamp, required: true}
      - {name: due, type: date}
      - {name: hours, type: decimal}
      - {name: met, type: flag}
      - {name: note, type: text}
`

// tickets has 500 good rows and one the clean stage quarantines (no created time).
func miniClean(t *testing.T) (*contract.Spec, string) {
	t.Helper()
	s, err := contract.Parse([]byte(miniSpec))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,created,due,hours,met,note\n")
	for i := 1; i <= 500; i++ {
		b.WriteString(strings.Join([]string{itoa(i), "2025-07-01 08:00", "2025-07-09", "1.5", "yes", "row " + itoa(i)}, ",") + "\n")
	}
	b.WriteString("501,,,,,no created time\n")
	if err := os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return s, stageAndClean(t, s, dir)
}

func itoa(i int) string { return strconv.Itoa(i) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := postgres.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// schemas lists the schemas a load may leave: the live one and any rehearsal or next one.
func schemas(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mini%' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestLoadCountsAndDDL loads a clean store and checks what PostgreSQL holds: the counts, the
// column types the DDL promises, the natural-key index, and the quarantine.
func TestLoadCountsAndDDL(t *testing.T) {
	s, cleanPath := miniClean(t)
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	res, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanPath, DSN: dsn, Want: measured(t, s, cleanPath)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tables) != 2 || res.Tables[0].Rows != 500 || res.Tables[1].Rows != 1 {
		t.Errorf("load result %+v, want 500 tickets and 1 quarantined row", res.Tables)
	}
	live, err := postgres.Counts(ctx, dsn, s)
	if err != nil {
		t.Fatal(err)
	}
	if live.Rows["tickets"] != 500 || live.Quarantined["tickets"] != 1 {
		t.Errorf("live counts %+v", live)
	}
	conn := connect(t, dsn)
	for _, c := range s.Table("tickets").Columns {
		var typ string
		if err := conn.QueryRow(ctx, `SELECT data_type FROM information_schema.columns
			WHERE table_schema = 'mini' AND table_name = 'tickets' AND column_name = $1`, c.Name).Scan(&typ); err != nil {
			t.Fatalf("column %s: %v", c.Name, err)
		}
		if want := map[string]string{"bigint": "bigint", "numeric": "numeric", "text": "text", "boolean": "boolean",
			"date": "date", "timestamp": "timestamp without time zone"}[postgres.PGType(c.Type)]; typ != want {
			t.Errorf("column %s: type %s, want %s (PGType %s)", c.Name, typ, want, postgres.PGType(c.Type))
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO mini.tickets (id, created) VALUES (1, now())`); err == nil {
		t.Error("a duplicate natural key was accepted: no unique index on tickets.id")
	}
	if got := schemas(t, conn); strings.Join(got, " ") != "mini" {
		t.Errorf("schemas after a load: %v, want only mini", got)
	}
}

// TestLockIsExclusive: one run per schema; a load under another run's lock fails at once.
func TestLockIsExclusive(t *testing.T) {
	s, cleanPath := miniClean(t)
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	a, b := connect(t, dsn), connect(t, dsn)
	unlock, err := postgres.Lock(ctx, a, "mini")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Lock(ctx, b, "mini"); !errors.Is(err, postgres.ErrLocked) {
		t.Errorf("second lock on mini: %v, want ErrLocked", err)
	}
	if u, err := postgres.Lock(ctx, b, "other"); err != nil {
		t.Errorf("lock on another schema: %v", err)
	} else {
		u()
	}
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanPath, DSN: dsn, Want: measured(t, s, cleanPath)}); !errors.Is(err, postgres.ErrLocked) {
		t.Errorf("load under a held lock: %v, want ErrLocked", err)
	}
	unlock()
	u, err := postgres.Lock(ctx, b, "mini")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	u()
}

// TestFailureLeavesNothing: a value PostgreSQL cannot take half-way through the COPY, and a
// BeforeSwap veto after it, each roll the whole load back: the live schema keeps its rows and
// no new schema is left behind. A dry run leaves nothing either.
func TestFailureLeavesNothing(t *testing.T) {
	s, cleanPath := miniClean(t)
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanPath, DSN: dsn, Want: measured(t, s, cleanPath)}); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, dsn)
	live := func() int64 {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM mini.tickets").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Corrupt row 300 of the clean store: the COPY has sent rows before it fails.
	broken := filepath.Join(t.TempDir(), "clean.db")
	data, err := os.ReadFile(cleanPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, data, 0o644); err != nil {
		t.Fatal(err)
	}
	b, _, err := store.Update(ctx, broken)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := b.DB.ExecContext(ctx, `UPDATE tickets SET hours = 'not a number' WHERE id = '300'`); err != nil {
		t.Fatal(err)
	} else if n, _ := r.RowsAffected(); n != 1 {
		t.Fatalf("corrupted %d rows, want 1", n)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: broken, DSN: dsn, Want: measured(t, s, cleanPath), Force: true})
	if err == nil || !strings.Contains(err.Error(), "not a number") {
		t.Fatalf("load of a corrupt store: %v, want the bad value named", err)
	}
	if got := live(); got != 500 {
		t.Errorf("after a failed COPY the live schema has %d rows, want 500", got)
	}

	vetoed := errors.New("vetoed")
	var scored *quality.Report
	_, err = postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanPath, DSN: dsn, Want: measured(t, s, cleanPath), Force: true,
		BeforeSwap: func(ctx context.Context, src quality.Source) error {
			r, err := quality.Score(ctx, s, src, time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC))
			scored = r
			if err != nil {
				return err
			}
			return vetoed
		}})
	if !errors.Is(err, vetoed) || scored == nil || scored.Source != "postgres" {
		t.Errorf("BeforeSwap veto: err %v, score %+v", err, scored)
	}
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanPath, DSN: dsn, Want: measured(t, s, cleanPath), DryRun: true, SampleEvery: 10}); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	// The dry run executes the KPI queries it is given against the rehearsal schema, with an
	// empty comment_quality beside it, and fails on the first that errors.
	good := []kpi.Query{{Name: "count", SQL: `SELECT count(*) FROM tickets`}, {Name: "quality", SQL: `SELECT count(*) FROM comment_quality`}}
	res, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanPath, DSN: dsn, DryRun: true, SampleEvery: 10, KPIQueries: good})
	if err != nil || res.KPIQueries != 2 {
		t.Fatalf("dry run with KPI queries: %v (%+v)", err, res)
	}
	bad := append(good, kpi.Query{Name: "wrong_column", SQL: `SELECT sum("TKT-Priority") FROM tickets`})
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanPath, DSN: dsn, DryRun: true, SampleEvery: 10, KPIQueries: bad}); err == nil ||
		!strings.Contains(err.Error(), "KPI wrong_column") || !strings.Contains(err.Error(), "TKT-Priority") {
		t.Errorf("dry run with a broken KPI query: %v, want it refused and named", err)
	}
	if got := live(); got != 500 {
		t.Errorf("live rows %d after a veto and a dry run, want 500", got)
	}
	if got := schemas(t, conn); strings.Join(got, " ") != "mini" {
		t.Errorf("schemas left: %v, want only mini", got)
	}
}

// measured is the clean store's measures, which a load reconciles its generation against.
func measured(t testing.TB, s *contract.Spec, path string) *reconcile.Measures {
	t.Helper()
	m, err := clean.Measure(context.Background(), s, path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestUnmeasuredCopyRowsIntact: with Want, the COPY does not measure, and its rows' values are
// views of the store reader's buffer, valid until the next row (rowSource.Next). Notes of very
// different lengths, over many reads of the COPY stream, must each arrive whole and in their
// own row, the file name too: a view kept past its row would show another row's bytes.
func TestUnmeasuredCopyRowsIntact(t *testing.T) {
	s, err := contract.Parse([]byte(miniSpec))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	note := func(i int) string { return strings.Repeat(string(rune('a'+i%26)), (i*7919)%9000) + itoa(i) }
	var b strings.Builder
	b.WriteString("id,created,due,hours,met,note\n")
	for i := 1; i <= 1500; i++ {
		b.WriteString(strings.Join([]string{itoa(i), "2025-07-01 08:00", "2025-07-09", itoa(i%13) + ".25", "yes", note(i)}, ",") + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cleanPath := stageAndClean(t, s, dir)
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanPath, DSN: dsn, Want: measured(t, s, cleanPath)}); err != nil {
		t.Fatal(err)
	}
	rows, err := connect(t, dsn).Query(ctx, `SELECT id, note, hours::text, _source_file FROM mini.tickets ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int
		var got, hours, file string
		if err := rows.Scan(&id, &got, &hours, &file); err != nil {
			t.Fatal(err)
		}
		n++
		if got != note(id) || hours != itoa(id%13)+".25" || file != "tickets.csv" {
			t.Fatalf("row %d: note of %d bytes (want %d), hours %s, file %q", id, len(got), len(note(id)), hours, file)
		}
	}
	if err := rows.Err(); err != nil || n != 1500 {
		t.Fatalf("%d rows, %v", n, err)
	}
}
