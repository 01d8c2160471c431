package clean

import (
	"database/sql"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

// TestSQLiteMonth: sqliteMonth is SQLite's substr(v, 1, 7) of a text: multi-byte characters,
// stray continuation bytes, invalid UTF-8, a NUL within the first 7 characters, short texts.
func TestSQLiteMonth(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vals := []string{"", "2025", "2025-07", "2025-07-01 08:00:00", "é✓\U0001F600abcdefgh", "20\x0025-07", "2025-0\x007",
		"\x80\x80\x80abcdefgh", "a\xc3", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", "ab\xe2\x9c", "\xc0\x80\xc0\x80abcdefg", "1234567\x00"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, r.IntN(14))
		for i := range b {
			b[i] = []byte{0, 'a', '-', 0x80, 0xbf, 0xc3, 0xa9, 0xe2, 0xf0, 0xff}[r.IntN(10)]
		}
		vals = append(vals, string(b))
	}
	for _, v := range vals {
		var want []byte
		if err := db.QueryRow(`SELECT CAST(substr(CAST(? AS TEXT), 1, 7) AS BLOB)`, v).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := sqliteMonth(v); got != string(want) {
			t.Errorf("%q: %q, SQLite's substr %q", v, got, want)
		}
	}
}

// TestSampleAheadOff: a value whose text the store may return otherwise, and a following
// table written before the table it follows, switch the sample off (the canary then draws it
// from the store), as does a follow column whose affinity is not its key's.
func TestSampleAheadOff(t *testing.T) {
	s, err := contract.Parse([]byte(`
name: off
schema: off
tables:
  - name: p
    key: [id]
    columns:
      - {name: id, type: integer}
  - name: c
    sample: {follow: {column: pid, table: p}}
    columns:
      - {name: pid, type: integer}
`))
	if err != nil {
		t.Fatal(err)
	}
	row := func(v any) []any { return []any{int64(1), int64(1), int64(1), v} }
	finishAll := func(a *sampleAhead, n int64) {
		for _, tb := range s.Tables {
			a.finish(a.tables[tb.Name], n, nil)
		}
	}

	a := newSampleAhead(s, 1)
	a.tables["p"].feed(row("7"))
	c := a.tables["c"]
	a.finish(a.tables["p"], 1, nil)
	c.wrote(row("7"), 1)
	a.finish(c, 1, nil)
	if sm := a.result(); sm == nil || !slices.Equal(sm.Tables["c"], []int64{1}) {
		t.Fatalf("the plain case: %+v", sm)
	}

	a = newSampleAhead(s, 1)
	a.tables["p"].feed(row("007")) // INTEGER affinity makes it 7, read back as "7"
	finishAll(a, 1)
	if a.result() != nil {
		t.Error("a non-canonical integer's text taken as written")
	}

	a = newSampleAhead(s, 1)
	a.tables["p"].feed(row(1.5))
	finishAll(a, 1)
	if a.result() != nil {
		t.Error("a REAL's text taken as written")
	}

	a = newSampleAhead(s, 1)
	a.tables["c"].wrote(row("7"), 1)
	a.tables["p"].feed(row("7"))
	finishAll(a, 1)
	if a.result() != nil {
		t.Error("a following table drawn before the table it follows")
	}

	a = newSampleAhead(s, 1)
	a.tables["p"].feed(row("7"))
	a.tables["p"].feed(row("8"))
	finishAll(a, 1) // 2 rows fed, 1 written
	if a.result() != nil {
		t.Error("rows fed that were not written")
	}

	s.Tables[1].Columns[0].Type = contract.Text
	a = newSampleAhead(s, 1)
	a.tables["p"].feed(row("7"))
	finishAll(a, 1)
	if a.result() != nil {
		t.Error("a follow column of TEXT affinity compared with an INTEGER key as text")
	}
}
