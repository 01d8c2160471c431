package values

import (
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

// TestNumbersOutsideTheColumnsDates: with the profile's span for numbers, a bare number dated
// outside it is invalid (a stray 1 is not 1900-01-01), one inside reads as before, and text
// dates are untouched; without a span every serial reads as always.
func TestNumbersOutsideTheColumnsDates(t *testing.T) {
	day := func(y int, m time.Month, d int) int {
		return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	}
	span := &contract.DaySpan{From: day(2019, 1, 1), To: day(2021, 1, 31)}
	n := NewNormalizer(nil)
	for _, c := range []struct {
		typ      contract.Type
		raw      string
		numbers  *contract.DaySpan
		want     string // "" = invalid
		wantRule string
	}{
		{contract.Timestamp, "1", span, "", "invalid_timestamp"},
		{contract.Timestamp, "1", nil, "1900-01-01 00:00:00", ""},
		{contract.Date, "1", span, "", "invalid_date"},
		{contract.Timestamp, "43831.5", span, "2020-01-01 12:00:00", ""}, // a serial among its column's dates
		{contract.Timestamp, "43466", span, "2019-01-01 00:00:00", ""},   // the span's first day
		{contract.Timestamp, "43465.99", span, "", "invalid_timestamp"},  // the day before
		{contract.Timestamp, "44227.5", span, "2021-01-31 12:00:00", ""}, // the span's last day
		{contract.Timestamp, "1577880000", span, "2020-01-01 12:00:00", ""},
		{contract.Timestamp, "1700000000", span, "", "invalid_timestamp"}, // an epoch in 2023
		{contract.Timestamp, "1900-01-01 00:00:00", span, "1900-01-01 00:00:00", ""},
		{contract.Timestamp, "2/07/1990 8:42", span, "1990-07-02 08:42:00", ""},
		{contract.Integer, "1", span, "1", ""},
	} {
		r, err := n.NormalizeColumn(&contract.Column{Name: "c", Type: c.typ, DateOrder: contract.DMY, NumberDates: c.numbers}, c.raw)
		var rule string
		if ve, ok := err.(*ValueError); ok {
			rule = ve.Rule()
		}
		if r.Value != c.want || rule != c.wantRule {
			t.Errorf("%s %q (span %v): got %q, %v; want %q %s", c.typ, c.raw, c.numbers, r.Value, err, c.want, c.wantRule)
		}
	}
}
