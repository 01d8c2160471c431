package clean

import (
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/spec"
)

// benchCells is a mix resembling a ticket/comment/timesheet row: mostly canonical or empty
// values, some day-first dates, Excel serials, float-looking integers, yes/no spellings and a
// long comment.
var benchCells = []struct {
	typ spec.Type
	raw string
}{
	{spec.Integer, "3652948"},
	{spec.Integer, "3652948.0"},
	{spec.Integer, ""},
	{spec.Decimal, "7.5"},
	{spec.Decimal, "7.50"},
	{spec.Timestamp, "2025-07-02 16:21:00"},
	{spec.Timestamp, "2/07/2025 16:21"},
	{spec.Timestamp, "45678.35"},
	{spec.Timestamp, ""},
	{spec.Date, "20/05/2025"},
	{spec.Time, "08:30:00"},
	{spec.Time, "8:30 AM"},
	{spec.Flag, "yes"},
	{spec.Flag, "Yes"},
	{spec.Month, "2025-07"},
	{spec.Text, "Cloud - Infrastructure"},
	{spec.Text, " PendingAssignment"},
	{spec.Text, "nan"},
	{spec.Text, strings.Repeat("Customer reports the VM is unreachable since the patch window. ", 32)},
	{spec.Text, strings.Repeat("line one\r\nline two\r\n", 50) + "\n\n\n\n\n\nend"},
}

func BenchmarkNormalize(b *testing.B) {
	n := NewNormalizer(testSentinels)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := benchCells[i%len(benchCells)]
		if _, err := n.Normalize(c.typ, spec.DMY, c.raw); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkNormalizeCanonical is the common path: values that are already canonical.
func BenchmarkNormalizeCanonical(b *testing.B) {
	cells := []struct {
		typ spec.Type
		raw string
	}{
		{spec.Integer, "3652948"}, {spec.Decimal, "7.5"}, {spec.Timestamp, "2025-07-02 16:21:00"},
		{spec.Date, "2025-07-02"}, {spec.Time, "08:30:00"}, {spec.Flag, "yes"}, {spec.Month, "2025-07"},
		{spec.Text, "Cloud - Infrastructure"},
	}
	n := NewNormalizer(testSentinels)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := cells[i%len(cells)]
		if _, err := n.Normalize(c.typ, spec.DMY, c.raw); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkNormalizeTypes(b *testing.B) {
	n := NewNormalizer(testSentinels)
	for _, c := range benchCells {
		name := string(c.typ) + "/" + c.raw
		if len(name) > 40 {
			name = name[:40]
		}
		b.Run(strings.NewReplacer(" ", "_", "\r", "", "\n", "").Replace(name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := n.Normalize(c.typ, spec.DMY, c.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
