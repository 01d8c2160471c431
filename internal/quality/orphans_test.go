package quality

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
)

// TestOrphansOnce: the one-scan orphan measure (a reference the contract expects orphans of)
// returns what the count and the second scan for examples return: the same counts, the same
// examples in the same order, over duplicates, NULL, padded and sentinel values, integers
// that sort otherwise as text, text, and (the second scan's fallback) reals and blobs, in
// columns of no, integer and text affinity, raw or not. The count it is checked against is,
// in SQLite, the NOT IN form: so that one is checked against the join too.
func TestOrphansOnce(t *testing.T) {
	ctx := context.Background()
	keys := []any{1, 2, 3, "4", " 5", "nan", nil, 7.0, "abc", 12, "x"}
	plain := []any{1, 1, 2, 9, 10, 10, -3, "9", " 1", "1 ", "zz", "Zz", "a", "a", "", " ", "nan", " - ", nil, "abc", "ab",
		int64(1) << 62, "10", "x", "x", "ü", "4", 12, "12"}
	odd := append(append([]any{}, plain...), 2.5, 7.0, []byte("blob"), []byte{0xff})
	few := []any{1, 2, 3, "abc", nil, "", 3}
	for _, decl := range []string{"", "INTEGER", "TEXT"} {
		for name, vals := range map[string][]any{"plain": plain, "odd": odd, "few": few} {
			for _, raw := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/raw=%v", decl, name, raw), func(t *testing.T) {
					sp := mini(t)
					b, err := store.Create(ctx, filepath.Join(t.TempDir(), "o.db"))
					if err != nil {
						t.Fatal(err)
					}
					defer b.Abort()
					for tbl, vs := range map[string][]any{"tickets": keys, "hours": vals} {
						col := map[string]string{"tickets": "id", "hours": "crm"}[tbl]
						if _, err := b.DB.ExecContext(ctx, "CREATE TABLE "+tbl+" ("+col+" "+decl+")"); err != nil {
							t.Fatal(err)
						}
						for _, v := range vs {
							if _, err := b.DB.ExecContext(ctx, "INSERT INTO "+tbl+" VALUES (?)", v); err != nil {
								t.Fatal(err)
							}
						}
					}
					src := NewSQLSource(SQLStore{Name: "t", Q: store.Querier{DB: b.DB}, Table: func(t *contract.Table) string { return t.Name },
						Quote: store.Quote, RawNulls: raw})
					r := sp.Quality.References[1] // hours.crm -> tickets.id
					r.Min = 0
					want, err := src.Orphans(ctx, sp, r)
					if err != nil {
						t.Fatal(err)
					}
					r.Min = 0.85
					got, err := src.Orphans(ctx, sp, r)
					if err != nil {
						t.Fatal(err)
					}
					if d := cmp.Diff(want, got); d != "" {
						t.Errorf("one scan (-two scans +one):\n%s", d)
					}
					if name != "few" && len(want.Examples) != maxExamples {
						t.Errorf("examples %q: the test needs %d", want.Examples, maxExamples)
					}
				})
			}
		}
	}
}
