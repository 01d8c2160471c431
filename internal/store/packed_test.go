package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackedRoundTrip packs values as SQLite holds them (text, integers, NULL, empty text,
// multibyte and control characters, colons and digits inside values, long text) across more
// columns than one concat takes, and expects every value, and every NULL, back unchanged.
func TestPackedRoundTrip(t *testing.T) {
	ctx := context.Background()
	b, err := Create(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	const ncol = 650 // three concat groups
	var cols, defs []string
	for i := range ncol {
		cols = append(cols, Quote(fmt.Sprintf("c%d", i)))
		typ := "TEXT"
		if i%3 == 1 {
			typ = "INTEGER"
		}
		defs = append(defs, cols[i]+" "+typ)
	}
	if _, err := b.DB.ExecContext(ctx, "CREATE TABLE t ("+strings.Join(defs, ", ")+")"); err != nil {
		t.Fatal(err)
	}
	samples := []any{"plain", int64(-9223372036854775808), nil, "", "12:34:5:", "żółć ✓ \t\r\n\x01\x7f", strings.Repeat("long é", 20000), int64(42), "-1:", nil}
	want := make([]any, ncol)
	for i := range want {
		v := samples[i%len(samples)]
		if _, isInt := v.(int64); isInt != (i%3 == 1) && v != nil {
			v = fmt.Sprint(v) // a text column holds text; an integer column an integer
			if i%3 == 1 {
				v = int64(len(v.(string)))
			}
		}
		want[i] = v
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", ncol), ", ")
	if _, err := b.DB.ExecContext(ctx, "INSERT INTO t VALUES ("+ph+")", want...); err != nil {
		t.Fatal(err)
	}
	var packed string
	if err := b.DB.QueryRowContext(ctx, "SELECT "+Packed(cols)+" FROM t").Scan(&packed); err != nil {
		t.Fatal(err)
	}
	vals, null := make([]string, ncol), make([]bool, ncol)
	if err := Unpack(packed, vals, null); err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		switch w := w.(type) {
		case nil:
			if !null[i] {
				t.Errorf("column %d: got %q, want NULL", i, vals[i])
			}
		case int64:
			if null[i] || vals[i] != fmt.Sprint(w) {
				t.Errorf("column %d: got %q (null %v), want %d", i, vals[i], null[i], w)
			}
		case string:
			if null[i] || vals[i] != w {
				t.Errorf("column %d: got %.40q (null %v), want %.40q", i, vals[i], null[i], w)
			}
		}
	}
	if err := Unpack(packed, vals, nil); err == nil {
		t.Error("Unpack without null accepted a NULL")
	}
	if err := Unpack(packed+"x", vals, null); err == nil {
		t.Error("Unpack accepted trailing bytes")
	}
	if err := Unpack(packed[:len(packed)-1], vals, null); err == nil {
		t.Error("Unpack accepted a truncated text")
	}
}
