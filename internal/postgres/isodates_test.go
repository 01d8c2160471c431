package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
)

// TestISODatesRenderAsToChar: the load's score reads dates and timestamps by ::text under the
// ISO DateStyle it sets itself; every value, the edges of the years 1 to 9999, BC, five-digit
// years and infinities included, reads as the to_char rendering the plain source gives, in a
// session whose own DateStyle is not ISO.
func TestISODatesRenderAsToChar(t *testing.T) {
	ctx := context.Background()
	conn := connect(t, pgtest.DSN(t))
	ddl := `DROP SCHEMA IF EXISTS isodates CASCADE; CREATE SCHEMA isodates;
	CREATE TABLE isodates.t (d date, ts timestamp, tz timestamptz, _source_file text DEFAULT 'f', _source_row bigint DEFAULT 1, _import_id bigint DEFAULT 1);
	INSERT INTO isodates.t (d, ts, tz) VALUES
	  ('2025-07-01', '2025-07-01 12:34:56', '2025-07-01 12:34:56+02'),
	  ('0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00'),
	  ('9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00'),
	  ('0001-12-31 BC', '0001-12-31 23:59:59.5 BC', '0001-12-31 23:59:59.5+00 BC'),
	  ('10000-01-01', '10000-01-01 00:00:00', '10000-01-01 00:00:00+00'),
	  ('infinity', 'infinity', 'infinity'),
	  ('-infinity', '-infinity', '-infinity'),
	  ('2000-02-29', '2000-02-29 00:00:00.000001', '2000-02-29 23:00:00.1-05'),
	  ('1999-12-31', '1999-12-31 23:59:59.120', '9999-12-31 23:00:00-05'),
	  (NULL, NULL, NULL)`
	if _, err := conn.Exec(ctx, ddl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS isodates CASCADE") })
	tbl := &contract.Table{Name: "t", Columns: []*contract.Column{{Name: "d", Type: contract.Date}, {Name: "ts", Type: contract.Timestamp}, {Name: "tz", Type: contract.Timestamptz}}}
	read := func(src quality.Source) []string {
		// A session whose DateStyle would change ::text, and a TimeZone of its own.
		if _, err := conn.Exec(ctx, "SET datestyle = SQL, DMY; SET timezone = 'America/New_York'"); err != nil {
			t.Fatal(err)
		}
		var out []string
		if err := src.Rows(ctx, tbl, func(row []string) error {
			out = append(out, strings.Join(row, " | "))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := read(postgres.QualitySource(conn, "isodates"))
	got := read(postgres.HashingSource(conn, "isodates"))
	if !slices.Equal(got, want) {
		t.Fatalf("dates read by ::text differ from to_char's:\n got %q\nwant %q", got, want)
	}
	if !slices.Contains(want, "2025-07-01 | 2025-07-01 12:34:56 | 2025-07-01 10:34:56+00") {
		t.Fatalf("the rendering is not the canonical text: %q", want)
	}

	// The measures the score's scan takes reuse its dates' texts, rendering again only those
	// outside the years 1 to 9999: its row hash, which covers every value's text, is the one the
	// reconciliation's SQL takes. (Their minima and maxima of such years differ, as they did
	// before the reuse: the scan's are the clean store's, compared as dates.)
	src, measured := postgres.SplitSource(conn, "isodates")
	if err := src.Rows(ctx, tbl, func([]string) error { return nil }); err != nil {
		t.Fatal(err)
	}
	scanned, ok := measured("t")
	if !ok {
		t.Fatal("the score's scan took no measures")
	}
	inSQL, err := postgres.SQLMeasures(ctx, conn, &contract.Spec{Tables: []*contract.Table{tbl}}, "isodates")
	if err != nil {
		t.Fatal(err)
	}
	if sql := inSQL.Tables["t"]; scanned.Rows != sql.Rows || scanned.Hash != sql.Hash {
		t.Fatalf("the score's scan measured %d rows, hash %s; the SQL %d rows, hash %s", scanned.Rows, scanned.Hash, sql.Rows, sql.Hash)
	}
}
