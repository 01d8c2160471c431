package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"

	sqlite3 "modernc.org/sqlite/lib"
)

// readPacked reads q's plain columns as the readers did before RawRows: one Packed text per
// row, split by Unpack, through the driver. Each row is its values, a NULL as nullMark.
func readPacked(t testing.TB, db *sql.DB, cols []string, from string) [][]string {
	t.Helper()
	var out [][]string
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		rows, err := dc.(driver.QueryerContext).QueryContext(ctx, "SELECT "+Packed(cols)+" FROM "+from, nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]driver.Value, 1)
		for {
			if err := rows.Next(dest); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			vals, null := make([]string, len(cols)), make([]bool, len(cols))
			if err := Unpack(dest[0].(string), vals, null); err != nil {
				return err
			}
			out = append(out, marked(vals, null))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const nullMark = "\xffNULL" // not a value's text

func marked(vals []string, null []bool) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		if null[i] {
			v = nullMark
		}
		out[i] = v
	}
	return out
}

// readRaw reads the same columns through RawRows, both ways a caller takes them: the views
// (copied here) and Keep's strings, which must stay valid after the next row.
func readRaw(t testing.TB, db *sql.DB, cols []string, from string) [][]string {
	t.Helper()
	var out, kept [][]string
	ctx := context.Background()
	onRaw(t, db, func(c *RawConn) error {
		rows, err := c.Query(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+from)
		if err != nil {
			return err
		}
		defer rows.Close()
		if rows.Columns() != len(cols) {
			return fmt.Errorf("%d columns, want %d", rows.Columns(), len(cols))
		}
		for rows.Next() {
			// The cells read are those SQLite's column API finds.
			rr := (*sqlite3.TVdbe)(cptr(rows.pstmt)).FpResultRow
			for i := range cols {
				if p := sqlite3.Xsqlite3_column_value(c.tls, rows.pstmt, int32(i)); p != rr+uintptr(i)*memSize {
					return fmt.Errorf("column %d's cell is at %#x, SQLite's at %#x (cell size %d)", i, rr+uintptr(i)*memSize, p, memSize)
				}
			}
			vals, null := make([]string, len(cols)), make([]bool, len(cols))
			for i := range cols {
				vals[i], null[i] = strings.Clone(rows.Text(i)), rows.Null(i)
				if string(rows.Bytes(i)) != vals[i] {
					return fmt.Errorf("Bytes and Text of column %d differ", i)
				}
			}
			out = append(out, marked(vals, null))
			kv, kn := make([]string, len(cols)), make([]bool, len(cols))
			rows.Keep(kv, kn)
			kept = append(kept, marked(kv, kn))
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return rows.Close()
	})
	if d := rowsDiff(kept, out); d != "" {
		t.Fatalf("Keep's values differ from the views: %s", d)
	}
	return out
}

func rowsDiff(got, want [][]string) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d rows, want %d", len(got), len(want))
	}
	for r := range got {
		if len(got[r]) != len(want[r]) {
			return fmt.Sprintf("row %d: %d values, want %d", r+1, len(got[r]), len(want[r]))
		}
		for i := range got[r] {
			if got[r][i] != want[r][i] {
				return fmt.Sprintf("row %d column %d: %q, want %q", r+1, i+1, trunc(got[r][i]), trunc(want[r][i]))
			}
		}
	}
	return ""
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// TestRawRowsSameAsPacked reads tables of adversarial values (NUL bytes, bytes that are not
// UTF-8, ” beside NULL, int64's extremes, reals of every kind SQLite renders, blobs, empty
// and zero blobs, 1 MB of text, 1200 columns) through the packed read and through RawRows, and
// finds the same values and NULLs.
func TestRawRowsSameAsPacked(t *testing.T) {
	db := openRawTest(t, filepath.Join(t.TempDir(), "r.db"))
	// t (a, b, c) has no declared types: each value keeps its own.
	ins := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rawRows() {
		ins(`INSERT INTO t VALUES (?, ?, ?)`, r...)
	}
	reals := []float64{0, math.Copysign(0, -1), 0.1, 1.0 / 3, -2.5, 1e15, 1e16, 123456789012345678, 1e300, -1e-300,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 4.35, 100, 0.30000000000000004, math.Inf(1), math.Inf(-1)}
	for i, f := range reals {
		ins(`INSERT INTO t VALUES (?, ?, ?)`, f, int64(i), -f)
	}
	for _, n := range []int64{math.MinInt64, math.MinInt64 + 1, -1, 0, 1, math.MaxInt64 - 1, math.MaxInt64} {
		ins(`INSERT INTO t VALUES (?, ?, ?)`, n, fmt.Sprint(n), []byte(fmt.Sprint(n)))
	}
	ins(`INSERT INTO t VALUES (zeroblob(0), zeroblob(5), x'00ff00')`)
	ins(`INSERT INTO t VALUES (?, ?, NULL)`, strings.Repeat("1 MB \x00 é \xff", 1<<20/12), "")
	ins(`INSERT INTO t VALUES (CAST('9.0' AS REAL), 1e100 * 1e300, '')`) // Inf from arithmetic
	cols := []string{"a", "b", "c", "a", "rowid", "length(a)", "typeof(b)", "NULL", "''"}
	want, got := readPacked(t, db, cols, "t ORDER BY rowid"), readRaw(t, db, cols, "t ORDER BY rowid")
	if d := rowsDiff(got, want); d != "" {
		t.Fatalf("RawRows differs from the packed read: %s", d)
	}
	if len(got) < 3000 {
		t.Fatalf("%d rows read", len(got))
	}

	// Many columns, of declared types as the stores have them, some NULL.
	const ncol = 1200
	var names, defs, marks []string
	for i := range ncol {
		names = append(names, Quote(fmt.Sprintf("c%d", i)))
		defs = append(defs, names[i]+" "+[]string{"TEXT", "INTEGER", "REAL", "NUMERIC", ""}[i%5])
		marks = append(marks, "?")
	}
	ins("CREATE TABLE w (" + strings.Join(defs, ", ") + ")")
	samples := []any{"x", int64(-7), 2.25, "12.50", nil, "", []byte{0, 1}, "not a number", int64(math.MaxInt64), "\x00"}
	for r := range 20 {
		args := make([]any, ncol)
		for i := range args {
			args[i] = samples[(i+r)%len(samples)]
		}
		ins("INSERT INTO w VALUES ("+strings.Join(marks, ", ")+")", args...)
	}
	want, got = readPacked(t, db, names, "w ORDER BY rowid"), readRaw(t, db, names, "w ORDER BY rowid")
	if d := rowsDiff(got, want); d != "" {
		t.Fatalf("RawRows differs from the packed read over %d columns: %s", ncol, d)
	}
	// No rows at all.
	if got := readRaw(t, db, names, "w WHERE 0"); len(got) != 0 {
		t.Fatalf("%d rows of an empty result", len(got))
	}
}

// TestRawRowsErrors: a query that does not prepare fails as the driver's does, a query with
// parameters or two statements is refused, a failing step ends the rows with its error, and a
// done context ends them with its own, before the first row or in the middle.
func TestRawRowsErrors(t *testing.T) {
	db := openRawTest(t, filepath.Join(t.TempDir(), "e.db"))
	if _, err := db.Exec(`INSERT INTO t SELECT value, 'x', 'y' FROM generate_series(1, 50000)`); err != nil {
		// no series extension: a recursive CTE
		if _, err := db.Exec(`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < 50000) INSERT INTO t SELECT n, 'x', 'y' FROM s`); err != nil {
			t.Fatal(err)
		}
	}
	_, want := db.Query(`SELECT nope FROM t`)
	if want == nil {
		t.Fatal("the driver ran a query of a missing column")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	onRaw(t, db, func(c *RawConn) error {
		if _, err := c.Query(ctx, `SELECT nope FROM t`); err == nil || err.Error() != want.Error() {
			t.Errorf("missing column: %v, want the driver's %v", err, want)
		}
		if _, err := c.Query(ctx, `SELECT a FROM t WHERE a = ?`); err == nil || !strings.Contains(err.Error(), "parameters") {
			t.Errorf("a parameter: %v", err)
		}
		if _, err := c.Query(ctx, `SELECT 1; SELECT 2`); err == nil || !strings.Contains(err.Error(), "more than one statement") {
			t.Errorf("two statements: %v", err)
		}
		// A step that fails: abs of the smallest integer overflows, at row 3.
		rows, err := c.Query(ctx, `SELECT abs(x) FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT -9223372036854775807-1)`)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); n != 2 || err == nil || !strings.Contains(err.Error(), "integer overflow") {
			t.Errorf("after %d rows: %v, want integer overflow", n, err)
		}
		if err := rows.Close(); err != nil {
			t.Errorf("close after a failed step: %v", err)
		}
		// Cancelled in the middle of a scan: Next stops within a check interval.
		rows, err = c.Query(ctx, `SELECT a, b FROM t ORDER BY rowid`)
		if err != nil {
			return err
		}
		n = 0
		for rows.Next() {
			if n++; n == 100 {
				cancel()
			}
		}
		if err := rows.Err(); !errors.Is(err, context.Canceled) || n > 100+1024 {
			t.Errorf("cancelled after row 100: stopped after %d rows with %v", n, err)
		}
		rows.Close()
		// Cancelled during one long step (a sort of every row): the interrupt ends it.
		ctx2, cancel2 := context.WithCancel(context.Background())
		rows, err = c.Query(ctx2, `SELECT count(*) FROM t a, t b WHERE a.b = b.c`) // 2.5e9 pairs
		if err != nil {
			cancel2()
			return err
		}
		go cancel2()
		if rows.Next() {
			t.Error("a cancelled long step gave a row")
		}
		if err := rows.Err(); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled long step: %v", err)
		}
		rows.Close()
		// Already done: refused at once.
		if _, err := c.Query(ctx, `SELECT 1`); !errors.Is(err, context.Canceled) {
			t.Errorf("query on a done context: %v", err)
		}
		// The connection still works, uninterrupted.
		rows, err = c.Query(context.Background(), `SELECT count(*) FROM t`)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() || rows.Text(0) != "50000" {
			t.Errorf("count after the cancellations: %q, %v", rows.Text(0), rows.Err())
		}
		return nil
	})
}

// TestRawRowsNoAllocs: once its buffer has grown, reading a row allocates nothing.
func TestRawRowsNoAllocs(t *testing.T) {
	db := openRawTest(t, filepath.Join(t.TempDir(), "a.db"))
	if _, err := db.Exec(`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < 5000) INSERT INTO t SELECT n, printf('text %d', n), n * 0.5 FROM s`); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	onRaw(t, db, func(c *RawConn) error {
		rows, err := c.Query(ctx, `SELECT a, b, c, NULL FROM t ORDER BY rowid`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for range 10 {
			rows.Next()
		}
		if n := testing.AllocsPerRun(1000, func() {
			if !rows.Next() || rows.Text(1) == "" {
				t.Fatal("no row")
			}
		}); n != 0 {
			t.Errorf("%v allocations per row", n)
		}
		return rows.Err()
	})
}

// TestRawRowsReal: Real gives a REAL cell's double after Next took its text (SQLite's, which
// is not always strconv's: "1.0" for 1), and nothing for any other storage class, before the
// first row or after the last.
func TestRawRowsReal(t *testing.T) {
	db := openRawTest(t, filepath.Join(t.TempDir(), "r.db"))
	onRaw(t, db, func(c *RawConn) error {
		rows, err := c.Query(context.Background(), `SELECT 0.1 + 0.2, 1.0, 7, '0.5', NULL, x'01'`)
		if err != nil {
			return err
		}
		defer rows.Close()
		if _, ok := rows.Real(0); ok {
			return fmt.Errorf("a REAL before the first row")
		}
		if !rows.Next() {
			return fmt.Errorf("no row: %v", rows.Err())
		}
		a, b := 0.1, 0.2 // added as doubles, as SQLite adds them
		if f, ok := rows.Real(0); !ok || f != a+b {
			return fmt.Errorf("REAL 0.1+0.2: %v %v, text %q", f, ok, rows.Text(0))
		}
		if f, ok := rows.Real(1); !ok || f != 1 || rows.Text(1) != "1.0" {
			return fmt.Errorf("REAL 1.0: %v %v, text %q", f, ok, rows.Text(1))
		}
		for i := 2; i < rows.Columns(); i++ {
			if f, ok := rows.Real(i); ok {
				return fmt.Errorf("column %d (%q) read as the REAL %v", i, rows.Text(i), f)
			}
		}
		if rows.Next() {
			return fmt.Errorf("a second row")
		}
		if _, ok := rows.Real(0); ok {
			return fmt.Errorf("a REAL after the last row")
		}
		return rows.Close()
	})
}
