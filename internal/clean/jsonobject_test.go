package clean

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/store"
)

// TestJSONObjectSQLWide: the spliced expression gives exactly one json_object's text, for
// as many columns as a table may hold, where one call would exceed SQLite's argument limit.
func TestJSONObjectSQLWide(t *testing.T) {
	b, err := store.Create(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	for _, n := range []int{1, 62, 63, 64, 126, 127, 501, 1598} {
		var pairs []string
		for i := range n {
			v := fmt.Sprintf("'v%d'", i)
			switch i % 3 {
			case 1:
				v = "NULL"
			case 2:
				v = fmt.Sprint(i)
			}
			pairs = append(pairs, fmt.Sprintf("'k%d\"'", i), v)
		}
		var got string
		if err := b.DB.QueryRow("SELECT " + jsonObjectSQL(pairs)).Scan(&got); err != nil {
			t.Fatalf("%d pairs: %v", n, err)
		}
		var want string
		if n <= 500 { // one call still works here: compare with it
			if err := b.DB.QueryRow("SELECT json_object(" + strings.Join(pairs, ", ") + ")").Scan(&want); err != nil {
				t.Fatal(err)
			}
		} else {
			want = "{"
			for i := 0; i < len(pairs); i += 2 {
				var part string
				if err := b.DB.QueryRow("SELECT json_object(" + pairs[i] + ", " + pairs[i+1] + ")").Scan(&part); err != nil {
					t.Fatal(err)
				}
				if i > 0 {
					want += ","
				}
				want += part[1 : len(part)-1]
			}
			want += "}"
		}
		if got != want {
			t.Errorf("%d pairs: got %.80q..., want %.80q...", n, got, want)
		}
	}
}
