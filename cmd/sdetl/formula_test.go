package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/store"
)

// TestQuarantineExportFormulaSafe: quarantined values a spreadsheet would run as formulas are
// exported as text (one leading '), values already starting with ' too, and a release of the
// untouched export stages every value byte for byte as it was.
func TestQuarantineExportFormulaSafe(t *testing.T) {
	labels := []string{"=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "\ttab", "\rcr", "'quoted", "''two", "'", "plain", "a=b", ""}
	amounts := []string{"=1+1", "-x", "@", "+", "\tx", "\ry", "'3", "x", "y", "z", "=HYPERLINK(\"http://x\")", "-"}
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.yaml")
	os.WriteFile(spec, []byte(`name: f
schema: f
tables:
  - name: items
    key: [id]
    columns:
      - {name: id, type: integer}
      - {name: label, headers: ["=Label"], type: text}
      - {name: amount, headers: ["@Amount"], type: integer, required: true}
`), 0o644)
	exports := filepath.Join(dir, "exports")
	os.MkdirAll(exports, 0o755)
	rows := [][]string{{"id", "=Label", "@Amount"}}
	for i := range labels {
		rows = append(rows, []string{strings.Repeat("1", i+1), labels[i], amounts[i]})
	}
	var b strings.Builder
	w := csv.NewWriter(&b) // LF line ends: writeCSV's CRLF writer would drop the lone CR
	w.WriteAll(rows)
	os.WriteFile(filepath.Join(exports, "items.csv"), []byte(b.String()), 0o644)
	work := t.TempDir()
	mustSdetl(t, "import", "--spec", spec, "--exports", exports, "--workdir", work)
	mustSdetl(t, "clean", "--spec", spec, "--workdir", work)

	fix := filepath.Join(t.TempDir(), "fix.csv")
	out := mustSdetl(t, "quarantine", "export", "--spec", spec, "--workdir", work, "--table", "items", "--out", fix)
	if !strings.Contains(out, "leading '") {
		t.Errorf("export does not say it guarded cells: %s", out)
	}
	f, _ := os.Open(fix)
	got, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(labels)+1 {
		t.Fatalf("exported %d rows, want %d", len(got)-1, len(labels))
	}
	if got[0][1] != "'=Label" || got[0][2] != "'@Amount" || got[0][len(got[0])-1] != "_quarantine_guard" {
		t.Errorf("header %q", got[0])
	}
	for _, r := range got {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("cell %q would run as a formula", c)
			}
		}
	}
	for i, r := range got[1:] {
		want := labels[i]
		if want != "" && strings.ContainsRune("=+-@\t\r'", rune(want[0])) {
			want = "'" + want
		}
		if r[1] != want {
			t.Errorf("row %d: label cell %q, want %q", i+1, r[1], want)
		}
	}

	mustSdetl(t, "quarantine", "release", "--spec", spec, "--workdir", work, "--table", "items", "--file", fix)
	db, err := store.OpenReadOnly(filepath.Join(work, "stage.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	staged := map[string][2]string{}
	q, err := db.Query(`SELECT id, label, amount FROM stg_items`)
	if err != nil {
		t.Fatal(err)
	}
	for q.Next() {
		var id, l, a string
		if err := q.Scan(&id, &l, &a); err != nil {
			t.Fatal(err)
		}
		staged[id] = [2]string{l, a}
	}
	q.Close()
	for i := range labels {
		id := strings.Repeat("1", i+1)
		if got := staged[id]; got != [2]string{labels[i], amounts[i]} {
			t.Errorf("id %s: released %q, want %q byte for byte", id, got, [2]string{labels[i], amounts[i]})
		}
	}
}
