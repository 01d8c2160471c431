package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/reconcile"
)

// TestRowHashIsTheServers: reconcile.RowHash, computed in Go on the clean side, equals
// hashtextextended(text COLLATE "C", 0) on the server for texts of every tail length (0-11
// bytes past a 12-byte block), multi-byte UTF-8 and long rows: the two sides of the
// reconciliation hash alike.
func TestRowHashIsTheServers(t *testing.T) {
	conn := connect(t, pgtest.DSN(t))
	texts := []string{"", "-", "3:abc-", "11:hello world5:Zürich", "2:日本-0:", strings.Repeat("x", 4096), "line\nbreak\ttab 'quote' \\backslash"}
	for n := range 30 {
		texts = append(texts, strings.Repeat("abcdefghijk", 3)[:n])
	}
	for _, s := range texts {
		var got int64
		if err := conn.QueryRow(context.Background(), `SELECT hashtextextended($1::text COLLATE "C", 0)`, s).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := reconcile.RowHash(s); uint64(got) != want {
			t.Errorf("%q: server %d, Go %d", s, uint64(got), want)
		}
	}
}
