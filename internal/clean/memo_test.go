package clean

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
	"github.com/sdetl/sdetl/internal/values"
)

// sameResults feeds every row of rows (one raw value per column of t) to the memo and to the
// plain normaliser and fails on the first result or error that differs, and on a boxed value
// (lastBoxes) that is not the value. Each raw value lies in one buffer, overwritten once the
// value is used, as a reader reusing its buffer would: a remembered result must not lie in it.
func sameResults(t *testing.T, s *contract.Spec, tb *contract.Table, rows [][]string) {
	t.Helper()
	n := values.NewNormalizer(s.Sentinels)
	m := newNormMemo(n, s)
	var lb lastBoxes
	buf := make([]byte, 0, 1024)
	for k, row := range rows {
		for i, col := range tb.Columns {
			want, werr := n.NormalizeColumn(col, row[i])
			buf = append(buf[:0], row[i]...)
			raw := unsafe.String(unsafe.SliceData(buf), len(buf)) // the bytes are scribbled over below
			got, gerr := m.NormalizeColumn(col, raw)
			if fmt.Sprint(werr) != fmt.Sprint(gerr) || got != want {
				t.Fatalf("%s row %d %s %q: memo %+v %v, normaliser %+v %v", tb.Name, k, col.Name, row[i], got, gerr, want, werr)
			}
			if gerr == nil && !got.Null {
				want := strings.Clone(got.Value)
				if b := lb.of(i, len(tb.Columns), got.Value); b != any(want) {
					t.Fatalf("%s row %d %s: boxed %#v, value %q", tb.Name, k, col.Name, b, want)
				}
			}
			for j := range buf {
				buf[j] = '#'
			}
		}
	}
}

// TestNormMemoAdversarial: the memo's results equal the normaliser's over values chosen to
// trip it: repeats of values that change (trimmed, reformatted, sentinels, NUL, CR LF), of
// values that fail, values at and past the length bound, and values alike but for one byte.
func TestNormMemoAdversarial(t *testing.T) {
	s, err := contract.Parse([]byte(`
name: adv
schema: adv
sentinels: ["nan", "N/A", "-", "?"]
tables:
  - name: t
    columns:
      - {name: s, type: text}
      - {name: i, type: integer}
      - {name: d, type: decimal}
      - {name: ts, type: timestamp, date_order: dmy}
      - {name: tz, type: timestamptz}
      - {name: day, type: date, date_order: mdy}
      - {name: tm, type: time}
      - {name: f, type: flag}
      - {name: b, type: boolean}
      - {name: mo, type: month}
`))
	if err != nil {
		t.Fatal(err)
	}
	tb := s.Tables[0]
	long := strings.Repeat("x", memoMaxLen)
	vals := []string{"", " ", "  7 ", "7", "007", "+7", "7.0", "7.5", "-0", "x", "x ", " x", "nan", "NaN", " N/A ", "-", "?",
		"a\x00b", "a\r\nb", "a\n\n\n\n\nb", " a\r\n", "\x00", "2024-01-02", " 2024-01-02 ", "02/01/2024", "2/1/2024 10:00",
		"2024-01-02T03:04:05Z", "2024-01-02 03:04:05+01:00", "45000", "45000.5", "1700000000", "10:30", "25:99", "yes", "Y",
		"no", "true", "TRUE", "false", "2024-01", "Jan 2024", "9223372036854775807", "9223372036854775808", "1e5", "é", " é ",
		long, long + "y", " " + long[1:], long[1:] + " ", long + " ", "\xff\xfe", "１２"}
	var rows [][]string
	for _, a := range vals {
		for _, b := range vals { // every value after every other, twice, in every column
			for _, v := range []string{a, b, b, a, a} {
				row := make([]string, len(tb.Columns))
				for i := range row {
					row[i] = v
				}
				rows = append(rows, row)
			}
		}
	}
	sameResults(t, s, tb, rows)
}

// TestNormMemoGenerated: the memo's results equal the normaliser's over every staged row of
// the generator's exports (with their dirt), in the order the cleaner reads them.
func TestNormMemoGenerated(t *testing.T) {
	ctx := context.Background()
	s := contract.ServiceDesk()
	dir, work := t.TempDir(), t.TempDir()
	if _, err := synth.Generate(ctx, dir, synth.Options{Scale: 0.05, Seed: 5, Format: "csv", Dialect: "legacy", Dirt: "realistic"}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(work, "stage.db")
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: st}); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenReadOnly(st)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tb := range s.Tables {
		cols := make([]string, len(tb.Columns))
		for i, c := range tb.Columns {
			cols[i] = store.Quote(c.Name)
		}
		rs, err := db.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+store.Quote("stg_"+tb.Name)+" ORDER BY rowid")
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		for rs.Next() {
			v := make([]sql.NullString, len(cols))
			p := make([]any, len(cols))
			for i := range v {
				p[i] = &v[i]
			}
			if err := rs.Scan(p...); err != nil {
				t.Fatal(err)
			}
			row := make([]string, len(cols))
			for i := range v {
				row[i] = v[i].String
			}
			rows = append(rows, row)
		}
		rs.Close()
		if len(rows) == 0 {
			t.Fatalf("%s: no rows staged", tb.Name)
		}
		sameResults(t, s, tb, rows)
	}
}
