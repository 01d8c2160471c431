package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
)

const keysSpec = `
name: keys
schema: keys
tables:
  - name: idx
    key: [a, b]
    columns:
      - {name: a, type: text}
      - {name: b, type: integer}
      - {name: c, type: text}
  - name: noidx
    key: [a, b]
    columns:
      - {name: a, type: text}
      - {name: b, type: integer}
      - {name: c, type: text}
  - name: partial
    key: [a, b]
    columns:
      - {name: a, type: text}
      - {name: b, type: integer}
      - {name: c, type: text}
  - name: other
    key: [a, b]
    columns:
      - {name: a, type: text}
      - {name: b, type: integer}
      - {name: c, type: text}
`

// TestIndexedKeysAsGrouped: the key metrics read off a unique key index are those the GROUP BY
// gives: NULL in either key column (not keyed), empty, blank, case and non-ASCII variants (all
// distinct keys); a table with duplicates and no index, one whose unique index is partial, and
// one whose unique index is over other columns are grouped, duplicates and examples included.
// The whole score of a loaded generation is the same either way.
func TestIndexedKeysAsGrouped(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	ctx := context.Background()
	rows := `INSERT INTO keys.%[1]s (a, b, c) VALUES ('x', 1, 'p'), ('X', 1, 'p'), ('', 1, NULL), (' ', 1, 'q'), ('é', 2, 'r'),
		('e'||chr(769), 2, 'r'), (NULL, 3, 's'), ('x', NULL, 't'), (NULL, NULL, 'u'), ('x', 2, 'v'), ('x ', 1, 'w');`
	dups := `INSERT INTO keys.%[1]s (a, b, c) VALUES ('x', 1, 'dup'), ('x', 1, 'dup2'), ('', 1, 'dup'), (NULL, 3, 'nokey');`
	ddl := `CREATE SCHEMA keys;`
	for _, tb := range []string{"idx", "noidx", "partial", "other"} {
		ddl += `CREATE TABLE keys.` + tb + ` (a text, b bigint, c text, _source_file text DEFAULT 'f', _source_row bigint DEFAULT 1, _import_id bigint DEFAULT 1);`
	}
	exec(t, conn, ddl)
	exec(t, conn, fmt.Sprintf(rows, "idx")+`CREATE UNIQUE INDEX ON keys.idx (b, a);`)
	exec(t, conn, fmt.Sprintf(rows, "noidx")+fmt.Sprintf(dups, "noidx")+`CREATE INDEX ON keys.noidx (a, b);`)
	exec(t, conn, fmt.Sprintf(rows, "partial")+fmt.Sprintf(dups, "partial")+`CREATE UNIQUE INDEX ON keys.partial (a, b) WHERE c <> 'dup' AND c <> 'dup2';`)
	exec(t, conn, fmt.Sprintf(rows, "other")+fmt.Sprintf(dups, "other")+`CREATE UNIQUE INDEX ON keys.other (a, b, c);`)
	s, err := contract.Parse([]byte(keysSpec))
	if err != nil {
		t.Fatal(err)
	}
	exec(t, conn, "SET datestyle = ISO, YMD")
	grouped, indexed := postgres.ISOQualitySource(conn, "keys"), postgres.IndexedKeysSource(conn, "keys")
	for _, tb := range s.Tables {
		want, err := grouped.Keys(ctx, s, tb)
		if err != nil {
			t.Fatal(err)
		}
		got, err := indexed.Keys(ctx, s, tb)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: keys off the index differ from the GROUP BY (-grouped +indexed):\n%s", tb.Name, d)
		}
		if ok, err := postgres.UniqueKeyIndex(ctx, conn, "keys", tb); err != nil || ok != (tb.Name == "idx") {
			t.Errorf("%s: unique key index %v (%v): the index is read only when it proves the keys unique", tb.Name, ok, err)
		}
		if tb.Name == "idx" && (want.Keyed != 8 || want.Duplicates != 0) || tb.Name != "idx" && want.Duplicates != 3 {
			t.Errorf("%s: %+v: the fixture does not test what it should", tb.Name, want)
		}
	}

	// A loaded generation (its natural-key index built by the load): the same score.
	gs, cleanPath := genClean(t, 3)
	if _, err := genLoad(t, dsn, gs, cleanPath, nil); err != nil {
		t.Fatal(err)
	}
	if ok, err := postgres.UniqueKeyIndex(ctx, conn, "gen", gs.Table("tickets")); err != nil || !ok {
		t.Fatalf("the load's natural-key index is not read: %v, %v", ok, err)
	}
	now := time.Now()
	want, err := quality.Score(ctx, gs, postgres.ISOQualitySource(conn, "gen"), now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := quality.Score(ctx, gs, postgres.IndexedKeysSource(conn, "gen"), now)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("the generation's score differs (-grouped +indexed):\n%s", d)
	}
}
