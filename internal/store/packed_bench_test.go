package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkReadTable reads one table of a real store (SDETL_BENCH_STORE, SDETL_BENCH_TABLE;
// SDETL_BENCH_DSN is added to its DSN) through the SQLite driver's own rows, both ways: one
// packed text per row split by Unpack (what the cleaner and the load do), and one driver
// value per column. Both must give the same texts; the per-column read was measured the
// slower (see packed.go).
func BenchmarkReadTable(b *testing.B) {
	path, table := os.Getenv("SDETL_BENCH_STORE"), os.Getenv("SDETL_BENCH_TABLE")
	if path == "" || table == "" {
		b.Skip("SDETL_BENCH_STORE and SDETL_BENCH_TABLE are unset")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro"+os.Getenv("SDETL_BENCH_DSN"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	cols, err := tableColumns(db, table)
	if err != nil {
		b.Fatal(err)
	}
	// A digest of every row's texts and NULLs, per way of reading, to compare them.
	sums := map[string]uint64{}
	b.Run("packed", func(b *testing.B) {
		dest := make([]driver.Value, 1)
		vals, null := make([]string, len(cols)), make([]bool, len(cols))
		sums["packed"] = benchRead(b, db, "SELECT "+Packed(cols)+" FROM "+Quote(table)+" ORDER BY rowid", dest, func() error {
			s, ok := dest[0].(string)
			if !ok {
				return fmt.Errorf("packed value is %T", dest[0])
			}
			return Unpack(s, vals, null)
		}, vals, null)
	})
	b.Run("columns", func(b *testing.B) {
		// +column is the column's value with no declared type, which the driver would
		// otherwise act on (DATE text parsed as a time).
		sel := make([]string, len(cols))
		for i, c := range cols {
			sel[i] = "+" + c
		}
		dest := make([]driver.Value, len(cols))
		vals, null := make([]string, len(cols)), make([]bool, len(cols))
		sums["columns"] = benchRead(b, db, "SELECT "+strings.Join(sel, ", ")+" FROM "+Quote(table)+" ORDER BY rowid", dest, func() error {
			for i, v := range dest {
				null[i] = false
				switch v := v.(type) {
				case string:
					vals[i] = v
				case []byte:
					vals[i] = string(v)
				case int64:
					vals[i] = strconv.FormatInt(v, 10)
				case nil:
					vals[i], null[i] = "", true
				default: // a real would need SQLite's rendering
					return fmt.Errorf("column %d is %T", i, v)
				}
			}
			return nil
		}, vals, null)
	})
	b.Run("raw", func(b *testing.B) {
		vals, null := make([]string, len(cols)), make([]bool, len(cols))
		q := "SELECT " + strings.Join(cols, ", ") + " FROM " + Quote(table) + " ORDER BY rowid"
		read := func(row func()) error {
			ctx := context.Background()
			conn, err := db.Conn(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			return conn.Raw(func(dc any) error {
				c, err := OpenRaw(dc)
				if err != nil {
					return err
				}
				defer c.Close()
				rows, err := c.Query(ctx, q)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					rows.Keep(vals, null)
					if row != nil {
						row()
					}
				}
				return rows.Err()
			})
		}
		for b.Loop() {
			if err := read(nil); err != nil {
				b.Fatal(err)
			}
		}
		sum := uint64(14695981039346656037)
		if err := read(func() { sum = digestRow(sum, vals, null) }); err != nil {
			b.Fatal(err)
		}
		sums["raw"] = sum
	})
	for _, way := range []string{"columns", "raw"} {
		p, okp := sums["packed"]
		c, okc := sums[way]
		if okp && okc && p != c {
			b.Fatalf("the packed and %s reads differ: %x, %x", way, p, c)
		}
	}
}

func tableColumns(db *sql.DB, table string) ([]string, error) {
	rows, err := db.Query("SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		cols = append(cols, Quote(n))
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s has no columns", table)
	}
	return cols, rows.Err()
}

// benchRead runs q through the driver b.N times; split turns dest into vals and null. Then,
// untimed, it reads once more and returns a digest (FNV-1a) of every row's values.
func benchRead(b *testing.B, db *sql.DB, q string, dest []driver.Value, split func() error, vals []string, null []bool) uint64 {
	for b.Loop() {
		if err := readRows(db, q, dest, split, nil); err != nil {
			b.Fatal(err)
		}
	}
	sum := uint64(14695981039346656037)
	err := readRows(db, q, dest, split, func() { sum = digestRow(sum, vals, null) })
	if err != nil {
		b.Fatal(err)
	}
	return sum
}

// readRows reads q's rows on a connection of db through the driver, calling split and then
// row (when set) for each.
func readRows(db *sql.DB, q string, dest []driver.Value, split func() error, row func()) error {
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		rows, err := dc.(driver.QueryerContext).QueryContext(ctx, q, nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		for {
			if err := rows.Next(dest); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			if err := split(); err != nil {
				return err
			}
			if row != nil {
				row()
			}
		}
	})
}

// digestRow adds a row's values to an FNV-1a digest.
func digestRow(sum uint64, vals []string, null []bool) uint64 {
	for i, v := range vals {
		if null[i] {
			v = "\xffNULL" // not a value's text: a NULL differs from every text
		}
		for j := 0; j < len(v); j++ {
			sum = (sum ^ uint64(v[j])) * 1099511628211
		}
		sum = (sum ^ 0x100) * 1099511628211 // the end of a value
	}
	return sum
}
