package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
)

const notesSpec = `
name: notes
schema: notes
tables:
  - name: notes
    key: [id]
    columns:
      - {name: id, type: integer}
      - {name: body, type: text}
      - {name: amount, type: decimal}
      - {name: at, type: timestamptz}
`

// TestMeasureLongText: the generation's measures equal the clean store's for values PostgreSQL
// keeps out of line (TOAST: compressed, and too random to compress), multi-byte text (the row
// text counts characters, not bytes), empty-looking and NULL values; and a change of one
// character inside a long value, or of one character's width, is still caught.
func TestMeasureLongText(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	s, err := contract.Parse([]byte(notesSpec))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) string { // incompressible: stored external and uncompressed
		alphabet := []rune("abcdefghijklmnopqrstuvwxyzäöüßéèñ日本語ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
		r := make([]rune, n)
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(r)
	}
	var b strings.Builder
	b.WriteString("id,body,amount,at\n")
	for i := 1; i <= 40; i++ {
		var body string
		switch i % 4 {
		case 0:
			body = strings.Repeat("Zürich 日本 long note ", 400+i) // compressible: compressed in line or out of line
		case 1:
			body = random(3000 + 10*i)
		case 2:
			body = "" // NULL in the clean store
		case 3:
			body = fmt.Sprintf("short é %d", i)
		}
		fmt.Fprintf(&b, "%d,\"%s\",%d.%02d,2025-07-01 08:00:%02d+02:00\n", i, body, i, i%7*10, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cleanPath := stageAndClean(t, s, dir)
	// How the generation's row hashes are taken: in the reconciliation's SQL (no score), in the
	// score's scan of each table (the load's way), or in SQL after a score that read no rows.
	modes := []struct {
		name  string
		score func(ctx context.Context, src quality.Source) error
	}{
		{"in SQL", nil},
		{"in the score's scan", func(ctx context.Context, src quality.Source) error {
			_, err := quality.Score(ctx, s, src, time.Now())
			return err
		}},
		{"after a score that read nothing", func(context.Context, quality.Source) error { return nil }},
	}
	load := func(score func(context.Context, quality.Source) error, tamper string) error {
		_, err := genLoad(t, dsn, s, cleanPath, func(o *postgres.LoadOptions) {
			o.Force, o.BeforeSwap = true, score
			if tamper != "" {
				o.BeforeReconcile = func(ctx context.Context, schema string) error {
					_, err := conn.Exec(ctx, fmt.Sprintf(tamper, pgx.Identifier{schema}.Sanitize()))
					return err
				}
			}
		})
		return err
	}
	for _, m := range modes {
		if err := load(m.score, ""); err != nil {
			t.Fatalf("hashed %s, the generation does not reconcile with its own clean store: %v", m.name, err)
		}
	}
	var external int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM notes.notes WHERE pg_column_size(body) < octet_length(body)`).Scan(&external); err != nil || external < 10 {
		t.Fatalf("%d long values stored compressed or out of line (err %v): the test does not exercise TOAST", external, err)
	}
	live := func() string {
		var h string
		if err := conn.QueryRow(ctx, `SELECT md5(string_agg(n::text, '|' ORDER BY id)) FROM notes.notes n`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	before := live()
	// Each change keeps the row count; the swaps keep every column's nulls, min, max and sum
	// too, so only the row hash can see them.
	swap := func(col string) string {
		return `UPDATE %[1]s.notes n SET ` + col + ` = o.` + col + ` FROM %[1]s.notes o WHERE (n.id, o.id) IN ((9, 10), (10, 9))`
	}
	for _, c := range []struct{ name, sql string }{
		{"one character of a long value", `UPDATE %s.notes SET body = overlay(body placing 'Q' from 1500 for 1) WHERE id = 5`},
		{"one character's width", `UPDATE %s.notes SET body = replace(body, 'é', 'e') WHERE id = 7`},
		{"a compressed value", `UPDATE %s.notes SET body = body || '.' WHERE id = 8`},
		{"two rows' texts swapped", swap("body")},
		{"two rows' decimals swapped", swap("amount")},
		{"two rows' instants swapped", swap("at")},
		{"two rows' lineage swapped", swap("_source_row")},
	} {
		for _, m := range modes {
			t.Run(c.name+", hashed "+m.name, func(t *testing.T) {
				err := load(m.score, c.sql)
				if !errors.Is(err, outcome.ErrReconcile) || !strings.Contains(err.Error(), "row hash") {
					t.Fatalf("err = %v, want a reconciliation failure naming the row hash", err)
				}
				if live() != before {
					t.Fatal("live changed")
				}
			})
		}
	}
}

const refsSpec = `
name: refs
schema: refs
tables:
  - name: parents
    key: [id]
    columns:
      - {name: id, type: integer}
      - {name: name, type: text}
  - name: children
    key: [id, at]
    columns:
      - {name: id, type: integer}
      - {name: at, type: date}
      - {name: parent, type: integer}
quality:
  references: [{table: children, column: parent, to: parents, to_column: id}]
`

// TestLoadScoreIsTheSchemas: the load's score (its key and orphan queries answered from a
// connection of their own, its rows read with the row hashes) equals the score of the same
// schema read plainly, orphans and their examples included.
func TestLoadScoreIsTheSchemas(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	s, err := contract.Parse([]byte(refsSpec))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var parents, children strings.Builder
	parents.WriteString("id,name\n")
	children.WriteString("id,at,parent\n")
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(&parents, "%d,parent %d\n", i, i)
		fmt.Fprintf(&children, "%d,2025-07-%02d,%d\n", i, 1+i%28, i*7%350) // parents 301-349 are missing
	}
	os.WriteFile(filepath.Join(dir, "parents.csv"), []byte(parents.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "children.csv"), []byte(children.String()), 0o644)
	ctx := context.Background()
	cleanPath := stageAndClean(t, s, dir)
	now := time.Now()
	var loaded *quality.Report
	if _, err := genLoad(t, dsn, s, cleanPath, func(o *postgres.LoadOptions) {
		o.BeforeSwap = func(ctx context.Context, src quality.Source) (err error) {
			loaded, err = quality.Score(ctx, s, src, now)
			return err
		}
	}); err != nil {
		t.Fatal(err)
	}
	plain, err := quality.Score(ctx, s, postgres.QualitySource(conn, "refs"), now)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(loaded)
	b, _ := json.Marshal(plain)
	if string(a) != string(b) {
		t.Fatalf("the load's score differs from the schema's:\n%s\n%s", a, b)
	}
	if !regexp.MustCompile(`"orphans":[1-9]`).Match(a) {
		t.Fatalf("no orphans counted: the test does not exercise the orphan query: %s", a)
	}
}
