package profile

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
)

// TestNumberDates: a bare number is date evidence only where the column's dates are numbers.
func TestNumberDates(t *testing.T) {
	many := func(n int, v string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	tests := []struct {
		name     string
		typ      contract.Type
		values   []string
		want     NumberDates
		support  float64
		forms    map[string]int64 // the non-zero ones
		min, max string
		examples []string
	}{
		{"a stray 1 among text dates", contract.Timestamp, append(many(39, "2020-01-01 01:02:03"), "1"),
			NumberDates{Rule: NumbersSpan, From: "2019-01-01", To: "2021-01-31", Read: 0, Outside: 1}, 39.0 / 40,
			map[string]int64{"iso": 39, "invalid": 1}, "2020-01-01 01:02:03", "2020-01-01 01:02:03", []string{"1"}},
		{"serials among day-first text, as the real exports have", contract.Timestamp, append(many(38, "2/07/2025 8:42"), "45840.3625", "45658"),
			// 2/07/2025 is ambiguous: the span holds both readings (2 July, 7 February)
			NumberDates{Rule: NumbersSpan, From: "2024-02-01", To: "2026-07-31", Read: 2}, 1,
			map[string]int64{"ambiguous": 38, "excel_serial": 2}, "2025-01-01 00:00:00", "2025-07-02 08:42:00", nil},
		{"a serial column with a 1: the column's dates are numbers", contract.Timestamp, append(many(3, "45840.5"), "1", "2025-07-02"),
			NumberDates{Rule: NumbersAll, Read: 4}, 1,
			map[string]int64{"iso": 1, "excel_serial": 4}, "1900-01-01 00:00:00", "2025-07-02 12:00:00", nil},
		{"an epoch among text dates from another decade", contract.Timestamp, append(many(19, "2020-01-01"), "1700000000"),
			NumberDates{Rule: NumbersSpan, From: "2019-01-01", To: "2021-01-31", Outside: 1}, 0.95,
			map[string]int64{"iso": 19, "invalid": 1}, "2020-01-01", "2020-01-01", []string{"1700000000"}},
		{"a date column: a stray 1 and a serial with a time of day", contract.Date, append(many(38, "20/05/2025"), "1", "45797.5"),
			NumberDates{Rule: NumbersSpan, From: "2024-05-01", To: "2026-05-31", Read: 1, Outside: 1}, 38.0 / 40,
			map[string]int64{"day_first": 38, "excel_serial": 1, "invalid": 1}, "2025-05-20 00:00:00", "2025-05-20 12:00:00", []string{"1", "45797.5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := profileColumn(t, tt.typ, contract.DMY, tt.values...)
			got := *c.NumberDates
			got.Span = nil
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("number dates (-want +got):\n%s", d)
			}
			if (tt.want.Rule == NumbersSpan) != (c.NumberDates.Span != nil) {
				t.Errorf("span %v for rule %s", c.NumberDates.Span, tt.want.Rule)
			}
			if c.Support != tt.support {
				t.Errorf("support %v, want %v", c.Support, tt.support)
			}
			forms := map[string]int64{}
			for f, n := range c.DateForms {
				if n > 0 {
					forms[f] = n
				}
			}
			if d := cmp.Diff(tt.forms, forms); d != "" {
				t.Errorf("date forms (-want +got):\n%s", d)
			}
			if c.Min != tt.min || c.Max != tt.max {
				t.Errorf("min/max %q/%q, want %q/%q", c.Min, c.Max, tt.min, tt.max)
			}
			if d := cmp.Diff(tt.examples, c.Examples); d != "" {
				t.Errorf("examples (-want +got):\n%s", d)
			}
		})
	}
}
