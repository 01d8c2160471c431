package stage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/csvfile"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestImportStagesInScope: a fresh import of generated exports stages exactly the truth's
// in-scope rows per table, in both formats and dialects.
func TestImportStagesInScope(t *testing.T) {
	for _, o := range []synth.Options{
		{Scale: 0.05, Seed: 5, Format: "xlsx", Dialect: "2026", Dirt: "realistic", Raw: true},
		{Scale: 0.05, Seed: 5, Format: "csv", Dialect: "legacy", Dirt: "realistic", Raw: true},
	} {
		t.Run(o.Format, func(t *testing.T) {
			dir := t.TempDir()
			truth, err := synth.Generate(context.Background(), dir, o)
			if err != nil {
				t.Fatal(err)
			}
			res, err := stage.Import(context.Background(), stage.Options{Spec: contract.ServiceDesk(), Dir: dir, Out: filepath.Join(t.TempDir(), "stage.db")})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range res.Files {
				c := truth.Counts[a.Table]
				if a.RowsRead != c.Exported || a.InScope != c.InScope || a.Inserted+a.Rejected != c.InScope {
					t.Errorf("%s: read %d in scope %d inserted %d rejected %d; truth exported %d in scope %d",
						a.Table, a.RowsRead, a.InScope, a.Inserted, a.Rejected, c.Exported, c.InScope)
				}
			}
		})
	}
}

// TestImportIncremental: re-importing the same files is a no-op that says so (the store's bytes
// do not change), and a later export with 1% of rows changed and 1% new reports exactly those
// updates and inserts.
func TestImportIncremental(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	o := synth.Options{Scale: 0.05, Seed: 9, Format: "csv", Dialect: "legacy", Dirt: "none"}
	if _, err := synth.Generate(ctx, dir, o); err != nil {
		t.Fatal(err)
	}
	s := contract.ServiceDesk()
	out := filepath.Join(t.TempDir(), "stage.db")
	first, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	before := hash(t, out)

	again, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range again.Files {
		if !a.Skipped || a.SameAs == 0 {
			t.Errorf("%s: re-import not skipped: %+v", a.Table, a)
		}
	}
	if hash(t, out) != before {
		t.Error("re-importing unchanged files rewrote the staging store")
	}

	// The later export: every 100th timesheet row gets a new description (an update), and every
	// 100th row is copied with a new ticket number (a new natural key: an insert).
	header, rows := readCSV(t, filepath.Join(dir, "timesheets.csv"))
	desc, crm := index(header, "TS-Description"), index(header, "TS-Crm ID")
	var changed, added int
	n := len(rows)
	for i := 0; i < n; i += 100 {
		rows[i][desc] += " (amended)"
		changed++
		extra := append([]string(nil), rows[i+1]...)
		extra[crm] = strconv.Itoa(990000000 + i)
		rows = append(rows, extra)
		added++
	}
	writeCSV(t, filepath.Join(dir, "timesheets.csv"), header, rows)
	later, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	var ts *stage.Audit
	for _, a := range later.Files {
		if a.Table == "timesheets" {
			ts = a
		} else if !a.Skipped {
			t.Errorf("%s: unchanged file not skipped", a.Table)
		}
	}
	got := [3]int{ts.Inserted, ts.Updated, ts.Unchanged}
	want := [3]int{added, changed, n - changed}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("timesheets inserted/updated/unchanged (-want +got):\n%s", d)
	}
	var firstTS int
	for _, a := range first.Files {
		if a.Table == "timesheets" {
			firstTS = a.InScope
		}
	}
	if firstTS != n {
		t.Fatalf("first import staged %d timesheets, file has %d", firstTS, n)
	}
}

func hash(t *testing.T, path string) [32]byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func index(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	panic(name)
}

func readCSV(t *testing.T, path string) ([]string, [][]string) {
	r, err := csvfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var all [][]string
	for {
		f, _, err := r.Read()
		if err != nil {
			break
		}
		all = append(all, append([]string(nil), f...))
	}
	return all[0], all[1:]
}

func writeCSV(t *testing.T, path string, header []string, rows [][]string) {
	var b bytes.Buffer
	for _, r := range append([][]string{header}, rows...) {
		for i, f := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quoteCSV(f))
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func quoteCSV(f string) string {
	if !bytes.ContainsAny([]byte(f), ",\"\r\n") {
		return f
	}
	return `"` + string(bytes.ReplaceAll([]byte(f), []byte(`"`), []byte(`""`))) + `"`
}

// TestStagedValuesAreRawText: every staged value is the cell exactly as written — for CSV the
// field's bytes; for XLSX the same text as the CSV rendering of the same model, where date
// cells arrive as ISO text and are marked in _date_cells.
func TestStagedValuesAreRawText(t *testing.T) {
	ctx := context.Background()
	s := contract.ServiceDesk()
	staged := map[string]map[string]map[int][]string{} // format -> table -> row -> values
	marked := 0
	for _, format := range []string{"csv", "xlsx"} {
		dir := t.TempDir()
		o := synth.Options{Scale: 0.02, Seed: 6, Format: format, Dialect: "legacy", Dirt: "realistic"}
		if _, err := synth.Generate(ctx, dir, o); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "stage.db")
		if _, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: out}); err != nil {
			t.Fatal(err)
		}
		db, err := store.OpenReadOnly(out)
		if err != nil {
			t.Fatal(err)
		}
		staged[format] = map[string]map[int][]string{}
		for _, tb := range s.Tables {
			cols := []string{"_row", "coalesce(_date_cells, '')"}
			for _, c := range tb.Columns {
				cols = append(cols, store.Quote(c.Name))
			}
			rows, err := db.Query("SELECT " + strings.Join(cols, ", ") + " FROM " + store.Quote(stage.TableName(tb)))
			if err != nil {
				t.Fatal(err)
			}
			byRow := map[int][]string{}
			for rows.Next() {
				var row int
				var dates string
				vals := make([]string, len(tb.Columns))
				ptrs := []any{&row, &dates}
				for i := range vals {
					ptrs = append(ptrs, &vals[i])
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				if dates != "" {
					marked++
				}
				byRow[row] = vals
			}
			rows.Close()
			staged[format][tb.Name] = byRow
			if format != "csv" {
				continue
			}
			header, fileRows := readCSV(t, filepath.Join(dir, tb.File+".csv"))
			m, err := tb.MatchHeaders(header)
			if err != nil {
				t.Fatal(err)
			}
			for i, fr := range fileRows {
				got, ok := byRow[i+1]
				if !ok || len(fr) != len(header) {
					continue // quarantined for its field count, not staged as a row
				}
				for ci, p := range m.Source {
					if got[ci] != fr[p] {
						t.Fatalf("%s row %d %s: staged %q, file has %q", tb.Name, i+1, tb.Columns[ci].Name, got[ci], fr[p])
					}
				}
			}
		}
		db.Close()
	}
	if marked == 0 {
		t.Error("no XLSX date cell was marked")
	}
	for _, tb := range s.Tables {
		c, x := staged["csv"][tb.Name], staged["xlsx"][tb.Name]
		for row, cv := range c {
			if d := cmp.Diff(cv, x[row]); d != "" {
				t.Fatalf("%s row %d: CSV and XLSX staged differently (-csv +xlsx):\n%s", tb.Name, row, d)
			}
		}
	}
}

// TestImportFiles: exports given as files, named anything, go to the table whose headers they
// have; a later file of one table alone adds to the staging store under the same scope.
func TestImportFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	o := synth.Options{Scale: 0.02, Seed: 12, Format: "csv", Dialect: "2026", Dirt: "realistic"}
	truth, err := synth.Generate(ctx, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	renamed := filepath.Join(dir, "export-2025-q3 (comments).csv")
	if err := os.Rename(filepath.Join(dir, "comments.csv"), renamed); err != nil {
		t.Fatal(err)
	}
	s := contract.ServiceDesk()
	out := filepath.Join(t.TempDir(), "stage.db")
	files := []string{filepath.Join(dir, "roster.csv"), renamed, filepath.Join(dir, "tickets.csv")}
	res, err := stage.Import(ctx, stage.Options{Spec: s, Files: files, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Files {
		if c := truth.Counts[a.Table]; a.InScope != c.InScope {
			t.Errorf("%s from %s: %d in scope, truth %d", a.Table, filepath.Base(a.Path), a.InScope, c.InScope)
		}
	}
	// The timesheets alone, later: the roster staged before still scopes them.
	res, err = stage.Import(ctx, stage.Options{Spec: s, Files: []string{filepath.Join(dir, "timesheets.csv")}, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Files[0]; a.Table != "timesheets" || a.InScope != truth.Counts["timesheets"].InScope || !strings.HasPrefix(res.Scope, "team-touched") {
		t.Errorf("later timesheets: %+v, scope %q", a, res.Scope)
	}
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Files: []string{filepath.Join(dir, "truth.json")}, Out: out}); err == nil {
		t.Error("a file that is no export was accepted")
	}
}

// TestImportSkipsBlankLines (issue 15 item 5): the generator writes blank lines into some CSV
// exports (between rows and at the end); the import skips them without a row or a reject, counts
// them in the audit, and every truth count still holds exactly.
func TestImportSkipsBlankLines(t *testing.T) {
	dir := t.TempDir()
	truth, err := synth.Generate(context.Background(), dir, synth.Options{Scale: 0.02, Seed: 15, Format: "csv", Dialect: "legacy", Dirt: "realistic", Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	if truth.BlankLines["tickets"] == 0 || truth.BlankLines["comments"] != 1 || truth.BlankLines["roster"] != 0 {
		t.Fatalf("the generator wrote blank lines %v, want some in tickets, one in comments, none in the roster", truth.BlankLines)
	}
	res, err := stage.Import(context.Background(), stage.Options{Spec: contract.ServiceDesk(), Dir: dir, Out: filepath.Join(t.TempDir(), "stage.db")})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Files {
		c := truth.Counts[a.Table]
		if a.BlankLines != truth.BlankLines[a.Table] || a.RowsRead != c.Exported || a.InScope != c.InScope || a.Inserted+a.Rejected != c.InScope {
			t.Errorf("%s: %d blank lines, read %d, in scope %d, inserted %d, rejected %d; truth %d blank lines, exported %d, in scope %d",
				a.Table, a.BlankLines, a.RowsRead, a.InScope, a.Inserted, a.Rejected, truth.BlankLines[a.Table], c.Exported, c.InScope)
		}
	}
}
