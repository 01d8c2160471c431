// RawConn and RawStmt run the statements the import and the clean stage execute once per row
// (their INSERTs) through SQLite's C API (modernc.org/sqlite/lib) directly, on the database/sql
// driver's own connection, taken inside sql.Conn.Raw.
//
// Why: for every text value the driver copies the string into a fresh C allocation (malloc
// behind the C allocator's global mutex), looks up the parameter's name, and after the step
// unbinds and frees it: bind was as costly as the step itself, and both writer goroutines spend
// most of their time there. A RawStmt copies a row's text into one C buffer it keeps for the
// statement's life and binds the values where they lie (SQLITE_STATIC), so a value costs a
// memmove and one sqlite3_bind_text call, or only the memmove when it has the length of the
// value bound there before (see slot). Meant for INSERTs: a query's plan would not see a value
// that changed without a bind.
//
// Why the driver's connection and not a handle of our own: the stores are built with
// locking_mode EXCLUSIVE and journaling off (see build), so a second handle could not write the
// file while the driver's holds it, and the rows must be part of the transaction the rest of
// the stage runs on that connection (the import's upserts read them back). On the same handle
// the SQL is the same, in the same transaction, so the file comes out the same.
//
// A RawConn and its RawStmts are valid only inside the Raw function that gave the driver
// connection (the connection is then the caller's alone), and are used by one goroutine.

package store

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// RawConn is the C handle of a modernc.org/sqlite connection.
type RawConn struct {
	tls   *libc.TLS // ours: the C code's per-thread state while this goroutine calls it
	db    uintptr   // sqlite3*, the driver's
	mutex uintptr   // the connection's mutex, set aside while the RawConn is open (OpenRaw)
}

// OpenRaw returns the SQLite handle of dc, the driver connection sql.Conn.Raw passes its function.
// The driver does not export it, so it is read from the connection's db field, checked to be
// what modernc.org/sqlite v1 keeps there; a driver that changed it fails here, not later.
//
// Until Close, the connection runs in SQLite's multi-thread mode rather than the driver's
// serialized one: its mutex is set aside, as SQLITE_OPEN_NOMUTEX would have opened it (the
// driver always asks for FULLMUTEX). That mutex guards a connection used by several threads at
// once, which a RawConn never is (it is one goroutine's, inside Raw, which holds the
// connection); it cost a lock and an unlock on every bind, step, reset and column read: 4% of
// a scale-1 run's CPU samples, a 40-column insert that binds every value 25% slower
// (BenchmarkRawInsert). SQLite skips a NULL mutex, and the mutex is not held between calls, so
// setting it aside and back between calls is what the open flag does. The global mutexes
// (allocator, page cache, file locks) stay.
func OpenRaw(dc any) (*RawConn, error) {
	v := reflect.ValueOf(dc)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct || v.Elem().Type().PkgPath() != "modernc.org/sqlite" {
		return nil, fmt.Errorf("sqlite: %T is not a modernc.org/sqlite connection", dc)
	}
	f := v.Elem().FieldByName("db")
	if !f.IsValid() || f.Kind() != reflect.Uintptr || f.Uint() == 0 {
		return nil, fmt.Errorf("sqlite: the modernc.org/sqlite connection (%T) has no SQLite handle where expected", dc)
	}
	c := &RawConn{tls: libc.NewTLS(), db: uintptr(f.Uint())}
	c.mutex = sqlite3.Xsqlite3_db_mutex(c.tls, c.db)
	c.conn().Fmutex = 0
	return c, nil
}

func (c *RawConn) conn() *sqlite3.Tsqlite3 { return (*sqlite3.Tsqlite3)(cptr(c.db)) }

// Close gives the connection its mutex back and releases the RawConn's own state (not the
// connection, which stays the driver's). Its statements must be closed first.
func (c *RawConn) Close() {
	if c.tls != nil {
		if c.mutex != 0 { // else a RawConn opened before this one set it aside, and gives it back
			c.conn().Fmutex = c.mutex
		}
		c.tls.Close()
		c.tls = nil
	}
}

// LastInsertID is the rowid of the connection's latest INSERT.
func (c *RawConn) LastInsertID() int64 {
	return sqlite3.Xsqlite3_last_insert_rowid(c.tls, c.db)
}

// RawStmt is a prepared statement of one SQL statement.
type RawStmt struct {
	c     *RawConn
	pstmt uintptr
	n     int   // parameters
	vals  []any // an Exec's arguments as bound (converted), reused
	buf   uintptr
	mem   []byte // buf as bytes: each parameter's text or blob in its slot
	slots []slot // by parameter
}

// slot is where a parameter's text or blob lies in the buffer, and what it was bound to last.
// SQLite reads a value bound SQLITE_STATIC where it lies, at each step, and keeps a parameter's
// binding across resets: a text the length of the one before it, copied over it, needs no new
// bind (two mutex calls and an unbind in SQLite: a quarter of the import's writing time on the
// event log, whose columns mostly keep their lengths from row to row).
type slot struct {
	off, size int
	kind      uint8 // what is bound: unbound, or as the constants below
	n         int   // text or blob length bound; int64 value bound
}

const (
	slotUnbound uint8 = iota
	slotNull
	slotText
	slotBlob
	slotInt
)

// prepare prepares query, which must be exactly one statement, and returns the statement.
func (c *RawConn) prepare(query string) (uintptr, error) {
	psql, err := libc.CString(query)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(c.tls, psql)
	// SQLite writes the statement and the end of its text through these two pointers: they
	// are C memory, since a goroutine's stack may move during the (Go) call.
	out := libc.Xcalloc(c.tls, 2, types.Size_t(unsafe.Sizeof(uintptr(0))))
	if out == 0 {
		return 0, errors.New("sqlite: cannot allocate memory")
	}
	defer libc.Xfree(c.tls, out)
	ptrs := (*[2]uintptr)(cptr(out))
	if rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, psql, -1, out, out+unsafe.Sizeof(uintptr(0))); rc != sqlite3.SQLITE_OK {
		return 0, c.error(rc)
	}
	if ptrs[0] == 0 {
		return 0, fmt.Errorf("sqlite: no statement in %q", query)
	}
	if *(*byte)(cptr(ptrs[1])) != 0 {
		sqlite3.Xsqlite3_finalize(c.tls, ptrs[0])
		return 0, fmt.Errorf("sqlite: more than one statement in %q", query)
	}
	return ptrs[0], nil
}

// Prepare prepares query, one statement whose parameters are all positional (?).
func (c *RawConn) Prepare(query string) (*RawStmt, error) {
	pstmt, err := c.prepare(query)
	if err != nil {
		return nil, err
	}
	s := &RawStmt{c: c, pstmt: pstmt, n: int(sqlite3.Xsqlite3_bind_parameter_count(c.tls, pstmt))}
	for i := 1; i <= s.n; i++ {
		if name := libc.GoString(sqlite3.Xsqlite3_bind_parameter_name(c.tls, s.pstmt, int32(i))); name != "" {
			s.Close()
			return nil, fmt.Errorf("sqlite: parameter %s of %q: only ? parameters are bound in order", name, query)
		}
	}
	s.vals = make([]any, s.n)
	s.slots = make([]slot, s.n)
	return s, nil
}

// Texts is one Exec argument that binds as len(Texts) TEXT parameters in a row, one per
// string: a caller with a row of strings (the import's cells) passes them without boxing each
// in an interface, an allocation per value. Boxed once and kept, a Texts over a reused slice
// binds whatever the slice holds at each Exec.
type Texts []string

// Exec runs the statement with args bound in order, converted as database/sql would (an int
// to int64, a named string type to string). A string binds as TEXT (NUL bytes and all), a
// []byte as a BLOB, nil (or a nil []byte) as NULL, a Texts as one TEXT per string.
func (s *RawStmt) Exec(args ...any) error {
	if cap(s.vals) < len(args) {
		s.vals = make([]any, len(args))
	}
	vals := s.vals[:len(args)]
	defer clear(vals) // hold none of the caller's values
	n := 0
	for i, a := range args {
		switch x := a.(type) {
		case nil, int64, float64, bool, string, []byte:
		case Texts:
			n += len(x) - 1
		default:
			v, err := driver.DefaultParameterConverter.ConvertValue(a)
			if err != nil {
				return fmt.Errorf("sqlite: argument %d: %w", i+1, err)
			}
			a = v
		}
		n++
		vals[i] = a
	}
	if n != s.n {
		return fmt.Errorf("sqlite: %d arguments for %d parameters", n, s.n)
	}
	if err := s.layout(vals); err != nil {
		return err
	}
	idx := 0
	for _, v := range vals {
		if t, ok := v.(Texts); ok {
			for _, x := range t {
				if err := s.bindText(idx, x); err != nil {
					return err
				}
				idx++
			}
			continue
		}
		if err := s.bind(idx, v); err != nil {
			return err
		}
		idx++
	}
	return s.step()
}

// layout makes every text and blob of vals fit its parameter's slot. Slots only grow while the
// buffer stays within twice this row's values (plus a little), so rows alike settle on one
// layout; otherwise (or the first time) the slots are laid out again for this row, in a new
// buffer, and every parameter is bound anew.
func (s *RawStmt) layout(vals []any) error {
	fits, total, need := s.buf != 0, 0, 0
	s.sizes(vals, func(p, n int) {
		if n > s.slots[p].size {
			fits = false
		}
		total += max(n, s.slots[p].size)
		need += n
	})
	if fits {
		return nil
	}
	tight := total > 2*need+4096
	size := 0
	s.sizes(vals, func(p, n int) {
		sl := &s.slots[p]
		if tight {
			sl.size = n
		} else {
			sl.size = max(n, sl.size)
		}
		sl.off = size
		size += sl.size
	})
	if size > math.MaxInt32 {
		return fmt.Errorf("sqlite: %d bytes of values in one row is too many for SQLite", size)
	}
	p := libc.Xmalloc(s.c.tls, types.Size_t(max(size, 1)))
	if p == 0 {
		return fmt.Errorf("sqlite: cannot allocate %d bytes", size)
	}
	for i := range s.slots {
		s.slots[i].kind = slotUnbound // nothing may still point into the old buffer
	}
	s.free()
	s.buf = p
	s.mem = unsafe.Slice((*byte)(cptr(p)), max(size, 1))
	return nil
}

// sizes calls f with each parameter's text or blob length (0 for other values).
func (s *RawStmt) sizes(vals []any, f func(p, n int)) {
	p := 0
	for _, v := range vals {
		switch x := v.(type) {
		case string:
			f(p, len(x))
		case []byte:
			f(p, len(x))
		case Texts:
			for _, t := range x {
				f(p, len(t))
				p++
			}
			continue
		default:
			f(p, 0)
		}
		p++
	}
}

// bindText copies x into parameter p's slot and binds it there as TEXT, SQLITE_STATIC (0):
// it stays unchanged until the next Exec. A slot bound to a text of x's length is bound already.
func (s *RawStmt) bindText(p int, x string) error {
	sl := &s.slots[p]
	copy(s.mem[sl.off:], x)
	if sl.kind == slotText && sl.n == len(x) {
		return nil
	}
	return s.bound(sl, slotText, len(x), sqlite3.Xsqlite3_bind_text(s.c.tls, s.pstmt, int32(p+1), s.buf+uintptr(sl.off), int32(len(x)), 0))
}

// bound records what slot sl now holds, once SQLite's bind returned rc.
func (s *RawStmt) bound(sl *slot, kind uint8, n int, rc int32) error {
	if rc != sqlite3.SQLITE_OK {
		sl.kind = slotUnbound
		return s.c.error(rc)
	}
	sl.kind, sl.n = kind, n
	return nil
}

func (s *RawStmt) bind(p int, v any) error {
	tls, st, idx, sl := s.c.tls, s.pstmt, int32(p+1), &s.slots[p]
	switch x := v.(type) {
	case nil:
		if sl.kind == slotNull {
			return nil
		}
		return s.bound(sl, slotNull, 0, sqlite3.Xsqlite3_bind_null(tls, st, idx))
	case int64:
		if sl.kind == slotInt && int64(sl.n) == x {
			return nil
		}
		return s.bound(sl, slotInt, int(x), sqlite3.Xsqlite3_bind_int64(tls, st, idx, x))
	case float64:
		return s.bound(sl, slotUnbound, 0, sqlite3.Xsqlite3_bind_double(tls, st, idx, x))
	case bool:
		b := int32(0)
		if x {
			b = 1
		}
		return s.bound(sl, slotUnbound, 0, sqlite3.Xsqlite3_bind_int(tls, st, idx, b))
	case string:
		return s.bindText(p, x)
	case []byte:
		if x == nil {
			return s.bind(p, nil)
		}
		copy(s.mem[sl.off:], x)
		if sl.kind == slotBlob && sl.n == len(x) {
			return nil
		}
		return s.bound(sl, slotBlob, len(x), sqlite3.Xsqlite3_bind_blob(tls, st, idx, s.buf+uintptr(sl.off), int32(len(x)), 0))
	default:
		return fmt.Errorf("sqlite: argument %d: cannot bind a %T", idx, v)
	}
}

// cptr is the C pointer p as an unsafe.Pointer. The C allocator's memory is mapped outside the
// Go heap and stays put until freed, so a Go view of it is valid until then; go vet cannot know
// that p is not a Go pointer held as a number, hence the indirection.
func cptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

func (s *RawStmt) free() {
	if s.buf != 0 {
		libc.Xfree(s.c.tls, s.buf)
		s.buf, s.mem = 0, nil
	}
}

// step runs the statement to its end and resets it for the next Exec. The error is read
// before the reset, which would replace it.
func (s *RawStmt) step() error {
	tls, p := s.c.tls, s.pstmt
	rc := sqlite3.Xsqlite3_step(tls, p)
	for rc == sqlite3.SQLITE_ROW { // a RETURNING clause: run it to completion, as the driver does
		rc = sqlite3.Xsqlite3_step(tls, p)
	}
	var err error
	if rc != sqlite3.SQLITE_DONE {
		err = s.c.error(rc)
	}
	if rc := sqlite3.Xsqlite3_reset(tls, p); rc != sqlite3.SQLITE_OK && err == nil {
		err = s.c.error(rc)
	}
	return err
}

// Close finalizes the statement, then frees its buffer (which the statement may point into
// until then). Closing a nil or closed RawStmt does nothing.
func (s *RawStmt) Close() error {
	if s == nil || s.pstmt == 0 {
		return nil
	}
	rc := sqlite3.Xsqlite3_finalize(s.c.tls, s.pstmt)
	s.pstmt = 0
	s.free()
	if rc != sqlite3.SQLITE_OK {
		return s.c.error(rc)
	}
	return nil
}

// CloseRaw closes the statements (nil ones are skipped) and returns the first error.
func CloseRaw(stmts ...*RawStmt) error {
	var errs []error
	for _, s := range stmts {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// rawError is an SQLite error, worded as the driver words it ("errstr: errmsg (code)") and with
// its code (Code), as the driver's errors have, so callers that look for SQLITE_FULL see it.
type rawError struct {
	msg  string
	code int
}

func (e *rawError) Error() string { return e.msg }

// Code is the SQLite result code (an extended one when SQLite gave it).
func (e *rawError) Code() int { return e.code }

func (c *RawConn) error(rc int32) error {
	str := libc.GoString(sqlite3.Xsqlite3_errstr(c.tls, rc))
	busy := ""
	if rc == sqlite3.SQLITE_BUSY {
		busy = " (SQLITE_BUSY)"
	}
	if msg := libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db)); msg != str {
		return &rawError{msg: fmt.Sprintf("%s: %s (%v)%s", str, msg, rc, busy), code: int(rc)}
	}
	return &rawError{msg: fmt.Sprintf("%s (%v)%s", str, rc, busy), code: int(rc)}
}
