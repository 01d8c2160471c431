package values

import (
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

// benchCells is a mix resembling a ticket/comment/timesheet row: mostly canonical or empty
// values, some day-first dates, Excel serials, float-looking integers, yes/no spellings and a
// long comment.
var benchCells = []struct {
	typ contract.Type
	raw string
}{
	{contract.Integer, "3652948"},
	{contract.Integer, "3652948.0"},
	{contract.Integer, ""},
	{contract.Decimal, "7.5"},
	{contract.Decimal, "7.50"},
	{contract.Timestamp, "2025-07-02 16:21:00"},
	{contract.Timestamp, "2/07/2025 16:21"},
	{contract.Timestamp, "45678.35"},
	{contract.Timestamp, ""},
	{contract.Date, "20/05/2025"},
	{contract.Time, "08:30:00"},
	{contract.Time, "8:30 AM"},
	{contract.Flag, "yes"},
	{contract.Flag, "Yes"},
	{contract.Month, "2025-07"},
	{contract.Text, "Cloud - Infrastructure"},
	{contract.Text, " PendingAssignment"},
	{contract.Text, "nan"},
	{contract.Text, strings.Repeat("Customer reports the VM is unreachable since the patch window. ", 32)},
	{contract.Text, strings.Repeat("line one\r\nline two\r\n", 50) + "\n\n\n\n\n\nend"},
}

func BenchmarkNormalize(b *testing.B) {
	n := NewNormalizer(testSentinels)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := benchCells[i%len(benchCells)]
		if _, err := n.Normalize(c.typ, contract.DMY, c.raw); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkNormalizeCanonical is the common path: values that are already canonical.
func BenchmarkNormalizeCanonical(b *testing.B) {
	cells := []struct {
		typ contract.Type
		raw string
	}{
		{contract.Integer, "3652948"}, {contract.Decimal, "7.5"}, {contract.Timestamp, "2025-07-02 16:21:00"},
		{contract.Date, "2025-07-02"}, {contract.Time, "08:30:00"}, {contract.Flag, "yes"}, {contract.Month, "2025-07"},
		{contract.Text, "Cloud - Infrastructure"},
	}
	n := NewNormalizer(testSentinels)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := cells[i%len(cells)]
		if _, err := n.Normalize(c.typ, contract.DMY, c.raw); err != nil {
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
				if _, err := n.Normalize(c.typ, contract.DMY, c.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNormalizeFractions: canonical values with fractions of a second stay allocation-free.
func BenchmarkNormalizeFractions(b *testing.B) {
	cells := []struct {
		typ contract.Type
		raw string
	}{
		{contract.Timestamp, "2024-12-31 23:59:59.999"}, {contract.Timestamp, "2025-07-02 16:21:00.123456"},
		{contract.Time, "09:00:00.5"}, {contract.Date, "2025-07-02"},
	}
	n := NewNormalizer(testSentinels)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := cells[i%len(cells)]
		if r, err := n.Normalize(c.typ, contract.DMY, c.raw); err != nil || r.Changes != 0 {
			b.Fatal(r, err)
		}
		i++
	}
}

// BenchmarkNormalizeSpellings: the spellings of issue 12, canonical output allocated once (the
// result string), never on the way.
func BenchmarkNormalizeSpellings(b *testing.B) {
	n := NewNormalizer(testSentinels)
	for _, c := range []struct {
		typ contract.Type
		raw string
	}{
		{contract.Timestamp, "29-02-2016 01:16"},
		{contract.Timestamp, "12/Mar/25 3:04 PM"},
		{contract.Timestamp, "Mar 12, 2025 3:04:05 PM"},
		{contract.Timestamp, "12.03.2025 15:04"},
		{contract.Timestamp, "2025-03-12T15:04:05.123456"},
		{contract.Timestamptz, "2025-03-12T15:04:05+11:00"},
		{contract.Timestamptz, "2025-03-12 04:04:05+00"},
		{contract.Date, "12-Mar-2025"},
	} {
		b.Run(strings.NewReplacer(" ", "_").Replace(string(c.typ)+"/"+c.raw), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := n.Normalize(c.typ, contract.DMY, c.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
