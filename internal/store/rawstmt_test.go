package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// openRawTest opens a store file as build opens one (journaling off, an exclusive lock, one
// connection), with table t (a, b, c) of no declared type.
func openRawTest(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := open(path, "journal_mode(OFF)", "synchronous(OFF)", "locking_mode(EXCLUSIVE)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (a, b, c)`); err != nil {
		t.Fatal(err)
	}
	return db
}

type label string // a named string type, bound as database/sql binds it: as its string

// rawRows is what the tests write: the values that have tripped up C bindings (NUL bytes, empty
// text beside NULL, multi-KB text, bytes that are not UTF-8), then many rows of growing size, so
// that the statement's buffer grows while earlier rows' values are in the table.
// onRaw runs fn on a RawConn over one connection of db, failing t on any error it returns.
func onRaw(t testing.TB, db *sql.DB, fn func(c *RawConn) error) {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Raw(func(dc any) error {
		c, err := OpenRaw(dc)
		if err != nil {
			return err
		}
		defer c.Close()
		return fn(c)
	}); err != nil {
		t.Fatal(err)
	}
}

func rawRows() [][]any {
	out := [][]any{
		{"a\x00b", "", nil},
		{"\x00", "\x00\x00", "x\x00"},
		{strings.Repeat("long ", 3000), strings.Repeat("é", 5000), "\xff\xfe\x80 not UTF-8"},
		{[]byte("blob\x00"), []byte{}, []byte(nil)},
		{int64(-1 << 63), int64(1<<63 - 1), 0.5},
		{true, false, label("named")},
		{7, int32(-3), uint8(200)},
		{"", nil, ""},
	}
	for i := range 3000 {
		out = append(out, []any{int64(i), strings.Repeat(string(rune('a'+i%26)), i), fmt.Sprintf("row %d", i)})
	}
	return out
}

// rawDump is every row of t: each value's type and bytes, in rowid order.
func rawDump(t testing.TB, q interface {
	Query(string, ...any) (*sql.Rows, error)
}) []string {
	t.Helper()
	rs, err := q.Query(`SELECT typeof(a) || ':' || hex(a), typeof(b) || ':' || hex(b), typeof(c) || ':' || hex(c) FROM t ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var a, b, c string
		if err := rs.Scan(&a, &b, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, a+" "+b+" "+c)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRawSameAsDriver writes the same rows through a RawStmt and through database/sql, each into a
// store of its own, and finds the same values, read back inside the RawStmt's transaction (it is
// the driver's connection) and after, and the same bytes in both files.
func TestRawSameAsDriver(t *testing.T) {
	dir := t.TempDir()
	viaSQL, viaRaw := filepath.Join(dir, "sql.db"), filepath.Join(dir, "raw.db")
	want := func() []string {
		db := openRawTest(t, viaSQL)
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rawRows() {
			if _, err := tx.Exec(`INSERT INTO t VALUES (?, ?, ?)`, r...); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		return rawDump(t, db)
	}()

	db := openRawTest(t, viaRaw)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lastID int64
	err = conn.Raw(func(dc any) error {
		c, err := OpenRaw(dc)
		if err != nil {
			return err
		}
		defer c.Close()
		ins, err := c.Prepare(`INSERT INTO t VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, r := range rawRows() {
			if err := ins.Exec(r...); err != nil {
				return err
			}
		}
		lastID = c.LastInsertID()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := int64(len(rawRows())); lastID != n {
		t.Errorf("LastInsertID = %d, want %d", lastID, n)
	}
	if got := rawDump(t, tx); !rawEqual(got, want) {
		t.Fatalf("inside the transaction, the rows differ from the driver's:\n%s", rawDiff(got, want))
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if got := rawDump(t, db); !rawEqual(got, want) {
		t.Fatalf("after commit, the rows differ from the driver's:\n%s", rawDiff(got, want))
	}
	db.Close()
	a, _ := os.ReadFile(viaSQL)
	b, _ := os.ReadFile(viaRaw)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("the files differ: %d bytes through database/sql, %d through RawStmt", len(a), len(b))
	}
}

func rawEqual(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

func rawDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("row %d: got %.200s\nwant %.200s", i+1, got[i], want[i])
		}
	}
	return fmt.Sprintf("%d rows, want %d", len(got), len(want))
}

// TestRawErrors: a failing statement's error reads as the driver's for the same failure and has
// its code, a wrong argument count or an unbindable value is refused before the step, and the
// statement runs again afterwards.
func TestRawErrors(t *testing.T) {
	db := openRawTest(t, filepath.Join(t.TempDir(), "e.db"))
	if _, err := db.Exec(`CREATE TABLE u (k TEXT PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO u VALUES ('x', 1)`); err != nil {
		t.Fatal(err)
	}
	_, want := db.Exec(`INSERT INTO u VALUES ('x', 2)`)
	if want == nil {
		t.Fatal("the driver inserted a duplicate key")
	}
	onRaw(t, db, func(c *RawConn) error {
		ins, err := c.Prepare(`INSERT INTO u VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		err = ins.Exec("x", int64(2))
		var e *rawError
		if err == nil || err.Error() != want.Error() {
			t.Errorf("duplicate key: %v, want the driver's %v", err, want)
		} else if wc := want.(interface{ Code() int }).Code(); !asRawError(err, &e) || e.Code() != wc {
			t.Errorf("duplicate key: %#v, want code %d", err, wc)
		}
		if err := ins.Exec("y", nil); err == nil || !strings.Contains(err.Error(), "NOT NULL constraint failed: u.n") {
			t.Errorf("NULL into NOT NULL: %v", err)
		}
		if err := ins.Exec("y"); err == nil {
			t.Error("one argument for two parameters was accepted")
		}
		if err := ins.Exec("y", struct{}{}); err == nil {
			t.Error("a struct was bound")
		}
		if err := ins.Exec("y", int64(3)); err != nil {
			t.Errorf("after the errors: %v", err)
		}
		if _, err := c.Prepare(`INSERT INTO u VALUES (:k, 1)`); err == nil {
			t.Error("a named parameter was accepted")
		}
		if _, err := c.Prepare(`SELECT 1; SELECT 2`); err == nil {
			t.Error("two statements were accepted")
		}
		if _, err := c.Prepare(`INSERT INTO nosuch VALUES (1)`); err == nil || !strings.Contains(err.Error(), "no such table: nosuch") {
			t.Errorf("a missing table: %v", err)
		}
		return nil
	}) // its connection closed, so the query below sees its rows
	var n int
	if err := db.QueryRow(`SELECT n FROM u WHERE k = 'y'`).Scan(&n); err != nil || n != 3 {
		t.Errorf("row y: %d, %v; want 3", n, err)
	}
}

func asRawError(err error, e **rawError) bool {
	x, ok := err.(*rawError)
	*e = x
	return ok
}

func TestOpenRawRefusesOtherConnections(t *testing.T) {
	if _, err := OpenRaw(struct{ db uintptr }{1}); err == nil {
		t.Error("a struct that is not the driver's connection was accepted")
	}
	if _, err := OpenRaw(nil); err == nil {
		t.Error("nil was accepted")
	}
}

// BenchmarkInsert compares a 40-column text row's INSERT through the driver's statement and
// through a RawStmt: go test -bench RawInsert -run - ./internal/store/
func BenchmarkRawInsert(b *testing.B) {
	const cols = 40
	q := "INSERT INTO w VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	row := make([]any, cols)
	for i := range row {
		row[i] = fmt.Sprintf("value %d of a row", i)
	}
	setup := func(b *testing.B) (*sql.DB, *sql.Conn) {
		db := openRawTest(b, filepath.Join(b.TempDir(), "b.db"))
		defs := make([]string, cols)
		for i := range defs {
			defs[i] = fmt.Sprintf("c%d TEXT", i)
		}
		if _, err := db.Exec("CREATE TABLE w (" + strings.Join(defs, ", ") + ")"); err != nil {
			b.Fatal(err)
		}
		conn, err := db.Conn(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := conn.ExecContext(context.Background(), "BEGIN"); err != nil {
			b.Fatal(err)
		}
		return db, conn
	}
	b.Run("driver", func(b *testing.B) {
		_, conn := setup(b)
		defer conn.Close()
		conn.Raw(func(dc any) error {
			st, err := dc.(driver.ConnPrepareContext).PrepareContext(context.Background(), q)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			args := make([]driver.NamedValue, cols)
			for i := range args {
				args[i] = driver.NamedValue{Ordinal: i + 1, Value: row[i]}
			}
			for b.Loop() {
				if _, err := st.(driver.StmtExecContext).ExecContext(context.Background(), args); err != nil {
					b.Fatal(err)
				}
			}
			return nil
		})
	})
	// raw: every row's values the lengths of the row before (the memmove only); raw-rebind: every
	// value of another length than the one before it, so each is bound again (the export whose
	// values vary, as most do).
	other := make([]any, cols)
	for i := range other {
		other[i] = fmt.Sprintf("another value %d", i)
	}
	for _, rows := range []struct {
		name string
		rows [][]any
	}{{"raw", [][]any{row}}, {"raw-rebind", [][]any{row, other}}} {
		b.Run(rows.name, func(b *testing.B) {
			_, conn := setup(b)
			defer conn.Close()
			conn.Raw(func(dc any) error {
				c, err := OpenRaw(dc)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				st, err := c.Prepare(q)
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				n := 0
				for b.Loop() {
					if err := st.Exec(rows.rows[n%len(rows.rows)]...); err != nil {
						b.Fatal(err)
					}
					n++
				}
				return nil
			})
		})
	}
}

// TestRawTexts: a Texts argument binds as one TEXT parameter per string, the same values as
// passing the strings one by one; a Texts boxed once binds what its slice holds at each Exec;
// and it counts toward the parameters (one string short is refused before the step).
func TestRawTexts(t *testing.T) {
	db := openRawTest(t, filepath.Join(t.TempDir(), "x.db"))
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]string{{"a\x00b", ""}, {strings.Repeat("é", 3000), "\xff"}, {"", ""}}
	err = conn.Raw(func(dc any) error {
		c, err := OpenRaw(dc)
		if err != nil {
			return err
		}
		defer c.Close()
		ins, err := c.Prepare(`INSERT INTO t VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		raw := make([]string, 2)
		arg := any(Texts(raw))
		for i, r := range rows {
			copy(raw, r)
			if err := ins.Exec(int64(i), arg); err != nil {
				return err
			}
			if err := ins.Exec(int64(i), r[0], r[1]); err != nil { // the same row, one by one
				return err
			}
		}
		if err := ins.Exec(int64(9), Texts{"x"}); err == nil || !strings.Contains(err.Error(), "2 arguments for 3 parameters") {
			return fmt.Errorf("a Texts one string short: %v, want the count refused", err)
		}
		return nil
	})
	conn.Close() // the store's one connection, which the dump needs
	if err != nil {
		t.Fatal(err)
	}
	got := rawDump(t, db)
	if len(got) != 2*len(rows) {
		t.Fatalf("%d rows, want %d", len(got), 2*len(rows))
	}
	for i := 0; i < len(got); i += 2 {
		if got[i] != got[i+1] || !strings.HasPrefix(got[i], "integer:") || !strings.Contains(got[i], " text:") {
			t.Errorf("row %d through Texts %.120q, one by one %.120q", i/2, got[i], got[i+1])
		}
	}
}

// TestRawConnSetsMutexAside: while a RawConn is open its connection has no mutex (SQLite's
// multi-thread mode), and Close gives the driver's back; a second RawConn on the same
// connection leaves it to the first, in whichever order the two close; the driver's own
// statements run on the connection after each.
func TestRawConnSetsMutexAside(t *testing.T) {
	db := openRawTest(t, filepath.Join(t.TempDir(), "m.db"))
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tls := libc.NewTLS()
	defer tls.Close()
	for _, openedFirstClosesFirst := range []bool{true, false} {
		err := conn.Raw(func(dc any) error {
			a, err := OpenRaw(dc)
			if err != nil {
				return err
			}
			want := a.mutex
			mutex := func() uintptr { return sqlite3.Xsqlite3_db_mutex(tls, a.db) }
			if want == 0 {
				return fmt.Errorf("the driver's connection had no mutex to set aside")
			}
			if m := mutex(); m != 0 {
				return fmt.Errorf("RawConn open: the connection's mutex is %#x, want none", m)
			}
			b, err := OpenRaw(dc)
			if err != nil {
				return err
			}
			first, second := a, b
			if !openedFirstClosesFirst {
				first, second = b, a
			}
			first.Close()
			if m := mutex(); openedFirstClosesFirst && m != want || !openedFirstClosesFirst && m != 0 {
				return fmt.Errorf("one RawConn closed: the mutex is %#x (the driver's is %#x)", m, want)
			}
			second.Close()
			if m := mutex(); m != want {
				return fmt.Errorf("both closed: the mutex is %#x, want the driver's %#x", m, want)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("the RawConn opened first closes first %v: %v", openedFirstClosesFirst, err)
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO t VALUES (1, 2, 3)`); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("count %d, %v; want 2", n, err)
	}
}
