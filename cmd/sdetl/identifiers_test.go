package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/xlsx"
)

// pgColumns lists a loaded table's columns in order.
func pgColumns(t *testing.T, dsn, schema, table string) []string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `SELECT column_name FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, schema, table)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

// TestSpecInitHostileHeaders: headers the stores cannot take as names — SQLite's rowid,
// PostgreSQL's system columns, a NUL byte, names equal in their first 63 bytes — and more than
// json_object's 500 columns give a draft that runs unedited, with every renamed column
// explained, in CSV and XLSX.
func TestSpecInitHostileHeaders(t *testing.T) {
	long := strings.Repeat("L", 63)
	header := []string{"id", "rowid", "ctid", "xmin", "oid", "tableoid", "nul\x00byte", long + "1", long + "2"}
	for i := len(header); i < 620; i++ {
		header = append(header, fmt.Sprintf("c%d", i))
	}
	rows := [][]string{header}
	for r := 1; r <= 3; r++ {
		row := make([]string, len(header))
		for i := range row {
			row[i] = fmt.Sprintf("v%d_%d", r, i)
		}
		row[0] = fmt.Sprint(r)
		rows = append(rows, row)
	}
	want := []string{"id", "rowid_2", "ctid_2", "xmin_2", "oid_2", "tableoid_2", "nul_byte", long, long[:61] + "_2"}
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "wide")
			os.MkdirAll(dir, 0o755)
			path := filepath.Join(dir, "cases."+format)
			if format == "csv" {
				writeCSV(t, path, rows)
			} else {
				var cells [][]xlsx.Cell
				for _, r := range rows {
					cells = append(cells, strCells(r))
				}
				writeXLSX(t, path, cells)
			}
			specPath := filepath.Join(t.TempDir(), "spec.yaml")
			mustSdetl(t, "spec", "init", "--from", path, "--out", specPath)
			b, _ := os.ReadFile(specPath)
			for _, note := range []string{"named rowid_2: the header is a system column name", "named ctid_2: the header is a system column name",
				"named nul_byte: the header holds a NUL byte", "named " + long[:61] + "_2: the header is 64 bytes; PostgreSQL keeps 63"} {
				if !strings.Contains(string(b), note) {
					t.Errorf("the draft does not say %q", note)
				}
			}
			s, err := contract.Load(specPath)
			if err != nil {
				t.Fatal(err)
			}
			dsn := pgtest.DSN(t)
			mustSdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", t.TempDir())
			live, err := postgres.Counts(context.Background(), dsn, s)
			if err != nil {
				t.Fatal(err)
			}
			if live.Rows["cases"] != 3 {
				t.Errorf("loaded %d rows, want 3", live.Rows["cases"])
			}
			cols := pgColumns(t, dsn, "wide", "cases")
			if len(cols) != len(header)+3 || !slices.Equal(cols[:len(want)], want) {
				t.Errorf("columns %q..., %d in all; want %q... and %d", cols[:min(len(cols), len(want))], len(cols), want, len(header)+3)
			}
		})
	}
}

// TestWideDuplicateRecords: at the widest a table can be (1,597 columns), a duplicate key's
// record — built with json_object, which SQLite refuses past 500 columns in one call — is
// quarantined with every value.
func TestWideDuplicateRecords(t *testing.T) {
	n := contract.MaxTableColumns()
	dir := t.TempDir()
	var cols []string
	header := make([]string, n)
	for i := range header {
		header[i] = fmt.Sprintf("c%d", i)
		cols = append(cols, fmt.Sprintf("{name: %s, type: text}", header[i]))
	}
	yaml := fmt.Sprintf("name: wide\nschema: wide\ntables:\n  - name: cases\n    key: [c0]\n    columns: [%s]\n", strings.Join(cols, ", "))
	specPath := filepath.Join(dir, "spec.yaml")
	os.WriteFile(specPath, []byte(yaml), 0o644)
	rows := [][]string{header}
	for _, key := range []string{"a", "b", "a"} {
		row := make([]string, n) // one-character values: PostgreSQL's 8 kB row holds 1,597 of them
		for i := range row {
			row[i] = key
		}
		row[n-1] = key + fmt.Sprint(n-1)
		rows = append(rows, row)
	}
	exports := filepath.Join(dir, "exports")
	os.MkdirAll(exports, 0o755)
	writeCSV(t, filepath.Join(exports, "cases.csv"), rows)
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	mustSdetl(t, "run", "--spec", specPath, "--exports", exports, "--pg", dsn, "--workdir", work)
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var loaded, keys int
	var last string
	if err := conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM wide.cases), count(*), max(record::jsonb->>$1)
		FROM (SELECT record, json_object_keys(record) FROM wide.quarantine WHERE rule = 'duplicate_key') q`, header[n-1]).Scan(&loaded, &keys, &last); err != nil {
		t.Fatal(err)
	}
	if wantLast := "a" + fmt.Sprint(n-1); loaded != 2 || keys != n || last != wantLast {
		t.Errorf("loaded %d, quarantined record keys %d (last %q); want 2, %d and %s", loaded, keys, last, n, wantLast)
	}
}

// TestTooWideRefusedUpFront: an export wider than a table can be is refused by spec init, and
// a contract declaring it by the parser, naming the limit — before any row is read.
func TestTooWideRefusedUpFront(t *testing.T) {
	for _, n := range []int{contract.MaxTableColumns() + 1, 2001} {
		header := make([]string, n)
		for i := range header {
			header[i] = fmt.Sprintf("c%d", i)
		}
		path := filepath.Join(t.TempDir(), "cases.csv")
		writeCSV(t, path, [][]string{header, header})
		code, _, stderr := sdetl(t, "spec", "init", "--from", path)
		want := fmt.Sprintf("%d columns; a table holds at most %d (PostgreSQL's limit of 1600 columns per table", n, contract.MaxTableColumns())
		if code != exitError || !strings.Contains(stderr, want) || !strings.Contains(stderr, "cases.csv") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%d columns: exit %d, stderr %q; want one line naming the file and %q", n, code, stderr, want)
		}
	}
}

// TestRowTooBigExplained: PostgreSQL's per-row limit depends on the values, so no contract
// check can promise it; a load that hits it says which limit and what to do, in one line. The
// canary meets it first, also when the table is copied on its second connection, beside another.
func TestRowTooBigExplained(t *testing.T) {
	n := 1200
	var cols []string
	header := make([]string, n)
	row := make([]string, n)
	for i := range header {
		header[i] = fmt.Sprintf("c%d", i)
		row[i] = "123456789"
		cols = append(cols, fmt.Sprintf("{name: %s, type: integer}", header[i]))
	}
	for _, before := range []bool{false, true} {
		t.Run(fmt.Sprintf("after another table %v", before), func(t *testing.T) {
			dir := t.TempDir()
			exports := filepath.Join(dir, "exports")
			os.MkdirAll(exports, 0o755)
			tables := ""
			if before {
				tables = "  - name: notes\n    columns: [{name: id, type: integer}, {name: note, type: text}]\n"
				notes := [][]string{{"id", "note"}}
				for i := range 5000 {
					notes = append(notes, []string{fmt.Sprint(i), strings.Repeat("a note ", 50)})
				}
				writeCSV(t, filepath.Join(exports, "notes.csv"), notes)
			}
			specPath := filepath.Join(dir, "spec.yaml")
			os.WriteFile(specPath, []byte(fmt.Sprintf("name: wide\nschema: wide\ntables:\n%s  - name: cases\n    columns: [%s]\n", tables, strings.Join(cols, ", "))), 0o644)
			writeCSV(t, filepath.Join(exports, "cases.csv"), [][]string{header, row})
			code, _, stderr := sdetl(t, "run", "--spec", specPath, "--exports", exports, "--pg", pgtest.DSN(t), "--workdir", t.TempDir())
			if code != exitError || !strings.Contains(stderr, "load cases: a row of its 1200 columns is wider than the 8160 bytes PostgreSQL stores per row") ||
				strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}

// TestBadContractRefusedBeforeReading: a hand-written contract with names the stores cannot
// hold fails when it is read — the exports directory named does not even exist — with one line
// naming the rule, instead of after import and clean have run.
func TestBadContractRefusedBeforeReading(t *testing.T) {
	long := strings.Repeat("x", 63)
	cases := map[string][2]string{
		"64-byte name":            {`[{name: ` + long + `y, type: text}]`, "is 64 bytes; PostgreSQL keeps 63"},
		"equal in first 63":       {`[{name: ` + long + `1, type: text}, {name: ` + long + `2, type: text}]`, "equal in their first 63 bytes"},
		"case-only duplicates":    {`[{name: Label, type: text}, {name: label, type: text}]`, "one name to SQLite"},
		"rowid":                   {`[{name: rowid, type: text}]`, "system column name"},
		"ctid":                    {`[{name: ctid, type: text}]`, "system column name"},
		"xmin":                    {`[{name: xmin, type: text}]`, "system column name"},
		"NUL in a column name":    {`[{name: "a\0b", type: text}]`, "NUL byte"},
		"NUL in a header is fine": {`[{name: ab, headers: ["a\0b"], type: text}]`, ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			spec := filepath.Join(t.TempDir(), "spec.yaml")
			os.WriteFile(spec, []byte("name: c\nschema: c\ntables:\n  - name: t\n    columns: "+c[0]+"\n"), 0o644)
			work := t.TempDir()
			code, _, stderr := sdetl(t, "run", "--spec", spec, "--exports", filepath.Join(work, "no-such-dir"), "--pg", "host=/nonexistent port=1", "--workdir", work)
			if c[1] == "" {
				if strings.Contains(stderr, "spec ") {
					t.Errorf("a valid contract refused: %s", stderr)
				}
				return
			}
			if code != exitError || !strings.Contains(stderr, c[1]) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want one line with %q", code, stderr, c[1])
			}
			if ents, _ := os.ReadDir(work); len(ents) != 0 {
				t.Errorf("something was written before the refusal: %v", ents)
			}
		})
	}
}
