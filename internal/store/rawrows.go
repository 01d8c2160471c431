// RawRows reads a query's rows through SQLite's C API on the driver's connection, as RawStmt
// writes them: the read counterpart of rawstmt.go.
//
// Why: the hot readers (the clean stage's read of the staging store, the load's read of the
// clean store) read every value of every row. Through the driver each value costs its type,
// text and length calls (each taking the connection's mutex) and a Go allocation; packing a
// row into one text in SQL (concat, as the readers did before) spared those but cost SQLite's
// concat, the integers' and lengths' rendering, and the parse of the packed text, and still
// went through database/sql. A RawRows steps the statement itself and copies each row's values
// from SQLite's result row into one Go buffer it keeps: a value costs its type, text and length
// calls on the result row's cell (sqlite3_value_*, which take no mutex: the connection is the
// caller's alone inside Raw) and a memmove.
//
// The values are exactly what column_text gives (and concat gave): a TEXT's bytes (NULs and
// bytes that are not UTF-8 as they are), a BLOB's bytes, an INTEGER as its decimal text (the
// text SQLite renders, written here by strconv: the same digits), a REAL as SQLite renders it
// (SQLite converts it), NULL told apart from ''.
//
// The result row is the statement's own (Vdbe.pResultRow, an array of Mem): it is read off the
// statement as sqlite3_column_* finds it (columnMem), through the transpiled SQLite's types,
// which ties this file to modernc.org/sqlite's layout as OpenRaw is tied to its connection's;
// TestRawRowsSameAsPacked checks the values against SQLite's own rendering.

package store

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// RawRows is the rows of one query, read forward once. Valid, like the RawConn, only inside
// the Raw function that gave the connection, and used by one goroutine at a time.
type RawRows struct {
	c     *RawConn
	ctx   context.Context
	pstmt uintptr
	n     int    // result columns
	buf   []byte // the current row's values, one after another
	ends  []int  // where value i ends in buf (it starts where value i-1 ends)
	null  []bool // value i is NULL
	rows  int64  // rows read
	err   error  // why the rows ended early
	done  bool   // no more rows
	stop  func() bool
	mu    sync.Mutex // the cancellation's interrupt against Close
	ended bool       // closed: the interrupt must not reach a later statement
}

// memSize is the size of one cell (Mem) of a statement's result row.
const memSize = unsafe.Sizeof(sqlite3.TMem{})

// Query prepares query (one statement, no parameters) and returns its rows. Once ctx is done
// a step running is interrupted and Next stops, with ctx's error.
func (c *RawConn) Query(ctx context.Context, query string) (*RawRows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pstmt, err := c.prepare(query)
	if err != nil {
		return nil, err
	}
	r := &RawRows{c: c, ctx: ctx, pstmt: pstmt, n: int(sqlite3.Xsqlite3_column_count(c.tls, pstmt))}
	if p := sqlite3.Xsqlite3_bind_parameter_count(c.tls, r.pstmt); p != 0 {
		r.Close()
		return nil, fmt.Errorf("sqlite: %q has %d parameters; a raw query binds none", query, p)
	}
	r.ends, r.null = make([]int, r.n), make([]bool, r.n)
	// sqlite3_interrupt is safe from any goroutine; it is sent on a TLS of its own (the
	// rows' may be in use), and never once the rows are closed: a later statement on the
	// connection must not be interrupted for this one.
	r.stop = context.AfterFunc(ctx, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if !r.ended {
			tls := libc.NewTLS()
			sqlite3.Xsqlite3_interrupt(tls, c.db)
			tls.Close()
		}
	})
	return r, nil
}

// Columns is the number of values in each row.
func (r *RawRows) Columns() int { return r.n }

// Rows is the number of rows read so far.
func (r *RawRows) Rows() int64 { return r.rows }

// Next steps to the next row and copies its values into the rows' buffer, where they stay until
// the next call. It reports false at the end of the rows or on an error (see Err).
func (r *RawRows) Next() bool {
	if r.done || r.err != nil {
		return false
	}
	// An interrupt sent before the statement's first step is lost (SQLite clears it when
	// no statement is running), and one between steps acts only at the next: ctx is also
	// looked at now and then.
	if r.rows&1023 == 0 {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			return false
		}
	}
	tls := r.c.tls
	switch rc := sqlite3.Xsqlite3_step(tls, r.pstmt); rc {
	case sqlite3.SQLITE_ROW:
	case sqlite3.SQLITE_DONE:
		r.done = true
		return false
	default:
		if err := r.ctx.Err(); err != nil && (rc&0xff == sqlite3.SQLITE_INTERRUPT) {
			r.err = err
		} else {
			r.err = r.c.error(rc)
		}
		return false
	}
	r.rows++
	v := (*sqlite3.TVdbe)(cptr(r.pstmt))
	if v.FpResultRow == 0 || int(v.FnResColumn) != r.n {
		r.err = fmt.Errorf("sqlite: row %d: the statement has no result row of %d columns", r.rows, r.n)
		return false
	}
	buf := r.buf[:0]
	for i := range r.n {
		mem := v.FpResultRow + uintptr(i)*memSize
		r.null[i] = false
		switch sqlite3.Xsqlite3_value_type(tls, mem) {
		case sqlite3.SQLITE_NULL:
			r.null[i] = true
		case sqlite3.SQLITE_INTEGER:
			buf = strconv.AppendInt(buf, sqlite3.Xsqlite3_value_int64(tls, mem), 10)
		case sqlite3.SQLITE_BLOB:
			p := sqlite3.Xsqlite3_value_blob(tls, mem)
			if n := int(sqlite3.Xsqlite3_value_bytes(tls, mem)); n > 0 {
				if p == 0 {
					r.err = fmt.Errorf("sqlite: row %d column %d: out of memory reading its blob", r.rows, i+1)
					return false
				}
				buf = append(buf, unsafe.Slice((*byte)(cptr(p)), n)...)
			}
		default: // TEXT as it is, REAL as SQLite renders it
			p := sqlite3.Xsqlite3_value_text(tls, mem)
			if p == 0 {
				r.err = fmt.Errorf("sqlite: row %d column %d: out of memory reading its text", r.rows, i+1)
				return false
			}
			if n := int(sqlite3.Xsqlite3_value_bytes(tls, mem)); n > 0 {
				buf = append(buf, unsafe.Slice((*byte)(cptr(p)), n)...)
			}
		}
		r.ends[i] = len(buf)
	}
	r.buf = buf
	return true
}

// Err is why Next stopped before the end of the rows (nil at their end).
func (r *RawRows) Err() error { return r.err }

func (r *RawRows) start(i int) int {
	if i == 0 {
		return 0
	}
	return r.ends[i-1]
}

// Null reports whether value i of the current row is NULL.
func (r *RawRows) Null(i int) bool { return r.null[i] }

// Bytes is value i of the current row (empty for a NULL), valid until the next Next.
func (r *RawRows) Bytes(i int) []byte { return r.buf[r.start(i):r.ends[i]:r.ends[i]] }

// Text is value i of the current row as a string (empty for a NULL) that shares the rows'
// buffer: valid until the next Next, and to be copied if kept.
func (r *RawRows) Text(i int) string {
	b := r.Bytes(i)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Real reports whether value i of the current row is a REAL, and its double: for a reader that
// must render it as database/sql does (strconv's 'g': "1", where Text has SQLite's "1.0"). The
// cell keeps its REAL type and value after Next took its text (SQLite adds the text, it does
// not replace the number).
func (r *RawRows) Real(i int) (float64, bool) {
	if r.done || r.err != nil || r.rows == 0 || i < 0 || i >= r.n {
		return 0, false // no current row
	}
	v := (*sqlite3.TVdbe)(cptr(r.pstmt))
	if v.FpResultRow == 0 {
		return 0, false
	}
	mem := v.FpResultRow + uintptr(i)*memSize
	if sqlite3.Xsqlite3_value_type(r.c.tls, mem) != sqlite3.SQLITE_FLOAT {
		return 0, false
	}
	return sqlite3.Xsqlite3_value_double(r.c.tls, mem), true
}

// Int64 is value i of the current row as an integer: its decimal text parsed.
func (r *RawRows) Int64(i int) (int64, error) {
	if r.null[i] {
		return 0, fmt.Errorf("row %d column %d is NULL, not an integer", r.rows, i+1)
	}
	n, err := strconv.ParseInt(r.Text(i), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("row %d column %d: %q is not an integer", r.rows, i+1, r.Text(i))
	}
	return n, nil
}

// Keep sets vals[i] and null[i] (null may be nil) to the current row's value i for every i in
// vals, in strings of their own: the row's values are copied into one new string, which they
// share (one allocation per row), so they stay valid after the next Next.
func (r *RawRows) Keep(vals []string, null []bool) {
	s := string(r.buf)
	for i := range vals {
		vals[i] = s[r.start(i):r.ends[i]]
		if null != nil {
			null[i] = r.null[i]
		}
	}
}

// Close ends the rows and finalizes the statement. Closing a nil or closed RawRows does nothing.
func (r *RawRows) Close() error {
	if r == nil || r.pstmt == 0 {
		return nil
	}
	if r.stop != nil {
		r.stop()
	}
	r.mu.Lock()
	r.ended = true
	r.mu.Unlock()
	rc := sqlite3.Xsqlite3_finalize(r.c.tls, r.pstmt)
	r.pstmt, r.done = 0, true
	if rc != sqlite3.SQLITE_OK && r.err == nil {
		// finalize repeats the error of the last step, which Err already has
		return r.c.error(rc)
	}
	return nil
}
