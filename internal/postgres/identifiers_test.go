package postgres_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
)

// TestAcceptedNamesAreExactInPostgres: every contract the identifier rules accept — here two
// hundred with names drawn from quotes, spaces, non-ASCII, case variants and lengths around 63
// bytes — creates its DDL in PostgreSQL with every name exactly as declared (nothing cut,
// nothing merged), and the loader's side schema name too.
func TestAcceptedNamesAreExactInPostgres(t *testing.T) {
	ctx := context.Background()
	conn := connect(t, pgtest.DSN(t))
	r := rand.New(rand.NewPCG(14, 7))
	pieces := []string{"a", "B", "é", "\"", "'", " ", "-", "x", "Ω", "1", "ID", "id", "rowid", "ctid", "\t", strings.Repeat("n", 20), strings.Repeat("L", 31)}
	name := func() string {
		var b strings.Builder
		for n := 1 + r.IntN(6); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	accepted, refused := 0, 0
	for range 200 {
		var cols []map[string]string
		for n := 1 + r.IntN(5); n > 0; n-- {
			cols = append(cols, map[string]string{"name": name(), "type": "text"})
		}
		schema := "s" + strings.ReplaceAll(strings.ToLower(name()), "\"", "")
		b, _ := json.Marshal(map[string]any{"name": "c", "schema": schema, "tables": []any{map[string]any{"name": name(), "columns": cols}}})
		s, err := contract.Parse(b)
		if err != nil {
			refused++
			continue
		}
		accepted++
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, postgres.DDL(s)); err != nil {
			t.Fatalf("accepted contract %s: DDL fails: %v", b, err)
		}
		if _, err := tx.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{s.Schema + "__dryrun"}.Sanitize()); err != nil {
			t.Fatalf("accepted schema %q: side schema fails: %v", s.Schema, err)
		}
		var got []string
		rows, _ := tx.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, s.Schema, s.Tables[0].Name)
		got, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, c := range s.Tables[0].Columns {
			want = append(want, c.Name)
		}
		want = append(want, "_source_file", "_source_row", "_import_id")
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("accepted contract %s: PostgreSQL holds columns %q, want %q", b, got, want)
		}
		var side bool
		tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, s.Schema+"__dryrun").Scan(&side)
		if !side {
			t.Fatalf("schema %q: %s__dryrun was cut", s.Schema, s.Schema)
		}
		tx.Rollback(ctx)
	}
	t.Logf("%d contracts accepted and created exactly, %d refused", accepted, refused)
	if accepted < 40 || refused < 20 {
		t.Errorf("accepted %d, refused %d: the generator no longer exercises both sides", accepted, refused)
	}
}
