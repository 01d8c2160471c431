package clean_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/clean"
)

// Rows cross the reader, the normaliser, the measurer and the writer in batches cut by count
// and by size; the clean table and the quarantine still hold them in staged order, and every
// row is either clean or quarantined.
func TestRowsKeepStagedOrderAcrossBatches(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,n,note\n")
	const rows = 3000
	for i := 1; i <= rows; i++ {
		n := strconv.Itoa(i)
		if i%7 == 0 {
			n = "x" // not an integer: quarantined
		}
		note := "short"
		if i%500 == 0 {
			note = strings.Repeat("w", 300<<10) // a few rows past the batch's byte limit
		}
		fmt.Fprintf(&b, "%d,%s,%s\n", (i*7919)%rows, n, note)
	}
	_, rep, db := cleanCSV(t, `
name: order
schema: order
tables:
  - name: events
    columns:
      - {name: id, type: integer}
      - {name: n, type: integer}
      - {name: note, type: text}
`, b.String(), clean.Options{Measure: true})
	check := func(what, q string, want func(i int) bool) {
		t.Helper()
		got := query(t, db, q)
		k := 0
		for i := 1; i <= rows; i++ {
			if !want(i) {
				continue
			}
			if k >= len(got) || got[k][0] != strconv.Itoa(i) {
				t.Fatalf("%s: row %d of %d is not staged row %d", what, k, len(got), i)
			}
			k++
		}
		if k != len(got) {
			t.Fatalf("%s: %d rows, want %d", what, len(got), k)
		}
	}
	check("clean", `SELECT _row FROM events ORDER BY rowid`, func(i int) bool { return i%7 != 0 })
	check("quarantine", `SELECT source_row FROM quarantine ORDER BY rowid`, func(i int) bool { return i%7 == 0 })
	if tr := rep.Tables[0]; tr.Staged != rows || tr.Clean+tr.Quarantined != rows {
		t.Errorf("reconciliation %+v", tr)
	}
}
