package synth

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/sdetl/sdetl/internal/xlsx"
)

// TestXLSXMatchesCSV: both renderings of one model read back to the same text, row by row,
// except the row that only CSV can break (field_count); timestamps of the tickets export are
// date cells and an empty_string defect is an explicit empty string cell.
func TestXLSXMatchesCSV(t *testing.T) {
	oc := smallOptions("csv")
	oc.Scale = 0.01
	ox := oc
	ox.Format = "xlsx"
	dc, tc := generate(t, oc)
	dx, tx := generate(t, ox)

	fieldCountRow := 0
	for _, d := range tc.Defects {
		if d.Kind == KindFieldCount {
			fieldCountRow = d.Row
		}
	}
	if fieldCountRow == 0 {
		t.Fatal("no field_count row in the CSV rendering")
	}
	if len(tc.Defects) != len(tx.Defects) {
		t.Fatalf("%d defects in CSV, %d in XLSX", len(tc.Defects), len(tx.Defects))
	}
	for i, d := range tc.Defects {
		x := tx.Defects[i]
		if d.Kind == KindFieldCount {
			if x.Table != "comments" || x.Row != d.Row || x.Kind != KindGarbageID {
				t.Errorf("the field_count row is %+v in XLSX", x)
			}
			continue
		}
		if deref(d.Expected) != deref(x.Expected) || d.Raw != x.Raw || d.Row != x.Row || d.Column != x.Column || d.Kind != x.Kind {
			t.Errorf("defect %d: CSV %+v, XLSX %+v", i, d, x)
		}
	}
	for _, name := range Tables {
		if *tc.Counts[name] != *tx.Counts[name] {
			t.Errorf("%s: CSV %+v, XLSX %+v", name, tc.Counts[name], tx.Counts[name])
		}
	}

	emptyStr := map[int]bool{}
	for _, d := range tx.Defects {
		if d.Kind == KindEmptyString {
			emptyStr[d.Row] = true
		}
	}
	for _, name := range exportFiles {
		e := readExport(t, dc, name)
		r, err := xlsx.Open(filepath.Join(dx, name+".xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		resCol := e.tbl.ColumnIndex("TKT-Actual Resolution Date")
		n := 0
		for {
			row, num, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			kinds := r.Kinds()
			if num != n+1 {
				t.Fatalf("%s: sheet row %d after %d", name, num, n)
			}
			if n == 0 {
				n++
				continue // header
			}
			fields := e.rows[n-1]
			n++
			if name == "comments" && num-1 == fieldCountRow {
				continue
			}
			for i, want := range fields {
				got := ""
				if i < len(row) {
					got = row[i]
				}
				if got != want {
					t.Fatalf("%s data row %d column %s: XLSX %q, CSV %q", name, num-1, e.head[i], trunc(got), trunc(want))
				}
				if name == "tickets" && e.tbl.Columns[i].Type == "timestamp" && want != "" && want[4] == '-' &&
					(i >= len(kinds) || kinds[i] != xlsx.Date) {
					t.Fatalf("tickets row %d %s: %q is not a date cell", num-1, e.head[i], want)
				}
			}
			if name == "tickets" && emptyStr[num-1] && (resCol >= len(kinds) || kinds[resCol] != xlsx.String) {
				t.Errorf("tickets row %d: empty_string is not an empty string cell", num-1)
			}
		}
		r.Close()
		if n-1 != len(e.rows) {
			t.Errorf("%s: XLSX has %d data rows, CSV %d", name, n-1, len(e.rows))
		}
	}
}
