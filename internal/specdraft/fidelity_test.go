package specdraft

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/xlsx"
)

// writeExport writes rows as a CSV or an XLSX (string cells) export named t.<format>.
func writeExport(t *testing.T, format string, rows [][]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t."+format)
	if format == "csv" {
		return writeCSV(t, p, rows)
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := xlsx.NewWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		cells := make([]xlsx.Cell, len(r))
		for i, v := range r {
			cells[i] = xlsx.Str(v)
		}
		if err := w.WriteRow(cells); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLeadingPlusStaysText: phone numbers written with a leading + are never typed integer
// (which would load +318855443322 as 318855443322) and never proposed as a key.
func TestLeadingPlusStaysText(t *testing.T) {
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			rows := [][]string{{"Phone", "Name"}}
			for i, p := range []string{"+318855443322", "+61298765432", "+442071234567", "+14155550100"} {
				rows = append(rows, []string{p, string(rune('a' + i))})
			}
			d, err := New(context.Background(), Options{Files: []string{writeExport(t, format, rows)}, Schema: "s"})
			if err != nil {
				t.Fatal(err)
			}
			td := d.Tables[0]
			c := td.Columns[0]
			if c.Type != contract.Text || !strings.Contains(strings.Join(c.Notes, "\n"), "leading +") {
				t.Errorf("Phone typed %s, notes %q; want text, with a note about the leading +", c.Type, c.Notes)
			}
			if strings.Join(td.Key, ",") != "Name" || strings.Join(td.KeyCandidates, ",") != "Name" {
				t.Errorf("key %q, candidates %q; want Name alone (a phone number is not an identifier)", td.Key, td.KeyCandidates)
			}
		})
	}
	// Alone, the phone column is still not proposed, and the draft says why.
	rows := [][]string{{"Phone Number"}, {"+318855443322"}, {"+61298765432"}}
	d, err := New(context.Background(), Options{Files: []string{writeExport(t, "csv", rows)}, Schema: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if td := d.Tables[0]; len(td.Key) != 0 || !strings.Contains(td.KeyNote, "leading +") {
		t.Errorf("key %q, note %q; want no key, and the leading + named", td.Key, td.KeyNote)
	}
}

// TestDraftAndProfileAgree: spec init drafts exactly the profiler's inference, for columns the
// two used to disagree on (a column of only 1 was boolean to one and integer to the other).
func TestDraftAndProfileAgree(t *testing.T) {
	for _, tt := range []struct {
		name   string
		values []string
		want   contract.Type
	}{
		{"only 1", repeat(20, "1"), contract.Integer},
		{"1 and 0", repeat(20, "1", "0"), contract.Integer},
		{"yes, no and 1", repeat(20, "yes", "no", "1"), contract.Flag},
		{"true and 0", repeat(20, "true", "0"), contract.Boolean},
		{"leading zeros", repeat(20, "007", "12"), contract.Text},
		{"a leading +", repeat(20, "+5", "12"), contract.Text},
		{"mostly dates, a few timestamps", append(repeat(24, "2025-03-25"), "2025-03-25 10:00:00.5"), contract.Timestamp},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, c := column(t, contract.DMY, tt.values...)
			s := contract.ServiceDesk()
			p := profile.NewTable(s, &contract.Table{Name: "t", Columns: []*contract.Column{{Name: "c", Type: contract.Text}}})
			for _, v := range tt.values {
				if err := p.Add([]string{v}); err != nil {
					t.Fatal(err)
				}
			}
			r := p.Report(0).Columns[0]
			if c.Type != tt.want || r.Suggested != tt.want {
				t.Errorf("spec init says %s, profile says %s (inferred %s); want both %s", c.Type, r.Suggested, r.InferredType, tt.want)
			}
		})
	}
}

// TestTrailingDelimiter: data lines ending with a delimiter the header lacks make every row a
// misfit; the draft names the cause. With the delimiter on the header line too, the empty
// last column is unnamed and ignored, and every row is drafted.
func TestTrailingDelimiter(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(p, []byte("id,name\n1,a,\n2,b,\n3,c,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := New(context.Background(), Options{Files: []string{p}, Schema: "s"})
	if err != nil {
		t.Fatal(err)
	}
	td := d.Tables[0]
	notes := strings.Join(td.Notes, "\n")
	if td.Rows != 0 || td.Misfits != 3 || !strings.Contains(notes, "3 rows of 3 have one field more than the header, and it is empty") ||
		!strings.Contains(notes, "trailing delimiter") {
		t.Errorf("rows %d misfits %d notes %q; want 0, 3 and the trailing delimiter named", td.Rows, td.Misfits, notes)
	}

	if err := os.WriteFile(p, []byte("id,name,\n1,a,\n2,b,\n3,c,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err = New(context.Background(), Options{Files: []string{p}, Schema: "s"}); err != nil {
		t.Fatal(err)
	}
	td = d.Tables[0]
	if td.Rows != 3 || td.Misfits != 0 || len(td.Columns) != 2 || td.Columns[0].Type != contract.Integer || strings.Join(td.Key, ",") != "id" {
		t.Errorf("rows %d misfits %d columns %d key %q; want 3, 0, 2 and id", td.Rows, td.Misfits, len(td.Columns), td.Key)
	}

	// A single stray misfit is a field_count quarantine, not a trailing-delimiter file.
	if err := os.WriteFile(p, []byte("id,name\n1,a\n2,b\n3,c,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err = New(context.Background(), Options{Files: []string{p}, Schema: "s"}); err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(d.Tables[0].Notes, "\n"); strings.Contains(notes, "trailing delimiter") {
		t.Errorf("notes %q: one misfit row is not a trailing-delimiter file", notes)
	}
}

// TestStrayNumberIsAMisfit: a bare 1 among ISO timestamps is not an Excel serial: the draft
// counts it as a value the type leaves out (its row will be quarantined), with the example,
// and reports no serials; serials among the column's own dates are format evidence.
func TestStrayNumberIsAMisfit(t *testing.T) {
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			rows := [][]string{{"at"}}
			for i := 0; i < 30; i++ {
				rows = append(rows, []string{"2020-01-01 01:02:03"})
			}
			rows = append(rows, []string{"1"}, []string{"43831.5"}) // a stray 1; 2020-01-01 12:00
			d, err := New(context.Background(), Options{Files: []string{writeExport(t, format, rows)}, Schema: "s"})
			if err != nil {
				t.Fatal(err)
			}
			c := d.Tables[0].Columns[0]
			if c.Type != contract.Timestamp || c.Invalid != 1 || strings.Join(c.InvalidEx, ",") != "1" || c.Serials != 1 || c.Max != "2020-01-01 12:00:00" {
				t.Errorf("got %s, %d invalid %q, %d serials, max %q; want timestamp, 1 invalid [1], 1 serial, max 2020-01-01 12:00:00",
					c.Type, c.Invalid, c.InvalidEx, c.Serials, c.Max)
			}
			if !strings.Contains(string(d.YAML), `Excel serial numbers (1)`) || !strings.Contains(string(d.YAML), `CHECK: 1 value is not timestamp`) {
				t.Errorf("draft lacks the serial count or the misfit:\n%s", d.YAML)
			}
		})
	}
}
