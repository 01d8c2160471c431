package postgres

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sdetl/sdetl/internal/contract"
)

// TestPgValueKeepsFractions: the COPY encoding of canonical values keeps fractions of a second
// to the microsecond (the end-to-end load is TestFractionalSecondsLoadExactly in cmd/sdetl).
func TestPgValueKeepsFractions(t *testing.T) {
	for _, c := range []struct {
		typ  contract.Type
		v    string
		want any
	}{
		{contract.Timestamp, "2024-12-31 23:59:59.999", time.Date(2024, 12, 31, 23, 59, 59, 999e6, time.UTC)},
		{contract.Timestamp, "2025-07-02 16:21:00.123456", time.Date(2025, 7, 2, 16, 21, 0, 123456e3, time.UTC)},
		{contract.Timestamp, "2025-07-02 16:21:00", time.Date(2025, 7, 2, 16, 21, 0, 0, time.UTC)},
		{contract.Time, "09:00:00.5", pgtype.Time{Microseconds: 9*3600e6 + 5e5, Valid: true}},
		{contract.Time, "23:59:59.999999", pgtype.Time{Microseconds: 86400e6 - 1, Valid: true}},
	} {
		got, err := pgValue(c.typ, c.v)
		if tm, ok := got.(time.Time); ok {
			if err != nil || !tm.Equal(c.want.(time.Time)) {
				t.Errorf("%s %q = %v, %v; want %v", c.typ, c.v, got, err, c.want)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %q = %v, %v; want %v", c.typ, c.v, got, err, c.want)
		}
	}
}
