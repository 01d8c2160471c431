package quality

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
)

// fullPresent is the raw null test without its fast path, as it was before it had one.
func fullPresent(sp *contract.Spec, expr string) string {
	nulls := []string{"''"}
	for _, x := range sp.Sentinels {
		if x = strings.TrimSpace(x); x != "" {
			nulls = append(nulls, "'"+strings.ReplaceAll(strings.ToLower(x), "'", "''")+"'")
		}
	}
	return fmt.Sprintf("lower(trim(%s, %s)) NOT IN (%s)", expr, rawSpace, strings.Join(nulls, ", "))
}

// TestPresentFastPath: the raw null test with its first-character fast path says of every
// value what the full test says: padded, cased and near-miss sentinels, non-ASCII and invalid
// UTF-8, control characters, numbers, blobs and NULL, in a column of no type affinity.
func TestPresentFastPath(t *testing.T) {
	ctx := context.Background()
	sp := mini(t)
	sp.Sentinels = []string{"nan", "NULL", " N/A ", "?", "-", "Ünknown", "'q", "İx", "\x01z"}
	b, err := store.Create(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	if _, err := b.DB.ExecContext(ctx, `CREATE TABLE v (x)`); err != nil {
		t.Fatal(err)
	}
	pads := []string{"", " ", "\t", "\r\n", "\v\f", "\u00a0", "\x01", "x"}
	cores := []string{"", "nan", "NaN", "NAN", "nano", "n", "N", "na", "null", "Null", "n/a", "N/A", "n/ a", "?", "??", "-", "-1",
		"?x", "x", "ünknown", "Ünknown", "ÜNKNOWN", "üNKNOWN", "'q", "'Q", "q", "i̇x", "İx", "İX", "\x01z", "\x01Z", "\xff", "\xc3", "\xc3\xbc"}
	var vals []any
	for _, p := range pads {
		for _, c := range cores {
			for _, q := range pads {
				vals = append(vals, p+c+q, []byte(p+c+q))
			}
		}
	}
	vals = append(vals, nil, 0, -5, 1.5, int64(1)<<62, []byte{})
	for _, v := range vals {
		if _, err := b.DB.ExecContext(ctx, `INSERT INTO v VALUES (?)`, v); err != nil {
			t.Fatal(err)
		}
	}
	s := &sqlSource{SQLStore{RawNulls: true}}
	truth := func(p string) string { return "CASE WHEN " + p + " THEN 1 ELSE 0 END" }
	var n, present, differ int64
	q := fmt.Sprintf("SELECT count(*), sum(%s), sum(%s <> %s) FROM v", truth(fullPresent(sp, "x")), truth(fullPresent(sp, "x")), truth(s.present(sp, "x")))
	if err := b.DB.QueryRowContext(ctx, q).Scan(&n, &present, &differ); err != nil {
		t.Fatal(err)
	}
	if differ != 0 {
		rows, err := b.DB.QueryContext(ctx, fmt.Sprintf("SELECT quote(x) FROM v WHERE %s <> %s LIMIT 10", truth(fullPresent(sp, "x")), truth(s.present(sp, "x"))))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var x string
			rows.Scan(&x)
			t.Errorf("the fast path judges %s otherwise", x)
		}
	}
	if present == 0 || present == n {
		t.Fatalf("%d of %d values present: the test needs both", present, n)
	}
}

// TestRawPresenceAgreesWithSQL: the Go null test says of every text what the store's SQL says
// (padded, cased and near-miss sentinels, non-ASCII case pairs SQLite does not fold, invalid
// UTF-8, control characters).
func TestRawPresenceAgreesWithSQL(t *testing.T) {
	ctx := context.Background()
	sp := mini(t)
	sp.Sentinels = []string{"nan", "NULL", " N/A ", "?", "-", "Ünknown", "'q", "İx", "\x01z"}
	b, err := store.Create(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	p := NewRawPresence(sp)
	q := "SELECT CASE WHEN " + fullPresent(sp, "?1") + " THEN 1 ELSE 0 END"
	pads := []string{"", " ", "\t", "\r\n", "\v\f", "\u00a0", "\x01", "x"}
	cores := []string{"", "nan", "NaN", "NAN", "nano", "n", "null", "Null", "n/a", "N/A", "n/ a", "?", "??", "-", "-1",
		"x", "ünknown", "Ünknown", "ÜNKNOWN", "'q", "'Q", "i̇x", "İx", "İX", "ix", "\x01z", "\x01Z", "\xff", "\xc3"}
	var present, absent int
	for _, a := range pads {
		for _, c := range cores {
			for _, z := range pads {
				v := a + c + z
				var want int
				if err := b.DB.QueryRowContext(ctx, q, v).Scan(&want); err != nil {
					t.Fatal(err)
				}
				if got := p.Present(v); got != (want == 1) {
					t.Errorf("Present(%q) = %v, the SQL says %v", v, got, want == 1)
				}
				if want == 1 {
					present++
				} else {
					absent++
				}
			}
		}
	}
	if present == 0 || absent == 0 {
		t.Fatalf("%d present, %d absent: the test needs both", present, absent)
	}
}
