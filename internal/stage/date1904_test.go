package stage_test

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
)

const spec1904 = `
name: dates
schema: dates
tables:
  - name: events
    key: [id]
    columns:
      - {name: id, type: integer}
      - {name: at, type: timestamp}
      - {name: day, type: date}
      - {name: n, type: integer}
`

// TestDate1904 (issue 14 item 6): in a 1904 workbook, serial 45000 in a General cell and in a
// date-formatted cell of columns the contract types as dates loads as the same date,
// 2027-03-16 (it loaded as 2023-03-15 from the General cell); an integer column keeps its
// number; and a 1900 workbook is unchanged.
func TestDate1904(t *testing.T) {
	s, err := contract.Parse([]byte(spec1904))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		pr   string
		want [4]string // staged at, day; clean at, day
	}{
		{`<workbookPr date1904="1"/>`, [4]string{"2027-03-16", "2027-03-16", "2027-03-16 00:00:00", "2027-03-16"}},
		{``, [4]string{"45000", "2023-03-15", "2023-03-15 00:00:00", "2023-03-15"}},
	} {
		dir, work := t.TempDir(), t.TempDir()
		path := filepath.Join(dir, "events.xlsx")
		writeZip(t, path,
			"xl/workbook.xml", `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`+tt.pr+`<sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>`,
			"xl/styles.xml", `<styleSheet><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>`,
			"xl/worksheets/sheet1.xml", `<worksheet><sheetData>`+
				`<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>at</t></is></c><c r="C1" t="inlineStr"><is><t>day</t></is></c><c r="D1" t="inlineStr"><is><t>n</t></is></c></row>`+
				`<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>45000</v></c><c r="C2" s="1"><v>45000</v></c><c r="D2"><v>45000</v></c></row>`+
				`</sheetData></worksheet>`)
		ctx := context.Background()
		stagePath, cleanPath := filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
		if _, err := stage.Import(ctx, stage.Options{Spec: s, Files: []string{path}, Out: stagePath}); err != nil {
			t.Fatal(err)
		}
		var got [4]string
		var n [2]string
		query(t, stagePath, `SELECT at, day, n FROM stg_events`, &got[0], &got[1], &n[0])
		if _, err := clean.Run(ctx, clean.Options{Spec: s, Stage: stagePath, Out: cleanPath}); err != nil {
			t.Fatal(err)
		}
		query(t, cleanPath, `SELECT at, day, n FROM events`, &got[2], &got[3], &n[1])
		if got != tt.want || n != [2]string{"45000", "45000"} {
			t.Errorf("%q: staged and clean at, day = %q, n = %q; want %q and 45000", tt.pr, got, n, tt.want)
		}
	}
}

func query(t *testing.T, path, q string, dst ...any) {
	t.Helper()
	db, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRowContext(context.Background(), q).Scan(dst...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func writeZip(t *testing.T, path string, files ...string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := zw.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestISODateWithOffsetRefused (issue 14 item 8): a t="d" cell with an offset loses nothing: it
// is staged as the text it is and quarantined by the clean stage as an invalid timestamp (its
// offset was stripped and the value loaded as if local).
func TestISODateWithOffsetRefused(t *testing.T) {
	s, err := contract.Parse([]byte(spec1904))
	if err != nil {
		t.Fatal(err)
	}
	dir, work := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "events.xlsx")
	writeZip(t, path,
		"xl/workbook.xml", `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml", `<worksheet><sheetData>`+
			`<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>at</t></is></c><c r="C1" t="inlineStr"><is><t>day</t></is></c><c r="D1" t="inlineStr"><is><t>n</t></is></c></row>`+
			`<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="d"><v>2024-02-29T13:14:15+02:00</v></c></row>`+
			`<row r="3"><c r="A3"><v>2</v></c><c r="B3" t="d"><v>2024-02-29T13:14:15</v></c></row>`+
			`</sheetData></worksheet>`)
	ctx := context.Background()
	stagePath, cleanPath := filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Files: []string{path}, Out: stagePath}); err != nil {
		t.Fatal(err)
	}
	var staged string
	query(t, stagePath, `SELECT at FROM stg_events WHERE _row = 1`, &staged)
	if _, err := clean.Run(ctx, clean.Options{Spec: s, Stage: stagePath, Out: cleanPath}); err != nil {
		t.Fatal(err)
	}
	var rule, loaded string
	query(t, cleanPath, `SELECT rule FROM quarantine WHERE source_row = 1`, &rule)
	query(t, cleanPath, `SELECT at FROM events WHERE id = '2'`, &loaded)
	if staged != "2024-02-29T13:14:15+02:00" || rule != "invalid_timestamp" || loaded != "2024-02-29 13:14:15" {
		t.Errorf("staged %q, quarantined as %q, row 2 loaded as %q; want the text kept, invalid_timestamp, 2024-02-29 13:14:15", staged, rule, loaded)
	}
}
