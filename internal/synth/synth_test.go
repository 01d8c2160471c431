package synth

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

var serviceDesk = contract.ServiceDesk()

var exportFiles = []string{"tickets", "comments", "timesheets"}

func TestDeterministic(t *testing.T) {
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			o := smallOptions(format)
			o.Scale, o.Raw = 0.01, format == "csv" // XLSX compression is slow: no raw rows there
			a, _ := generate(t, o)
			b, _ := generate(t, o)
			o.Seed++
			c, _ := generate(t, o)
			files := []string{"roster.csv", "truth.json"}
			for _, f := range exportFiles {
				files = append(files, f+"."+format)
			}
			for _, f := range files {
				x, err := os.ReadFile(filepath.Join(a, f))
				if err != nil {
					t.Fatal(err)
				}
				y, _ := os.ReadFile(filepath.Join(b, f))
				if !bytes.Equal(x, y) {
					t.Errorf("%s differs between two runs with the same options", f)
				}
				if z, _ := os.ReadFile(filepath.Join(c, f)); f != "truth.json" && bytes.Equal(x, z) {
					t.Errorf("%s is the same for another seed", f)
				}
			}
			left, _ := filepath.Glob(filepath.Join(a, ".*"))
			if len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

func TestCounts(t *testing.T) {
	for _, raw := range []bool{false, true} {
		o := smallOptions("csv")
		o.Raw = raw
		dir, tr := generate(t, o)
		got, err := ReadTruth(filepath.Join(dir, "truth.json"))
		if err != nil {
			t.Fatal(err)
		}
		counted, err := CountRows(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		quarantines := map[string]int{}
		for _, d := range got.Defects {
			if d.Quarantine != "" {
				quarantines[d.Table]++
			}
		}
		for _, name := range Tables {
			c := got.Counts[name]
			if c == nil || *c != *tr.Counts[name] || *c != *counted[name] {
				t.Fatalf("raw=%v %s: truth.json %+v, Generate %+v, CountRows %+v", raw, name, c, tr.Counts[name], counted[name])
			}
			_, rows := readCSV(t, filepath.Join(dir, name+".csv"))
			if c.Exported != len(rows) {
				t.Errorf("raw=%v %s: exported %d, file has %d rows", raw, name, c.Exported, len(rows))
			}
			if c.InScope != c.Loaded+c.Quarantined {
				t.Errorf("raw=%v %s: in_scope %d != loaded %d + quarantined %d", raw, name, c.InScope, c.Loaded, c.Quarantined)
			}
			if quarantines[name] != c.Quarantined {
				t.Errorf("raw=%v %s: %d quarantine defects for %d quarantined rows", raw, name, quarantines[name], c.Quarantined)
			}
			want := map[string]int{"tickets": refTicketsRaw, "comments": refCommentsRaw, "timesheets": refTimesheetsRaw}[name]
			switch {
			case name == "roster":
				if c.Exported != rosterSize || c.Loaded != rosterSize {
					t.Errorf("roster %+v", c)
				}
			case raw && c.Exported != int(math.Round(o.Scale*float64(want))):
				t.Errorf("%s: raw exported %d, want round(%v*%d)", name, c.Exported, o.Scale, want)
			case !raw && c.Exported != c.InScope:
				t.Errorf("%s: exported %d != in_scope %d without raw", name, c.Exported, c.InScope)
			}
		}
	}
}

func TestReferenceVolumes(t *testing.T) {
	if testing.Short() {
		t.Skip("scale 1")
	}
	counts, err := CountRows(context.Background(), Options{Scale: 1, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"tickets": 10939, "comments": 108129, "timesheets": 141062, "roster": 48}
	for name, n := range want {
		if c := counts[name]; c.InScope != n || c.Exported != n {
			t.Errorf("%s: %+v, want in_scope %d", name, c, n)
		}
	}
}

// TestScopeFilter applies the scope rule of SPEC section 3 (plus: undecidable rows are kept) to
// the files, independently of the generator's model, and compares with the truth.
func TestScopeFilter(t *testing.T) {
	o := smallOptions("csv")
	o.Raw = true
	dir, tr := generate(t, o)
	cutoff, _ := contract.ServiceDesk().Scope.CutoffTime()

	roster := map[string]bool{}
	ro := readExport(t, dir, "roster")
	for n := range ro.rows {
		u, _ := ro.cell(n+1, "username")
		roster[strings.ToLower(strings.TrimSpace(u))] = true
	}

	co := readExport(t, dir, "comments")
	touched := map[int64]bool{}
	var pending []int64
	inScope := map[string]int{}
	for n := 1; n <= len(co.rows); n++ {
		tk, ok := co.cell(n, "ticket_id")
		if !ok { // wrong field count: kept, then quarantined
			inScope["comments"]++
			continue
		}
		id, okT := parseID(tk)
		at, okD := parseStamp(must(co.cell(n, "created_time")))
		switch {
		case !okT || !okD:
			inScope["comments"]++
		case at.Before(cutoff):
		default:
			pending = append(pending, id)
			if roster[strings.ToLower(strings.TrimSpace(must(co.cell(n, "user_name"))))] {
				touched[id] = true
			}
		}
	}
	for _, id := range pending {
		if touched[id] {
			inScope["comments"]++
		}
	}
	tk := readExport(t, dir, "tickets")
	for n := 1; n <= len(tk.rows); n++ {
		id, ok := parseID(must(tk.cell(n, "TKT-Ticket ID")))
		if !ok || touched[id] {
			inScope["tickets"]++
		}
	}
	ts := readExport(t, dir, "timesheets")
	for n := 1; n <= len(ts.rows); n++ {
		d, ok := parseDate(must(ts.cell(n, "TS-Date")))
		if !ok || !d.Before(cutoff) {
			inScope["timesheets"]++
		}
	}
	for _, name := range exportFiles {
		if c := tr.Counts[name]; inScope[name] != c.InScope || c.Exported <= c.InScope {
			t.Errorf("%s: the scope rule keeps %d rows, truth says %d of %d", name, inScope[name], c.InScope, c.Exported)
		}
	}
	// Every in-scope ticket must be touched by a loaded, clean roster comment: the scope must
	// not depend on a quarantined row.
	loadedTouch := map[int64]bool{}
	coTbl := contract.ServiceDesk().Table("comments")
	err := ExpectedRows(o, "comments", func(_ int, v []*string) error {
		u := v[coTbl.ColumnIndex("user_name")]
		if u != nil && roster[strings.ToLower(*u)] {
			id, _ := parseID(*v[coTbl.ColumnIndex("ticket_id")])
			loadedTouch[id] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id := range touched {
		if !loadedTouch[id] {
			t.Errorf("ticket %d is touched only by rows that are not loaded", id)
		}
	}
}

func must(s string, _ bool) string { return s }

// TestDefectsAndBaseCells checks every defect against the file and the expected rows, and every
// loaded cell without a defect against its canonical value: nothing undeclared is dirty.
func TestDefectsAndBaseCells(t *testing.T) {
	o := smallOptions("csv")
	o.Raw = true
	o.Dialect = "2026"
	dir, tr := generate(t, o)
	kinds := map[string]bool{}
	for _, name := range append(exportFiles, "roster") {
		e := readExport(t, dir, name)
		expected := map[int][]*string{}
		err := ExpectedRows(o, name, func(n int, v []*string) error {
			expected[n] = v
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(expected) != tr.Counts[name].Loaded {
			t.Errorf("%s: ExpectedRows gave %d rows, truth loads %d", name, len(expected), tr.Counts[name].Loaded)
		}
		type at struct {
			row int
			col string
		}
		dirty := map[at]bool{}
		for _, d := range tr.Defects {
			if d.Table != name {
				continue
			}
			kinds[d.Table+"/"+d.Kind] = true
			dirty[at{d.Row, d.Column}] = true
			if d.Column == "" {
				if got := strings.Join(e.rows[d.Row-1], ","); got != d.Raw {
					t.Errorf("%s row %d: line %q, defect raw %q", name, d.Row, got, d.Raw)
				}
			} else if got, ok := e.cell(d.Row, d.Column); !ok || got != d.Raw {
				t.Errorf("%s row %d %s: file has %q, defect raw %q", name, d.Row, d.Column, got, d.Raw)
			}
			v, isLoaded := expected[d.Row]
			switch {
			case d.Quarantine != "":
				if isLoaded {
					t.Errorf("%s row %d: quarantined (%s) but expected as loaded", name, d.Row, d.Quarantine)
				}
			case !isLoaded:
				t.Errorf("%s row %d: fixable %s on a row that is not loaded", name, d.Row, d.Kind)
			case d.ExpectNull != (d.Expected == nil):
				t.Errorf("%s row %d %s: expected %v and expect_null %v", name, d.Row, d.Column, d.Expected, d.ExpectNull)
			default:
				got := v[e.tbl.ColumnIndex(d.Column)]
				if (got == nil) != d.ExpectNull || got != nil && *got != *d.Expected {
					t.Errorf("%s row %d %s: expected row has %v, defect expects %v", name, d.Row, d.Column, deref(got), deref(d.Expected))
				}
			}
		}
		for n, vals := range expected {
			for i, c := range e.tbl.Columns {
				if dirty[at{n, c.Name}] {
					continue
				}
				raw, ok := e.cell(n, c.Name)
				if !ok {
					t.Fatalf("%s row %d: loaded row with a wrong field count", name, n)
				}
				if msg := baseMismatch(name, c, raw, vals[i]); msg != "" {
					t.Errorf("%s row %d %s: raw %q, canonical %v: %s", name, n, c.Name, raw, deref(vals[i]), msg)
				}
			}
		}
	}
	for _, k := range []string{"tickets/day_first", "tickets/excel_serial", "tickets/empty_string", "tickets/sentinel",
		"tickets/float_int", "tickets/leading_space", "tickets/padded", "tickets/flag_spelling", "tickets/duplicate_key",
		"comments/garbage_id", "comments/missing_required", "comments/nan_user", "comments/nul_bytes", "comments/crlf",
		"comments/newline_run", "comments/excel_serial", "comments/duplicate_key", "comments/field_count",
		"timesheets/future_date", "timesheets/duplicate_key"} {
		if !kinds[k] {
			t.Errorf("no %s defect", k)
		}
	}
}

func deref(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// baseMismatch says why a clean cell's raw is not the column's normal rendering of its
// canonical value, or "".
func baseMismatch(table string, c *contract.Column, raw string, v *string) string {
	if v == nil {
		if raw != "" {
			return "a NULL written as a value"
		}
		return ""
	}
	if raw == "" {
		return "a value written as empty"
	}
	switch c.Type {
	case contract.Timestamp:
		if table == "comments" {
			t, ok := parseStamp(raw)
			if !ok || strings.Count(raw, "/") != 2 || t.Format(isoStamp) != *v {
				return "not the day-first form of the value"
			}
			return ""
		}
	case contract.Date:
		if d, ok := parseDate(raw); !ok || d.Format(isoDate) != *v {
			return "not the day-first form of the date"
		}
		return ""
	case contract.Time:
		if s, ok := parseClock(raw); !ok || s != *v {
			return "not the H:MM form of the time"
		}
		return ""
	case contract.Text:
		if serviceDesk.IsSentinel(raw) || strings.ContainsAny(raw, "\x00\r") ||
			strings.Contains(raw, "\n\n\n\n") || strings.TrimSpace(raw) != raw {
			return "text that is not canonical"
		}
	}
	if raw != *v {
		return "differs"
	}
	return ""
}

func TestDirtNone(t *testing.T) {
	o := smallOptions("csv")
	o.Dirt = "none"
	o.Raw = true
	dir, tr := generate(t, o)
	if len(tr.Defects) != 0 {
		t.Errorf("%d defects without dirt, first %+v", len(tr.Defects), tr.Defects[0])
	}
	for _, name := range Tables {
		c := tr.Counts[name]
		if c.Quarantined != 0 || c.Loaded != c.InScope {
			t.Errorf("%s: %+v", name, c)
		}
	}
	e := readExport(t, dir, "tickets")
	for n := 1; n <= len(e.rows); n++ {
		if v, _ := e.cell(n, "TKT-Assigned To User"); strings.HasPrefix(v, " ") {
			t.Fatalf("row %d: %q without dirt", n, v)
		}
	}
}

func TestOptionsValidated(t *testing.T) {
	for _, o := range []Options{{Scale: 0}, {Scale: -1}, {Scale: 1, Format: "ods"}, {Scale: 1, Dialect: "2027"}, {Scale: 1, Dirt: "some"}} {
		if _, err := Generate(context.Background(), t.TempDir(), o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestExcelSerialRoundTrip(t *testing.T) {
	g, err := newGen(Options{Scale: 0.001, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := newRand(1, 99)
	for i := 0; i < 10000; i++ {
		want := between(r, g.cutoff.AddDate(-1, 0, 0), g.qEnd)
		if i%2 == 0 {
			want = want.Add(time.Duration(r.IntN(1000)) * time.Millisecond) // system-stamped times
		}
		got, ok := parseStamp(excelSerial(want))
		if !ok || !got.Equal(want) {
			t.Fatalf("%v -> %s -> %v", want, excelSerial(want), got)
		}
	}
	if s := dayFirst(g.cutoff.Add(8*3600e9+42*60e9), true); s != "1/07/2025 8:42" {
		t.Errorf("dayFirst = %q", s)
	}
}

// TestFractionalSeconds: some exported modification times carry milliseconds (as text in CSV;
// TestXLSXMatchesCSV checks the XLSX date cells read back as the same text), and the truth
// expects them loaded exactly.
func TestFractionalSeconds(t *testing.T) {
	dir, truth := generate(t, smallOptions("csv"))
	e := readExport(t, dir, "tickets")
	frac := 0
	for n := range e.rows {
		v, ok := e.cell(n+1, "TKT-Modified Time")
		if ok && len(v) > 19 && v[19] == '.' {
			frac++
			if _, err := time.Parse("2006-01-02 15:04:05.000", v+strings.Repeat("0", 23-len(v))); err != nil || len(v) > 23 {
				t.Fatalf("row %d: modified %q is not a millisecond timestamp", n+1, v)
			}
		}
	}
	if frac < len(e.rows)/5 {
		t.Errorf("%d of %d modification times have a fraction, want about a third", frac, len(e.rows))
	}
	serials := 0
	for _, d := range truth.Defects {
		if d.Kind == KindExcelSerial && d.Expected != nil && strings.Contains(*d.Expected, ".") {
			serials++
		}
	}
	if serials == 0 {
		t.Error("no Excel serial defect with a fraction of a second")
	}
	t.Logf("%d fractional modification times in %d tickets; %d Excel serial defects with a fraction", frac, len(e.rows), serials)
}

// TestTinyScales: a handful of rows still satisfy every invariant (each ticket has its toucher).
func TestTinyScales(t *testing.T) {
	for _, scale := range []float64{1e-6, 1e-4, 1e-3} {
		for _, raw := range []bool{false, true} {
			o := Options{Scale: scale, Seed: 5, Raw: raw}
			_, tr := generate(t, o)
			for _, name := range Tables {
				c := tr.Counts[name]
				if c.InScope != c.Loaded+c.Quarantined || c.Loaded == 0 || c.Exported < c.InScope {
					t.Errorf("scale %v raw %v %s: %+v", scale, raw, name, c)
				}
			}
		}
	}
}
