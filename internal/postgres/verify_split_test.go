package postgres_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/reconcile"
)

func rule(r *quality.Report, id string) *quality.RuleResult {
	for i := range r.Rules {
		if r.Rules[i].ID == id {
			return &r.Rules[i]
		}
	}
	return nil
}

// A table of many heap blocks whose rows give more examples than the score keeps, in every
// measure, so that a part read out of order or merged wrongly shows.
const splitReadSpec = `
name: vsplit
schema: vsplit
tables:
  - name: t
    columns:
      - {name: id, type: integer}
      - {name: at, type: timestamp}
      - {name: due, type: timestamp}
      - {name: amount, type: decimal}
      - {name: body, type: text}
quality:
  order: [{table: t, columns: [at, due]}]
  text: {max_length: 200, max_newline_run: 3, truncation_lengths: [50], ellipsis_min_length: 20}
`

func splitReadTable(t *testing.T, conn *pgx.Conn) (*contract.Spec, *contract.Table) {
	t.Helper()
	s, err := contract.Parse([]byte(splitReadSpec))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// 3000 rows of some 300 bytes, about 130 blocks; an update moves every 7th row to the end
	// of the heap, so its order is not the ids'.
	ddl := `DROP SCHEMA IF EXISTS vsplit CASCADE; CREATE SCHEMA vsplit;
	CREATE TABLE vsplit.t (id bigint, at timestamp, due timestamp, amount numeric, body text,
	  _source_file text DEFAULT 'f', _source_row bigint DEFAULT 1, _import_id bigint DEFAULT 1);
	INSERT INTO vsplit.t (id, at, due, amount, body)
	SELECT CASE WHEN i % 11 = 0 THEN -i ELSE i END,
	  timestamp '2024-01-01' + i * interval '1 hour',
	  CASE WHEN i % 13 = 0 THEN timestamp '2023-01-01' + i * interval '1 minute' WHEN i % 17 = 0 THEN NULL ELSE timestamp '2024-06-01' END,
	  CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 97) * 1.25 END,
	  CASE WHEN i % 6 = 0 THEN repeat('x', 50 - length(i::text)) || i ELSE i || ': ' || repeat('p', 250) || CASE i % 6
	    WHEN 1 THEN ' cut mid wor' || i || '...' WHEN 2 THEN repeat(E'\n', 4) || i ELSE ' fine' END END
	FROM generate_series(1, 3000) i;
	UPDATE vsplit.t SET body = body || ' moved' WHERE id % 7 = 0;`
	if _, err := conn.Exec(ctx, ddl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS vsplit CASCADE") })
	return s, s.Table("t")
}

// TestSplitReadIsTheUnsplitOne: the verification's read of a table in parts, on two or three
// connections, gives the score report (every count and example, in order) and the measures of
// the read on one connection; a table under the split's minimum is read in one part.
func TestSplitReadIsTheUnsplitOne(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	s, tbl := splitReadTable(t, conn)
	ctx := context.Background()
	now := time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)
	read := func(parts int, src quality.Source, measures func(string) (*reconcile.Table, bool)) (*quality.Report, *reconcile.Table) {
		t.Helper()
		n := 0
		if err := src.(quality.PartSource).RowParts(ctx, tbl, func() func([]string) error {
			n++
			return func([]string) error { return nil }
		}); err != nil {
			t.Fatal(err)
		}
		if n != parts {
			t.Fatalf("read in %d parts, want %d", n, parts)
		}
		r, err := quality.Score(ctx, s, src, now)
		if err != nil {
			t.Fatal(err)
		}
		m, ok := measures("t")
		if !ok {
			t.Fatal("no measures taken")
		}
		return r, m
	}
	src, get := postgres.SplitSource(conn, "vsplit")
	want, wantM := read(1, src, get)
	for _, id := range []string{"ids(t)", "text_length(t)", "date_order(t.at <= due)", "newline_runs(t)", "truncation(t)"} { // the examples are the first found, of more than are kept
		if r := rule(want, id); r == nil || len(r.Examples) < 5 {
			t.Fatalf("rule %s: %+v: the table does not test the examples' order", id, r)
		}
	}
	defer postgres.SetVerifySplit(1)()
	for _, k := range []int{2, 3} {
		more := make([]*pgx.Conn, k-1)
		for i := range more {
			more[i] = connect(t, dsn)
		}
		src, get := postgres.SplitSource(conn, "vsplit", more...)
		got, gotM := read(k, src, get)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("%d parts: report differs (-one +parts):\n%s", k, d)
		}
		if !reflect.DeepEqual(gotM, wantM) {
			t.Fatalf("%d parts: measures %+v, one part %+v", k, gotM, wantM)
		}
	}
	postgres.SetVerifySplit(1 << 20)
	src, get = postgres.SplitSource(conn, "vsplit", connect(t, dsn))
	read(1, src, get)
}

// failingPart is the score's source whose read of a table's part fail (its first rows read).
type failingPart struct {
	quality.PartSource
	fail int // which part
	err  error
}

func (f failingPart) RowParts(ctx context.Context, t *contract.Table, part func() func([]string) error) error {
	i := 0
	return f.PartSource.RowParts(ctx, t, func() func([]string) error {
		fn, n := part(), 0
		if i++; i-1 != f.fail {
			return fn
		}
		return func(row []string) error {
			if n++; n > 10 {
				return f.err
			}
			return fn(row)
		}
	})
}

// TestSplitReadPartFails: a part of a split read that fails, first or last, fails the read with
// its own error (not the cancellation of the other) and the table has no measures; in a load,
// the verification fails and live is as it was.
func TestSplitReadPartFails(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	_, tbl := splitReadTable(t, conn)
	ctx := context.Background()
	defer postgres.SetVerifySplit(1)()
	boom := errors.New("boom")
	for _, fail := range []int{0, 1} {
		// Connections of its own: a read cancelled mid-query closes them.
		src, get := postgres.SplitSource(connect(t, dsn), "vsplit", connect(t, dsn))
		err := failingPart{src.(quality.PartSource), fail, boom}.RowParts(ctx, tbl, func() func([]string) error {
			return func([]string) error { return nil }
		})
		if !errors.Is(err, boom) {
			t.Fatalf("part %d failed: err = %v, want its own", fail, err)
		}
		if _, ok := get("t"); ok {
			t.Fatalf("part %d failed: the table has measures", fail)
		}
	}

	s, first := genClean(t, 1)
	if _, err := genLoad(t, dsn, s, first, nil); err != nil {
		t.Fatal(err)
	}
	before := liveHash(t, conn, "gen")
	_, second := genClean(t, 2900)
	_, err := genLoad(t, dsn, s, second, func(o *postgres.LoadOptions) {
		o.BeforeSwap = func(ctx context.Context, src quality.Source) error {
			_, err := quality.Score(ctx, s, failingPart{src.(quality.PartSource), 1, boom}, time.Now())
			return err
		}
	})
	if !errors.Is(err, boom) {
		t.Fatalf("load: err = %v, want the part's", err)
	}
	liveUntouched(t, conn, before)
}
