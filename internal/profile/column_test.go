package profile

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// profileColumn profiles one column of contracted type t holding values.
func profileColumn(t *testing.T, typ contract.Type, order contract.DateOrder, values ...string) *ColumnReport {
	t.Helper()
	s := contract.ServiceDesk()
	col := &contract.Column{Name: "c", Type: typ, DateOrder: order}
	tb := &contract.Table{Name: "t", Columns: []*contract.Column{col}}
	p := NewTable(s, tb)
	for _, v := range values {
		if err := p.Add([]string{v}); err != nil {
			t.Fatal(err)
		}
	}
	return p.Report(0).Columns[0]
}

func TestColumnNullsAndSentinels(t *testing.T) {
	c := profileColumn(t, contract.Text, contract.DMY, "", "  ", "\t", "nan", "NaN", " NULL ", "n/a", "?", "-", "x", " y ")
	want := map[string]int64{"nan": 2, "NULL": 1, "N/A": 1, "?": 1, "-": 1}
	if d := cmp.Diff(want, c.Sentinels); d != "" {
		t.Errorf("sentinels (-want +got):\n%s", d)
	}
	if c.Rows != 11 || c.Empty != 3 || c.Nulls != 9 || c.NonNull != 2 {
		t.Errorf("rows %d empty %d nulls %d non-null %d, want 11 3 9 2", c.Rows, c.Empty, c.Nulls, c.NonNull)
	}
	if c.Min != "x" || c.Max != "y" {
		t.Errorf("min/max %q/%q, want x/y (trimmed)", c.Min, c.Max)
	}
}

func TestColumnInference(t *testing.T) {
	many := func(n int, v ...string) []string {
		var out []string
		for len(out) < n {
			out = append(out, v...)
		}
		return out[:n]
	}
	distinctValues := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "v" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
		}
		return out
	}
	tests := []struct {
		name     string
		typ      contract.Type
		values   []string
		inferred string
		conf     float64
		support  float64
		mismatch bool
		min, max string
	}{
		{"flags", contract.Flag, many(20, "yes", "No", "Y", "false"), "boolean", 1, 1, false, "No", "yes"},
		{"integers with a float-looking one", contract.Integer, []string{"3", "-12", "3652948.0", "7"}, "integer", 1, 1, false, "-12", "3652948"},
		{"decimals", contract.Decimal, []string{"7.50", ".5", "-8", "10"}, "decimal", 1, 1, false, "-8", "10"},
		// One inference with spec init: codes and phone numbers are text, whatever the contract says.
		{"integers with leading zeros", contract.Integer, []string{"3", "-12", "007"}, "text", 1, 1, false, "-12", "3"},
		{"a leading +", contract.Decimal, []string{"7.50", ".5", "+8", "10"}, "text", 1, 1, false, "+8", "7.50"},
		{"phone numbers", contract.Text, many(20, "+318855443322", "+61298765432"), "text", 1, 1, false, "+318855443322", "+61298765432"},
		{"only 1", contract.Text, many(20, "1"), "integer", 1, 1, false, "1", "1"},
		{"only 0 and 1", contract.Text, many(20, "1", "0"), "integer", 1, 1, false, "0", "1"},
		{"1 and 0 and yes", contract.Text, append(many(20, "1", "0"), "yes"), "boolean", 1, 1, false, "0", "yes"},
		{"decimal in integer column", contract.Integer, []string{"1", "2", "3", "3652948.5"}, "decimal", 1, 0.75, true, "1", "3652948.5"},
		{"months", contract.Month, many(20, "2025-07", "2025-7", "2024-12"), "month", 1, 1, false, "2024-12", "2025-07"},
		{"times", contract.Time, []string{"8:30", "16:21:05", "8:30 PM", "0.5"}, "time", 1, 1, false, "08:30:00", "20:30:00"},
		{"dates", contract.Date, []string{"2/07/2025", "2025-07-01", "20/05/2025"}, "date", 1, 1, false, "2025-05-20", "2025-07-02"},
		{"timestamps", contract.Timestamp, []string{"20/05/2025 8:42", "2025-07-02 16:21:00", "45678.5"}, "timestamp", 1, 1, false, "2025-01-21 12:00:00", "2025-07-02 16:21:00"},
		{"fractional timestamps", contract.Timestamp, []string{"2024-12-31 23:59:59.999", "2025-01-01 00:00:00.5", "2024-12-31 23:59:59.99"}, "timestamp", 1, 1, false, "2024-12-31 23:59:59.99", "2025-01-01 00:00:00.5"},
		{"a date with a time of day", contract.Date, append(many(19, "2025-01-01"), "2024-12-31 23:59:59.999"), "timestamp", 1, 0.95, false, "2024-12-31 23:59:59.999", "2025-01-01 00:00:00"},
		{"timestamp column of text", contract.Timestamp, many(40, "soon", "later"), "category", 1, 0, true, "later", "soon"},
		{"mostly integers", contract.Integer, append(many(19, "5"), "x"), "integer", 0.95, 0.95, false, "5", "5"},
		{"too few integers: a category", contract.Integer, append(many(54, "5"), many(6, "x", "y")...), "category", 1, 0.9, true, "5", "y"},
		{"too few integers and too many distinct values", contract.Integer, append(many(18, "5"), "x", "y"), "text", 1, 0.9, true, "5", "y"},
		{"many distinct strings", contract.Text, distinctValues(100), "text", 1, 1, false, "vaaa", "vzca"},
		{"all null", contract.Timestamp, []string{"", "nan"}, "empty", 0, 1, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := profileColumn(t, tt.typ, contract.DMY, tt.values...)
			if c.InferredType != tt.inferred || c.Confidence != tt.conf {
				t.Errorf("inferred %s (%.3f), want %s (%.3f); parses %v", c.InferredType, c.Confidence, tt.inferred, tt.conf, c.Parses)
			}
			if c.Support != tt.support || c.Mismatch != tt.mismatch {
				t.Errorf("support %.3f mismatch %v, want %.3f %v", c.Support, c.Mismatch, tt.support, tt.mismatch)
			}
			if c.Min != tt.min || c.Max != tt.max {
				t.Errorf("min/max %q/%q, want %q/%q", c.Min, c.Max, tt.min, tt.max)
			}
		})
	}
}

func TestColumnDateOrder(t *testing.T) {
	tests := []struct {
		name     string
		hint     contract.DateOrder
		values   []string
		want     DateOrder
		mismatch bool
		min, max string
	}{
		{"day-first evidence", contract.MDY, []string{"20/05/2025 8:42", "03/04/2025 9:00"}, DateOrder{contract.DMY, BasisEvidence, contract.MDY, nil, ""}, false, "2025-04-03 09:00:00", "2025-05-20 08:42:00"},
		{"month-first evidence", contract.DMY, []string{"05/20/2025 8:42", "03/04/2025 9:00"}, DateOrder{contract.MDY, BasisEvidence, contract.DMY, nil, ""}, false, "2025-03-04 09:00:00", "2025-05-20 08:42:00"},
		{"conflict", contract.DMY, []string{"20/05/2025", "05/20/2025", "2025-01-01"}, DateOrder{contract.DMY, BasisConflict, contract.DMY, nil, ""}, true, "2025-01-01 00:00:00", "2025-05-20 00:00:00"},
		{"only ambiguous", contract.DMY, []string{"03/04/2025", "2025-01-01"}, DateOrder{contract.DMY, BasisAmbiguous, contract.DMY, nil, ""}, false, "2025-01-01 00:00:00", "2025-04-03 00:00:00"},
		{"only ambiguous, mdy hint", contract.MDY, []string{"03/04/2025"}, DateOrder{contract.MDY, BasisAmbiguous, contract.MDY, nil, ""}, false, "2025-03-04 00:00:00", "2025-03-04 00:00:00"},
		{"iso and serial only", contract.DMY, []string{"2025-07-02 16:21", "45678"}, DateOrder{contract.DMY, BasisSpecHint, contract.DMY, nil, ""}, false, "2025-01-21 00:00:00", "2025-07-02 16:21:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := profileColumn(t, contract.Timestamp, tt.hint, tt.values...)
			if c.DateOrder == nil || !reflect.DeepEqual(noExample(*c.DateOrder), tt.want) {
				t.Fatalf("date order %+v, want %+v", c.DateOrder, tt.want)
			}
			if c.Mismatch != tt.mismatch {
				t.Errorf("mismatch %v (%s), want %v", c.Mismatch, c.MismatchReason, tt.mismatch)
			}
			// Inferred timestamp or integer (a lone serial); min/max are checked for timestamps.
			if c.InferredType == "timestamp" && (c.Min != tt.min || c.Max != tt.max) {
				t.Errorf("min/max %q/%q, want %q/%q", c.Min, c.Max, tt.min, tt.max)
			}
		})
	}
}

func TestColumnDateForms(t *testing.T) {
	c := profileColumn(t, contract.Timestamp, contract.DMY,
		"2025-07-02", "20/05/2025", "05/20/2025", "03/04/2025", "45678.25", "1751443200", "1751443200000",
		"31/04/2025", "soon", "a much longer free text value that must never be parsed as a date at all, really", "12-Mar-2025")
	want := map[string]int64{"iso": 1, "day_first": 1, "month_first": 1, "ambiguous": 1, "month_name": 1, "excel_serial": 1,
		"epoch_seconds": 1, "epoch_millis": 1, "invalid": 3}
	if d := cmp.Diff(want, c.DateForms); d != "" {
		t.Errorf("date forms (-want +got):\n%s", d)
	}
	if c.Unparseable != 3 {
		t.Errorf("unparseable %d, want 3", c.Unparseable)
	}
	wantEx := []string{"31/04/2025", "soon", "a much longer free text value that must never be parsed as a…"}
	if d := cmp.Diff(wantEx, c.Examples); d != "" {
		t.Errorf("examples (-want +got):\n%s", d)
	}
}

func TestColumnExamplesDistinctAndCapped(t *testing.T) {
	c := profileColumn(t, contract.Integer, contract.DMY, "a", "a", "b", "1", "c", "d", "e", "f", "g")
	if d := cmp.Diff([]string{"a", "b", "c", "d", "e"}, c.Examples); d != "" {
		t.Errorf("examples (-want +got):\n%s", d)
	}
}

// The byte prefilter may only skip a candidate that would not parse (short values).
func FuzzPrefilter(f *testing.F) {
	for _, s := range []string{"1", "-1", "+1.5", ".5", "0.354", "2025-07", "2025-7", "8:30 pm", "2/07/2025 16:21",
		"2025-07-02T16:21:05.5", "45678.35", "1751443200", "yes", "F", "20/05/2025", "12:00:00.999", "1:", "12:", "1:00",
		"12:0", "123:00", "1:2", "0:00 am", "9:5", "25/6/2016 17:26", "1/2/16 8:30"} {
		f.Add(s)
	}
	norm := values.NewNormalizer(nil)
	f.Fuzz(func(t *testing.T, s string) {
		s = values.TrimSpace(s)
		if s == "" || len(s) > maxCandidateLen {
			return
		}
		m := prefilter(s)
		for k, typ := range [nCand]contract.Type{contract.Flag, contract.Integer, contract.Decimal, contract.Month, contract.Time, contract.Date, contract.Timestamp} {
			if _, err := norm.Normalize(typ, contract.DMY, s); err == nil && m&(1<<k) == 0 {
				t.Errorf("prefilter(%q) skips %s, which parses", s, typ)
			}
		}
	})
}

// TestPrefilterTimes: random short values over the bytes a time of day is made of, and dates
// with a clock: the prefilter never skips Time for one that parses as it.
func TestPrefilterTimes(t *testing.T) {
	norm := values.NewNormalizer(nil)
	r := rand.New(rand.NewPCG(5, 6))
	const alphabet = "0123456789::::.. aApPmM/-+T"
	parsed := 0
	for range 500_000 {
		b := make([]byte, 1+r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		s := values.TrimSpace(string(b))
		if s == "" {
			continue
		}
		if _, err := norm.Normalize(contract.Time, contract.DMY, s); err == nil {
			parsed++
			if prefilter(s)&(1<<candTime) == 0 {
				t.Fatalf("prefilter(%q) skips time, which parses", s)
			}
		}
	}
	if parsed < 1000 {
		t.Fatalf("only %d random values parse as times: the test tries too few", parsed)
	}
}

func TestCompareDecimal(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1}, {"10", "9", 1}, {"-10", "-9", -1}, {"-1", "0", -1}, {"0.5", "0.25", 1},
		{"7", "7", 0}, {"7", "7.5", -1}, {"-7.5", "-7", -1}, {"12345678901234567890", "12345678901234567891", -1},
	}
	for _, tt := range tests {
		if got := compareDecimal(tt.a, tt.b); got != tt.want {
			t.Errorf("compareDecimal(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
