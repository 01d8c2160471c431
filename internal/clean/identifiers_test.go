package clean

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
)

// TestAcceptedNamesAreDistinctInSQLite: every contract the identifier rules accept — names
// drawn from case variants, quotes, non-ASCII and system column names — creates its clean-store
// tables in SQLite, where names are compared ignoring ASCII case, with every column distinct.
func TestAcceptedNamesAreDistinctInSQLite(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(14, 9))
	pieces := []string{"a", "A", "b", "B", "é", "É", "\"", "'", " ", "rowid", "RowID", "oid", "id", "ID"}
	name := func() string {
		var b strings.Builder
		for n := 1 + r.IntN(3); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	accepted, refused := 0, 0
	for i := range 200 {
		var tables []any
		for tn := 1 + r.IntN(2); tn > 0; tn-- {
			var cols []map[string]string
			for n := 1 + r.IntN(4); n > 0; n-- {
				cols = append(cols, map[string]string{"name": name(), "type": "text"})
			}
			tables = append(tables, map[string]any{"name": name(), "columns": cols})
		}
		b, _ := json.Marshal(map[string]any{"name": "c", "schema": "ops", "tables": tables})
		s, err := contract.Parse(b)
		if err != nil {
			refused++
			continue
		}
		accepted++
		bld, err := store.Create(ctx, filepath.Join(t.TempDir(), fmt.Sprintf("c%d.db", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := createSchema(ctx, bld.DB, s); err != nil {
			t.Fatalf("accepted contract %s: SQLite refuses it: %v", b, err)
		}
		for _, tb := range s.Tables {
			var n int
			if err := bld.DB.QueryRow(`SELECT count(*) FROM pragma_table_info(?)`, tb.Name).Scan(&n); err != nil || n != len(tb.Columns)+3 {
				t.Fatalf("accepted contract %s: table %q has %d columns (%v), want %d", b, tb.Name, n, err, len(tb.Columns)+3)
			}
		}
		bld.Abort()
	}
	t.Logf("%d contracts accepted and created, %d refused", accepted, refused)
	if accepted < 20 || refused < 20 {
		t.Errorf("accepted %d, refused %d: the generator no longer exercises both sides", accepted, refused)
	}
}
