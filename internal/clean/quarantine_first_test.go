package clean

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
)

// The run report's examples: FirstQuarantined gives, rule by rule, exactly the first n rows
// that reading the whole quarantine in Quarantine's order gives, records aside.
func TestFirstQuarantinedAsQuarantine(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "clean.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(cleanDDL); err != nil {
		t.Fatal(err)
	}
	// Rows inserted out of order, over three tables, two files, four rules (one with a single
	// row), NULL and set columns and raw values; (table, file, row) never repeats.
	rules := []string{"missing_required", "invalid_timestamp", "out_of_domain"}
	for i := 0; i < 300; i++ {
		k := (i * 7919) % 300 // a permutation of 0..299
		rule := rules[k%3]
		if k == 299 {
			rule = "duplicate_key"
		}
		var col, raw any
		if k%4 != 0 {
			col, raw = fmt.Sprintf("c%d", k%5), fmt.Sprintf("v%d", k)
		}
		if _, err := db.Exec(`INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, 'HIGH', ?, ?, ?)`,
			[]string{"tickets", "comments", "timesheets"}[k%3], fmt.Sprintf("f%d.csv", k%2), 1000-k, 1001-k,
			col, rule, raw, "reason "+rule, fmt.Sprintf(`{"k":%d}`, k)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	for _, n := range []int{1, 3, 500} {
		want := map[string][]QuarantinedRow{}
		if err := Quarantine(ctx, path, "", "", func(q *QuarantinedRow) error {
			if len(want[q.Rule]) < n {
				q.Record = ""
				want[q.Rule] = append(want[q.Rule], *q)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got := map[string][]QuarantinedRow{}
		if err := FirstQuarantined(ctx, path, n, func(q *QuarantinedRow) error {
			got[q.Rule] = append(got[q.Rule], *q)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(want) != 4 || !reflect.DeepEqual(got, want) {
			t.Errorf("n=%d: got\n%v\nwant\n%v", n, got, want)
		}
	}
}
