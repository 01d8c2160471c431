package specdraft

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

func writeCSV(t *testing.T, path string, rows [][]string) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// column writes a one-column export and drafts it.
func column(t *testing.T, order contract.DateOrder, values ...string) (*Draft, *ColumnDraft) {
	t.Helper()
	rows := [][]string{{"c"}}
	for _, v := range values {
		rows = append(rows, []string{v})
	}
	p := writeCSV(t, filepath.Join(t.TempDir(), "t.csv"), rows)
	d, err := New(context.Background(), Options{Files: []string{p}, Schema: "s", DateOrder: order})
	if err != nil {
		t.Fatal(err)
	}
	return d, d.Tables[0].Columns[0]
}

func repeat(n int, vs ...string) []string {
	var out []string
	for len(out) < n {
		out = append(out, vs...)
	}
	return out[:n]
}

func TestColumnTypes(t *testing.T) {
	tests := []struct {
		name    string
		values  []string
		typ     contract.Type
		conf    float64
		invalid int64
		note    string // substring of a note, "" = no notes
	}{
		{"integers", []string{"1", "22", "-3", "4.0"}, contract.Integer, 1, 0, ""},
		{"decimals", []string{"1.5", "7.50", "3", ".25"}, contract.Decimal, 1, 0, ""},
		{"yes/no is a flag", []string{"Yes", "no", "Y", "N", "1"}, contract.Flag, 1, 0, ""},
		{"true/false is a boolean", []string{"true", "FALSE", "t", "yes"}, contract.Boolean, 1, 0, ""},
		{"only 0 and 1 is an integer", []string{"0", "1", "1"}, contract.Integer, 1, 0, "only 0 and 1"},
		{"leading zeros stay text", []string{"007", "010", "123"}, contract.Text, 1, 0, "leading zeros"},
		{"months", []string{"2025-07", "2025-7", "2024-12"}, contract.Month, 1, 0, ""},
		{"times", []string{"8:30 AM", "14:05", "23:59:59"}, contract.Time, 1, 0, ""},
		{"ISO dates", []string{"2025-03-25", "2025-12-01"}, contract.Date, 1, 0, ""},
		{"a few times of day make a timestamp", append(repeat(24, "2025-03-25"), "2025-03-25 10:00"), contract.Timestamp, 1, 0, ""},
		{"mostly integers: the rest is quarantined", append(repeat(24, "5"), "five"), contract.Integer, 0.96, 1, ""},
		{"too few integers: text", append(repeat(18, "5"), "x", "y"), contract.Text, 1, 0, ""},
		{"all null", []string{"", "?", " nan "}, contract.Text, 0, 0, "every value is null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := column(t, contract.DMY, tt.values...)
			if c.Type != tt.typ || c.Confidence != tt.conf || c.Invalid != tt.invalid {
				t.Errorf("got %s (%.2f, %d invalid), want %s (%.2f, %d invalid)", c.Type, c.Confidence, c.Invalid, tt.typ, tt.conf, tt.invalid)
			}
			notes := strings.Join(c.Notes, "\n")
			if (tt.note == "") != (notes == "") || !strings.Contains(notes, tt.note) {
				t.Errorf("notes %q, want one containing %q", notes, tt.note)
			}
		})
	}
}

// Issue 12: a count that is mostly 0 and 1 but reaches 8 is an integer, and its note must not
// say it holds only 0 and 1.
func TestMostlyZeroOneIsNotOnlyZeroOne(t *testing.T) {
	vals := append(append(repeat(30, "0"), repeat(30, "1")...), "2", "8")
	_, c := column(t, contract.DMY, vals...)
	notes := strings.Join(c.Notes, "\n")
	if c.Type != contract.Integer || strings.Contains(notes, "only 0 and 1") {
		t.Errorf("got %s with notes %q, want integer without an \"only 0 and 1\" note", c.Type, notes)
	}
}

func TestInvalidExamples(t *testing.T) {
	_, c := column(t, contract.DMY, append(repeat(60, "5"), "five", "six", "five")...)
	if c.Type != contract.Integer || c.Invalid != 3 || strings.Join(c.InvalidEx, ",") != "five,six" {
		t.Errorf("got %s, %d invalid %q; want integer, 3 invalid [five six]", c.Type, c.Invalid, c.InvalidEx)
	}
}

func TestDateOrder(t *testing.T) {
	tests := []struct {
		name   string
		spec   contract.DateOrder
		values []string
		typ    contract.Type
		order  contract.DateOrder // the column's date_order ("" = the contract's)
		note   string             // prefix
		format string             // most frequent
	}{
		{"month-first evidence", contract.DMY, []string{"03/25/2025 14:05", "03/04/2025 09:00", "?"}, contract.Timestamp, contract.MDY,
			"month-first by evidence: 1 value only fits m/d (1 ambiguous value read the same way)", "MM/DD/YYYY HH:mm"},
		{"day-first evidence", contract.DMY, []string{"25/03/2025", "03/04/2025", "3/04/2025"}, contract.Date, "", "day-first by evidence: 1 value only fits d/m (2 ambiguous values read the same way)", "DD/MM/YYYY"},
		{"day-first evidence against an mdy contract", contract.MDY, []string{"25/03/2025", "03/04/2025"}, contract.Date, contract.DMY, "day-first by evidence", "DD/MM/YYYY"},
		{"ambiguous", contract.DMY, []string{"03/04/2025", "01/02/2025"}, contract.Date, "",
			"ambiguous: all values <= 12 in both d/m parts (2 values), using the spec default dmy — check this", "DD/MM/YYYY"},
		{"ambiguous, mdy contract", contract.MDY, []string{"03/04/2025"}, contract.Date, "", "ambiguous: all values <= 12 in both d/m parts (1 value), using the spec default mdy", "MM/DD/YYYY"},
		{"conflict", contract.DMY, []string{"25/03/2025", "03/25/2025", "01/02/2025"}, contract.Date, "", "conflicting evidence: 1 value only fits d/m, 1 only m/d", "DD/MM/YYYY"},
		{"ISO only", contract.DMY, []string{"2025-03-04 10:00:00"}, contract.Timestamp, "", "", "YYYY-MM-DD HH:mm:ss"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := column(t, tt.spec, tt.values...)
			if c.Type != tt.typ || c.DateOrder != tt.order {
				t.Errorf("got %s date_order %q, want %s %q", c.Type, c.DateOrder, tt.typ, tt.order)
			}
			if !strings.HasPrefix(c.OrderNote, tt.note) || (tt.note == "") != (c.OrderNote == "") {
				t.Errorf("order note %q, want %q...", c.OrderNote, tt.note)
			}
			if len(c.Formats) == 0 || c.Formats[0].Format != tt.format {
				t.Errorf("formats %+v, want %q first", c.Formats, tt.format)
			}
		})
	}
}

// TestAmbiguousColumnTakesItsSiblingsOrder (issue 12): an ambiguous column takes the order of
// the export's date columns whose evidence decides, and says which; with nothing to decide it is
// unresolved, and the contract's stated order (--date-order) is never overruled.
func TestAmbiguousColumnTakesItsSiblingsOrder(t *testing.T) {
	p := writeCSV(t, filepath.Join(t.TempDir(), "t.csv"), [][]string{{"Opened", "Closed", "Due"}, {"03/25/2025", "03/04/2025", "2025-01-01"}, {"01/02/2025", "02/03/2025", ""}})
	d, err := New(context.Background(), Options{Files: []string{p}, Schema: "s"})
	if err != nil {
		t.Fatal(err)
	}
	closed := d.Tables[0].Columns[1]
	if want := `month-first by the evidence of "Opened" in the same export: its 2 d/m values all have day and month <= 12`; closed.DateOrder != contract.MDY || closed.OrderNote != want {
		t.Errorf("closed: date_order %q note %q, want mdy and %q", closed.DateOrder, closed.OrderNote, want)
	}
	if d.DateOrder != contract.Unresolved || d.Spec.Tables[0].Columns[2].DateOrder != contract.Unresolved {
		t.Errorf("contract order %q, Due %q: want unresolved (nothing states one; Due needs none)", d.DateOrder, d.Spec.Tables[0].Columns[2].DateOrder)
	}
	stated, err := New(context.Background(), Options{Files: []string{p}, Schema: "s", DateOrder: contract.DMY})
	if err != nil {
		t.Fatal(err)
	}
	if c := stated.Tables[0].Columns[1]; c.DateOrder != "" || !strings.HasPrefix(c.OrderNote, "ambiguous") {
		t.Errorf("stated dmy: closed date_order %q note %q, want the stated order", c.DateOrder, c.OrderNote)
	}
	q := writeCSV(t, filepath.Join(t.TempDir(), "u.csv"), [][]string{{"Opened", "Closed"}, {"03/04/2025", "03/04/2025 10:00"}, {"01/02/2025", ""}})
	u, err := New(context.Background(), Options{Files: []string{q}, Schema: "s"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range u.Tables[0].Columns {
		if c.DateOrder != "" || !strings.HasPrefix(c.OrderNote, "UNRESOLVED: ") || c.Invalid != 0 {
			t.Errorf("%s: date_order %q note %q invalid %d, want unresolved", c.Name, c.DateOrder, c.OrderNote, c.Invalid)
		}
	}
	if !strings.Contains(string(u.YAML), "date_order: unresolved") {
		t.Errorf("draft does not say unresolved:\n%s", u.YAML)
	}
}

func TestKeys(t *testing.T) {
	ids := func(n int, f string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(f, i+1)
		}
		return out
	}
	tests := []struct {
		name       string
		cols       map[string][]string // header -> values; headers in order of order
		order      []string
		key        string
		candidates []string
		note       string // substring of the key note
		modified   string
	}{
		{"integer id before earlier unique text", map[string][]string{"Title": ids(5, "t%d"), "Ticket ID": ids(5, "%d"), "Count": ids(5, "%d0")},
			[]string{"Title", "Count", "Ticket ID"}, "Ticket ID", []string{"Ticket ID", "Count", "Title"}, "other candidates", ""},
		{"a null or a duplicate disqualifies", map[string][]string{"id": {"1", "2", ""}, "no": {"1", "1", "2"}, "login": {"a", "b", "c"}},
			[]string{"id", "no", "login"}, "login", []string{"login"}, "", ""},
		{"dates and fractions are never keys", map[string][]string{"at": {"2025-01-01", "2025-01-02"}, "x": {"1.5", "2.5"}},
			[]string{"at", "x"}, "", []string{}, `no natural key`, ""},
		{"no key says why", map[string][]string{"Case No": {"1", "1"}, "v": {"a", "a"}},
			[]string{"Case No", "v"}, "", []string{}, `("Case No" has duplicates)`, ""},
		{"a last-modified column", map[string][]string{"id": {"1", "2"}, "Last Updated": {"2025-01-01 10:00", "2025-01-02 11:00"}},
			[]string{"id", "Last Updated"}, "id", []string{"id"}, "", "Last Updated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := [][]string{tt.order}
			for i := range tt.cols[tt.order[0]] {
				var r []string
				for _, h := range tt.order {
					r = append(r, tt.cols[h][i])
				}
				rows = append(rows, r)
			}
			p := writeCSV(t, filepath.Join(t.TempDir(), "t.csv"), rows)
			d, err := New(context.Background(), Options{Files: []string{p}, Schema: "s"})
			if err != nil {
				t.Fatal(err)
			}
			td := d.Tables[0]
			if td.Key != tt.key || strings.Join(td.KeyCandidates, ",") != strings.Join(tt.candidates, ",") || td.Modified != tt.modified {
				t.Errorf("key %q candidates %q modified %q, want %q %q %q", td.Key, td.KeyCandidates, td.Modified, tt.key, tt.candidates, tt.modified)
			}
			if !strings.Contains(td.KeyNote, tt.note) {
				t.Errorf("key note %q, want it to contain %q", td.KeyNote, tt.note)
			}
			for _, c := range td.Columns {
				if c.Required != (c.Name == tt.key) {
					t.Errorf("%s: required %v", c.Name, c.Required)
				}
			}
			if tt.key != "" && strings.Join(d.Spec.Tables[0].Key, ",") != tt.key {
				t.Errorf("parsed key %q", d.Spec.Tables[0].Key)
			}
		})
	}
}

// TestSentinels: the defaults are always listed; extra markers only when an export holds them.
func TestSentinels(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []string
		hits   map[string]int64
	}{
		{"none found", []string{"1", "2"}, DefaultSentinels, map[string]int64{}},
		{"defaults found", []string{"1", "?", "N/A", "n/a"}, DefaultSentinels, map[string]int64{"?": 1, "N/A": 2}},
		{"extra found", []string{"1", "#N/A", "(null)"}, append(append([]string(nil), DefaultSentinels...), "#N/A", "(null)"), map[string]int64{"#N/A": 1, "(null)": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, c := column(t, contract.DMY, tt.values...)
			if strings.Join(d.Spec.Sentinels, "|") != strings.Join(tt.want, "|") {
				t.Errorf("sentinels %q, want %q", d.Spec.Sentinels, tt.want)
			}
			for x, n := range tt.hits {
				if d.SentinelHits[x] != n || c.Sentinels[x] != n {
					t.Errorf("%q: %d hits (column %d), want %d", x, d.SentinelHits[x], c.Sentinels[x], n)
				}
			}
			if c.Type != contract.Integer {
				t.Errorf("type %s, want integer: sentinels are nulls", c.Type)
			}
		})
	}
}

// TestDraftFile: what is drafted about the file itself, and the YAML's layout.
func TestDraftFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "Team Roster.CSV")
	if err := os.WriteFile(p, []byte("\ufeffLogin,,_row,Note\r\nann,x,7,hi\r\nbob,y,7,yo\r\ncy,z,8\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := New(context.Background(), Options{Files: []string{p}, Name: "Team Data"})
	if err != nil {
		t.Fatal(err)
	}
	td := d.Tables[0]
	if d.Schema != "team_data" || td.Table != "team_roster" || td.File != "Team Roster" || td.Rows != 2 || td.Misfits != 1 {
		t.Errorf("schema %q table %q file %q rows %d misfits %d", d.Schema, td.Table, td.File, td.Rows, td.Misfits)
	}
	notes := strings.Join(td.Notes, "\n")
	for _, want := range []string{"1 row with a wrong field count", "column 2 has no header", "rename Team Roster.CSV"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	y := string(d.YAML)
	for _, want := range []string{
		"name: \"Team Data\"\nschema: team_data\n",
		"  - name: team_roster\n    file: \"Team Roster\"\n    optional: false\n    key: [Login]\n",
		"      - {name: Login, type: text, required: true}\n",
		"      - {name: row, headers: [_row], type: integer}\n",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("YAML lacks %q:\n%s", want, y)
		}
	}
	if c := d.Spec.Tables[0].Column("row"); c == nil || c.Headers[0] != "_row" {
		t.Errorf("column row: %+v", c)
	}
}

// TestZeroIDs: an integer column holding 0 is listed in quality.zero_ids, because the quality
// score reads integer columns as ids where 0 means none.
func TestZeroIDs(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   bool
	}{
		{"zeros", []string{"0", "3", "0.0"}, true},
		{"no zeros", []string{"10", "3", "-1"}, false},
		{"zeros in a decimal column", []string{"0", "1.5"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, c := column(t, contract.DMY, tt.values...)
			got := d.Spec.Quality.ZeroID("t", "c")
			if c.ZeroID != tt.want || got != tt.want {
				t.Errorf("zero id %v, in the parsed quality section %v; want %v", c.ZeroID, got, tt.want)
			}
		})
	}
}

// TestEmptyExport: a header without rows still drafts a table that loads (nothing).
func TestEmptyExport(t *testing.T) {
	p := writeCSV(t, filepath.Join(t.TempDir(), "t.csv"), [][]string{{"id", "name"}})
	d, err := New(context.Background(), Options{Files: []string{p}, Schema: "s"})
	if err != nil {
		t.Fatal(err)
	}
	td := d.Tables[0]
	if td.Rows != 0 || td.Key != "" || !strings.Contains(td.KeyNote, "no rows") || len(d.Spec.Tables[0].Columns) != 2 {
		t.Errorf("rows %d key %q note %q", td.Rows, td.Key, td.KeyNote)
	}
	for _, c := range td.Columns {
		if c.Type != contract.Text || len(c.Notes) != 1 || !strings.HasPrefix(c.Notes[0], "no rows") {
			t.Errorf("%s: %s %q", c.Name, c.Type, c.Notes)
		}
	}
}
