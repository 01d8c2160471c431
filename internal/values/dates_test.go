package values

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

func TestTimestamp(t *testing.T) {
	const D, X, E = ChangeDate, ChangeExcelSerial, ChangeEpoch
	runCases(t, contract.Timestamp, []nc{
		// ISO
		{raw: "2025-07-02 16:21:00", want: "2025-07-02 16:21:00"},
		{raw: " 2025-07-02 16:21:00 ", want: "2025-07-02 16:21:00", ch: ChangeTrim},
		{raw: "2025-07-02T16:21:00", want: "2025-07-02 16:21:00", ch: D},
		{raw: "2025-07-02 16:21", want: "2025-07-02 16:21:00", ch: D},
		{raw: "2025-07-02 6:21", want: "2025-07-02 06:21:00", ch: D},
		{raw: "2025-07-02T6:21:07", want: "2025-07-02 06:21:07", ch: D},
		{raw: "2025-07-02", want: "2025-07-02 00:00:00", ch: D},
		{raw: "2025-07-02 16:21:00.000", want: "2025-07-02 16:21:00", ch: D},
		// fractions of a second: kept exactly to the microsecond, never rounded or carried
		{raw: "2025-07-02 16:21:00.5", want: "2025-07-02 16:21:00.5"},
		{raw: "2025-07-02 16:21:00.50", want: "2025-07-02 16:21:00.5", ch: D},
		{raw: "2025-07-02 16:21:00.123456", want: "2025-07-02 16:21:00.123456"},
		{raw: "2025-07-02 16:21:00.1234560", want: "2025-07-02 16:21:00.123456", ch: D},
		{raw: "2025-07-02 16:21:00.000001", want: "2025-07-02 16:21:00.000001"},
		{raw: "2025-07-02 16:21:00.000000000", want: "2025-07-02 16:21:00", ch: D},
		{raw: "2025-07-02T16:21:59.5", want: "2025-07-02 16:21:59.5", ch: D},
		{raw: "2024-12-31 23:59:59.999", want: "2024-12-31 23:59:59.999"},
		{raw: "2024-12-31T23:59:59.999999", want: "2024-12-31 23:59:59.999999", ch: D},
		{raw: "2025-12-31 23:59:59.9", want: "2025-12-31 23:59:59.9"},
		{raw: "2025-02-28 23:59:59.5", want: "2025-02-28 23:59:59.5"},
		{raw: "9999-12-31 23:59:59.5", want: "9999-12-31 23:59:59.5"},
		{raw: "2/07/2025 16:21:05.25", want: "2025-07-02 16:21:05.25", ch: D},
		{raw: "2/07/2025 4:21:05.250 pm", want: "2025-07-02 16:21:05.25", ch: D},
		{raw: "2025-07-02 16:21:00.4999999", err: true}, // finer than a microsecond: never rounded
		{raw: "2024-12-31 23:59:59.9999995", err: true},
		{raw: "2025-07-02 16:21:00.5Z", err: true},
		{raw: "2024-02-29 10:00:00", want: "2024-02-29 10:00:00"},
		{raw: "1900-01-01 00:00:00", want: "1900-01-01 00:00:00"},
		{raw: "9999-12-31 23:59:59", want: "9999-12-31 23:59:59"},
		{raw: "1899-12-31 23:59:59", err: true},
		{raw: "0000-01-01", err: true},
		{raw: "2025-07-02T16:21:00Z", err: true},
		{raw: "2025-07-02T16:21:00+02:00", err: true},
		{raw: "2025-07-02 16:21:00-0500", err: true},
		{raw: "2025-07-02 16:21:00 +02:00", err: true},
		{raw: "2025-02-29", err: true},
		{raw: "2025-04-31", err: true},
		{raw: "2025-13-01", err: true},
		{raw: "2025-00-10", err: true},
		{raw: "2025-01-00", err: true},
		{raw: "2025-7-2", want: "2025-07-02 00:00:00", ch: D}, // year first: one reading
		{raw: "2025-07-02 24:00", err: true},
		{raw: "2025-07-02 23:60", err: true},
		{raw: "2025-07-02 23:59:60", err: true},
		{raw: "2025-07-02 123:00", err: true},
		{raw: "2025-07-02 12:5", err: true},
		{raw: "2025-07-02 12:000", err: true},
		{raw: "2025-07-02 12:00:00.", err: true},
		{raw: "2025-07-02 12:00.5", err: true},
		{raw: "2025-07-02  12:00", want: "2025-07-02 12:00:00", ch: D},
		{raw: "2025-07-02 4:21 PM", want: "2025-07-02 16:21:00", ch: D},
		{raw: "2025-07-02x", err: true},
		{raw: "2025-07-02T", err: true},
		// slash dates
		{raw: "2/07/2025 16:21", want: "2025-07-02 16:21:00", ch: D},
		{raw: "20/05/2025 8:42", want: "2025-05-20 08:42:00", ch: D},
		{raw: "20/05/2025 8:42", want: "2025-05-20 08:42:00", ch: D, order: contract.MDY}, // only d/m fits
		{raw: "05/20/2025 8:42", want: "2025-05-20 08:42:00", ch: D},                      // only m/d fits
		{raw: "03/04/2025", want: "2025-04-03 00:00:00", ch: D, order: contract.DMY},
		{raw: "03/04/2025", want: "2025-04-03 00:00:00", ch: D}, // default order is dmy
		{raw: "03/04/2025", want: "2025-03-04 00:00:00", ch: D, order: contract.MDY},
		{raw: "2/07/2025 16:21:05", want: "2025-07-02 16:21:05", ch: D},
		{raw: "2/7/2025   4:21:05 pm", want: "2025-07-02 16:21:05", ch: D},
		{raw: "2/7/2025 4:21PM", want: "2025-07-02 16:21:00", ch: D},
		{raw: "2/7/2025 12:00 AM", want: "2025-07-02 00:00:00", ch: D},
		{raw: "2/7/2025 12:30 am", want: "2025-07-02 00:30:00", ch: D},
		{raw: "2/7/2025 12:00 PM", want: "2025-07-02 12:00:00", ch: D},
		{raw: "2/7/2025 11:59:59 PM", want: "2025-07-02 23:59:59", ch: D},
		{raw: "29/02/2024", want: "2024-02-29 00:00:00", ch: D},
		{raw: "29/02/2025", err: true},
		{raw: "31/04/2025", err: true},
		{raw: "31/02/2025", err: true},
		{raw: "13/13/2025", err: true},
		{raw: "0/07/2025", err: true},
		{raw: "2/0/2025", err: true},
		{raw: "2/07/25", want: "2025-07-02 00:00:00", ch: D}, // 2-digit years: 00..68 are 20yy
		{raw: "2/07/025", err: true},
		{raw: "2/07/20255", err: true},
		{raw: "2/07/1899", err: true},
		{raw: "002/07/2025", err: true},
		{raw: "2//2025", err: true},
		{raw: "2/07/2025 25:00", err: true},
		{raw: "2/07/2025 13:00 PM", err: true},
		{raw: "2/07/2025 0:30 AM", err: true},
		{raw: "2/07/2025 16:21 XM", err: true},
		{raw: "2/07/2025 16:21Z", err: true},
		{raw: "2/07/2025T16:21", err: true},
		{raw: "2/07/2025 16", err: true},
		{raw: "2-07-2025", want: "2025-07-02 00:00:00", ch: D},
		{raw: "2.07.2025", want: "2025-07-02 00:00:00", ch: D},
		// Excel serials (1900 system)
		{raw: "45678", want: "2025-01-21 00:00:00", ch: X},
		{raw: "45658", want: "2025-01-01 00:00:00", ch: X},
		{raw: "45678.35", want: "2025-01-21 08:24:00", ch: X},
		{raw: "45678.354166", want: "2025-01-21 08:30:00", ch: X}, // cut to 6 decimals: the second it was cut from
		{raw: "45678.5", want: "2025-01-21 12:00:00", ch: X},
		{raw: "45678.99999", want: "2025-01-21 23:59:59.136", ch: X},        // 86399.136 s
		{raw: "45678.999995", want: "2025-01-21 23:59:59.568", ch: X},       // 86399.568 s
		{raw: "45678.999999999", want: "2025-01-22 00:00:00", ch: X},        // 86399.9999136 s: within 0.5 ms of midnight
		{raw: "45678.0000057870", want: "2025-01-21 00:00:00.5", ch: X},     // 499.9968 ms
		{raw: "45678.00000578704", want: "2025-01-21 00:00:00.5", ch: X},    // 500.000256 ms
		{raw: "45678.0000057812", want: "2025-01-21 00:00:00.499", ch: X},   // 499.49568 ms
		{raw: "45678.351388888886", want: "2025-01-21 08:26:00", ch: X},     // float64 of 08:26:00
		{raw: "45678.35138889", want: "2025-01-21 08:26:00", ch: X},         // 8 decimals: 0.43 ms off
		{raw: "45678.351390335645", want: "2025-01-21 08:26:00.125", ch: X}, // float64 of 08:26:00.125
		{raw: "1", want: "1900-01-01 00:00:00", ch: X},
		{raw: "59", want: "1900-02-28 00:00:00", ch: X},
		{raw: "59.5", want: "1900-02-28 12:00:00", ch: X},
		{raw: "61", want: "1900-03-01 00:00:00", ch: X},
		{raw: "1000", want: "1902-09-26 00:00:00", ch: X},
		{raw: "2958465", want: "9999-12-31 00:00:00", ch: X},
		{raw: "2958465.5", want: "9999-12-31 12:00:00", ch: X},
		{raw: "0045678", want: "2025-01-21 00:00:00", ch: X},
		{raw: " 45678 ", want: "2025-01-21 00:00:00", ch: X | ChangeTrim},
		{raw: "2958465.99999999", want: "9999-12-31 23:59:59.999", ch: X},
		{raw: "2958465.999999999", err: true}, // rounds into year 10000
		{raw: "60", err: true},
		{raw: "60.5", err: true},
		{raw: "0", err: true},
		{raw: "0.5", err: true},
		{raw: ".5", err: true},
		{raw: "2958466", err: true},
		{raw: "-45678", err: true},
		{raw: "+45678", err: true},
		{raw: "4.5678e4", err: true},
		{raw: "45,678", err: true},
		// epochs
		{raw: "1700000000", want: "2023-11-14 22:13:20", ch: E},
		{raw: "1751470860", want: "2025-07-02 15:41:00", ch: E},
		{raw: "1751470860.4", want: "2025-07-02 15:41:00.4", ch: E},
		{raw: "1751470860.5", want: "2025-07-02 15:41:00.5", ch: E},
		{raw: "1751470860.123456", want: "2025-07-02 15:41:00.123456", ch: E},
		{raw: "1751470860.1234567", err: true},
		{raw: "1000000000", want: "2001-09-09 01:46:40", ch: E},
		{raw: "1700000000000", want: "2023-11-14 22:13:20", ch: E},
		{raw: "1700000000499", want: "2023-11-14 22:13:20.499", ch: E},
		{raw: "1700000000499.9", want: "2023-11-14 22:13:20.4999", ch: E},
		{raw: "1700000000499.999", want: "2023-11-14 22:13:20.499999", ch: E},
		{raw: "1700000000499.9999", err: true},
		{raw: "1700000000500", want: "2023-11-14 22:13:20.5", ch: E},
		{raw: "1000000000000", want: "2001-09-09 01:46:40", ch: E},
		{raw: "999999999", err: true},
		{raw: "10000000000", err: true},
		{raw: "999999999999", err: true},
		{raw: "10000000000000", err: true},
		{raw: "123456789012345678901234567890", err: true},
		// other junk
		{raw: "yesterday", err: true},
		{raw: "Jul 2, 2025", want: "2025-07-02 00:00:00", ch: D},
		{raw: "Jul 2 2025x", err: true},
		{raw: "2025", want: "1905-07-17 00:00:00", ch: X}, // a bare number is a serial, as specified
		{raw: "16:21", err: true},
	})
}

func TestDate(t *testing.T) {
	const D, X, E = ChangeDate, ChangeExcelSerial, ChangeEpoch
	runCases(t, contract.Date, []nc{
		{raw: "2025-07-02", want: "2025-07-02"},
		{raw: "2025-07-02 00:00:00", want: "2025-07-02", ch: D},
		{raw: "2025-07-02T00:00", want: "2025-07-02", ch: D},
		{raw: "2025-07-02 00:00:00.000", want: "2025-07-02", ch: D},
		{raw: "45678.0000000001", want: "2025-01-21", ch: X}, // 0.00000864 ms: midnight to the millisecond
		{raw: "2025-07-01 23:59:59.5", err: true},            // a date is never rounded into the next day
		{raw: "2024-12-31 23:59:59.999", err: true},
		{raw: "2025-07-02 00:00:00.000001", err: true},
		{raw: "1751414400.5", err: true},
		{raw: "2/07/2025", want: "2025-07-02", ch: D},
		{raw: "02/07/2025 00:00", want: "2025-07-02", ch: D},
		{raw: "02/07/2025 12:00 AM", want: "2025-07-02", ch: D},
		{raw: "03/04/2025", want: "2025-04-03", ch: D, order: contract.DMY},
		{raw: "03/04/2025", want: "2025-03-04", ch: D, order: contract.MDY},
		{raw: "29/02/2024", want: "2024-02-29", ch: D},
		{raw: "45678", want: "2025-01-21", ch: X},
		{raw: "45678.0", want: "2025-01-21", ch: X},
		{raw: "59", want: "1900-02-28", ch: X},
		{raw: "61", want: "1900-03-01", ch: X},
		{raw: "1751414400", want: "2025-07-02", ch: E},
		{raw: "\u00a02025-07-02", want: "2025-07-02", ch: ChangeTrim},
		{raw: "45678.5", err: true},
		{raw: "2025-07-02 16:21", err: true},
		{raw: "2/07/2025 16:21", err: true},
		{raw: "2025-07-02 00:00:01", err: true},
		{raw: "29/02/2025", err: true},
		{raw: "31/04/2025", err: true},
		{raw: "60", err: true},
		{raw: "1751470860", err: true},
		{raw: "2025-07", err: true},
	})
}

func TestTime(t *testing.T) {
	const D, X = ChangeDate, ChangeExcelSerial
	runCases(t, contract.Time, []nc{
		{raw: "15:04:05", want: "15:04:05"},
		{raw: "00:00:00", want: "00:00:00"},
		{raw: "23:59:59", want: "23:59:59"},
		{raw: "8:30", want: "08:30:00", ch: D},
		{raw: "08:30", want: "08:30:00", ch: D},
		{raw: "8:30:15", want: "08:30:15", ch: D},
		{raw: "08:30:00.4", want: "08:30:00.4"},
		{raw: "09:00:00.5", want: "09:00:00.5"},
		{raw: "9:00:00.5", want: "09:00:00.5", ch: D},
		{raw: "08:59:59.5", want: "08:59:59.5"},
		{raw: "23:59:59.999999", want: "23:59:59.999999"},
		{raw: "23:59:59.6", want: "23:59:59.6"},
		{raw: "11:59:59.5 PM", want: "23:59:59.5", ch: D},
		{raw: "08:30:00.1234567", err: true},
		{raw: "8:30 AM", want: "08:30:00", ch: D},
		{raw: "8:30 am", want: "08:30:00", ch: D},
		{raw: "8:30:15 pm", want: "20:30:15", ch: D},
		{raw: "8:30PM", want: "20:30:00", ch: D},
		{raw: "12:00 AM", want: "00:00:00", ch: D},
		{raw: "12:59:59 AM", want: "00:59:59", ch: D},
		{raw: "12:00 PM", want: "12:00:00", ch: D},
		{raw: "12:30 pm", want: "12:30:00", ch: D},
		{raw: "11:59:59 PM", want: "23:59:59", ch: D},
		{raw: " 15:04:05 ", want: "15:04:05", ch: ChangeTrim},
		{raw: "0.5", want: "12:00:00", ch: X},
		{raw: "0.354166", want: "08:30:00", ch: X}, {raw: "0.0086458", want: "00:12:27", ch: X}, {raw: "0.008645", want: "00:12:26.928", ch: X},
		{raw: ".25", want: "06:00:00", ch: X},
		{raw: "0", want: "00:00:00", ch: X},
		{raw: "0.0", want: "00:00:00", ch: X},
		{raw: "0.99999", want: "23:59:59.136", ch: X},
		{raw: "0.99999999", want: "23:59:59.999", ch: X},
		{raw: "0.999999999", err: true}, // rounds to 24:00:00
		{raw: "1", err: true},
		{raw: "1.0", err: true},
		{raw: "1.5", err: true},
		{raw: "-0.5", err: true},
		{raw: "24:00", err: true},
		{raw: "24:00:00", err: true},
		{raw: "12:60", err: true},
		{raw: "12:00:60", err: true},
		{raw: "13:00 PM", err: true},
		{raw: "0:30 AM", err: true},
		{raw: "00:30 am", err: true},
		{raw: "8:3", err: true},
		{raw: "830", err: true},
		{raw: "8h30", err: true},
		{raw: "8:30 A", err: true},
		{raw: "8:30 AMX", err: true},
		{raw: "8:30 a.m.", err: true},
		{raw: "08:30:00Z", err: true},
		{raw: "08:30:00+01:00", err: true},
		{raw: "1899-12-30 08:30:00", err: true},
		{raw: "2025-07-02 08:30:00", err: true},
		{raw: "08:30:", err: true},
		{raw: ":30", err: true},
	})
}

func TestClassifyDate(t *testing.T) {
	cases := map[string]DateForm{
		"2025-07-02":          FormISO,
		"2025-07-02 16:21:00": FormISO,
		"2025-07-02T16:21":    FormISO,
		"20/05/2025 8:42":     FormDayFirst,
		"13/01/2025":          FormDayFirst,
		"05/20/2025":          FormMonthFirst,
		"1/13/2025 4:00 PM":   FormMonthFirst,
		"03/04/2025":          FormAmbiguous,
		"2/07/2025 16:21":     FormAmbiguous,
		"12/12/2025":          FormAmbiguous,
		"45678.35":            FormExcelSerial,
		"1":                   FormExcelSerial,
		"1751470860":          FormEpochSeconds,
		"1751470860123":       FormEpochMillis,
		" 2025-07-02 ":        FormISO,
		"31/04/2025":          FormInvalid,
		"13/13/2025":          FormInvalid,
		"2/07/25":             FormAmbiguous,
		"12-Mar-2025":         FormMonthName,
		"2/07/025":            FormInvalid,
		"2025-07-02Z":         FormInvalid,
		"2025-07-02T10:00Z":   FormISO,
		"60":                  FormInvalid,
		"0.5":                 FormInvalid,
		"hello":               FormInvalid,
		"":                    FormInvalid,
	}
	for raw, want := range cases {
		if got := ClassifyDate(raw); got != want {
			t.Errorf("ClassifyDate(%q) = %v; want %v", raw, got, want)
		}
	}
	names := []string{"iso", "day_first", "month_first", "ambiguous", "month_name", "excel_serial", "epoch_seconds", "epoch_millis", "invalid"}
	for f := FormISO; f <= FormInvalid; f++ {
		if f.String() != names[f] {
			t.Errorf("DateForm(%d).String() = %q; want %q", f, f.String(), names[f])
		}
	}
	if DateForm(200).String() != "invalid" {
		t.Errorf("out-of-range DateForm name")
	}
}

func TestParseTimestamp(t *testing.T) {
	cases := []struct {
		raw   string
		order contract.DateOrder
		want  time.Time
		form  DateForm
	}{
		{"2025-07-02 16:21:00.5", contract.DMY, time.Date(2025, 7, 2, 16, 21, 0, 5e8, time.UTC), FormISO},
		{"2024-12-31 23:59:59.999999", contract.DMY, time.Date(2024, 12, 31, 23, 59, 59, 999999000, time.UTC), FormISO},
		{"03/04/2025 4:00 pm", contract.DMY, time.Date(2025, 4, 3, 16, 0, 0, 0, time.UTC), FormAmbiguous},
		{"03/04/2025 4:00 pm", contract.MDY, time.Date(2025, 3, 4, 16, 0, 0, 0, time.UTC), FormAmbiguous},
		{"20/05/2025 8:42", contract.MDY, time.Date(2025, 5, 20, 8, 42, 0, 0, time.UTC), FormDayFirst},
		{"45678.99999", contract.DMY, time.Date(2025, 1, 21, 23, 59, 59, 136e6, time.UTC), FormExcelSerial},
		{"1700000000", contract.DMY, time.Unix(1700000000, 0).UTC(), FormEpochSeconds},
		{"1700000000500", contract.DMY, time.Unix(1700000000, 5e8).UTC(), FormEpochMillis},
	}
	for _, c := range cases {
		got, form, err := ParseTimestamp(c.raw, c.order)
		if err != nil || !got.Equal(c.want) || got.Location() != time.UTC || form != c.form {
			t.Errorf("ParseTimestamp(%q, %s) = %v, %v, %v; want %v, %v", c.raw, c.order, got, form, err, c.want, c.form)
		}
	}
	for _, raw := range []string{"31/04/2025", "2025-07-02Z", "", "nan", "60"} {
		got, form, err := ParseTimestamp(raw, contract.DMY)
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Type != contract.Timestamp || form != FormInvalid || !got.IsZero() {
			t.Errorf("ParseTimestamp(%q) = %v, %v, %v; want a timestamp ValueError", raw, got, form, err)
		}
	}
}

// TestCalendarArithmetic checks the civil-date conversion against package time across the
// whole supported range.
func TestCalendarArithmetic(t *testing.T) {
	start := time.Date(1899, 12, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(10000, 1, 31, 0, 0, 0, 0, time.UTC)
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		days := int(d.Unix() / 86400)
		if got := daysFromCivil(d.Year(), int(d.Month()), d.Day()); got != days {
			t.Fatalf("daysFromCivil(%s) = %d; want %d", d.Format(time.DateOnly), got, days)
		}
		y, m, dd := civilFromDays(days)
		if y != d.Year() || m != int(d.Month()) || dd != d.Day() {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d; want %s", days, y, m, dd, d.Format(time.DateOnly))
		}
		if !validDate(y, m, dd) || validDate(y, m, daysIn(y, m)+1) {
			t.Fatalf("validDate wrong around %s", d.Format(time.DateOnly))
		}
	}
}

// TestExcelSerialsAgainstTime checks every integer serial against package time.
func TestExcelSerialsAgainstTime(t *testing.T) {
	n := NewNormalizer(nil)
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	for serial := 1; serial <= maxExcelSerial; serial += 7 {
		if serial == 60 {
			continue
		}
		want := base.AddDate(0, 0, serial)
		if serial < 60 {
			want = want.AddDate(0, 0, 1)
		}
		raw := itoa(serial)
		got, err := n.Normalize(contract.Date, contract.DMY, raw)
		if err != nil || got.Value != want.Format(time.DateOnly) {
			t.Fatalf("date serial %s = %+v, %v; want %s", raw, got, err, want.Format(time.DateOnly))
		}
	}
}

// TestDayMillisExact compares the digit-string rounding with integer arithmetic.
func TestDayMillisExact(t *testing.T) {
	for f := 0; f < 1000000000; f += 7919 {
		frac := itoa(f)
		for len(frac) < 9 {
			frac = "0" + frac
		}
		want := (f*864 + 5000) / 10000 // round half up of f/1e9 * 86400000
		if got := dayMillis(frac); got != want {
			t.Fatalf("dayMillis(%q) = %d; want %d", frac, got, want)
		}
	}
	// 0.5 ms = 1/172800000 day = 0.000000005787037037... (not finite): the digits decide.
	for frac, want := range map[string]int{"": 0, "0": 0, "5": 43200000, "0000000625": 5, "000000005787037037037": 0, "000000005787037037038": 1} {
		if got := dayMillis(frac); got != want {
			t.Errorf("dayMillis(%q) = %d; want %d", frac, got, want)
		}
	}
}

// TestSerialsOfMillisecondTimes: the float64 serial of any millisecond timestamp, written as
// Go (and Excel) write the shortest text that reads back as that float64, gives back exactly
// that millisecond.
func TestSerialsOfMillisecondTimes(t *testing.T) {
	n := NewNormalizer(nil)
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	for _, day := range []time.Time{time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 21, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)} {
		days := int((day.Unix() - base.Unix()) / 86400)
		for ms := 0; ms < 86400000; ms += 86400000/50000 + 1 {
			serial := strconv.FormatFloat(float64(days)+float64(ms)/86400000, 'f', -1, 64)
			want := day.Add(time.Duration(ms) * time.Millisecond).Format("2006-01-02 15:04:05.999")
			got, err := n.Normalize(contract.Timestamp, contract.DMY, serial)
			if err != nil || got.Value != want {
				t.Fatalf("serial %s = %+v, %v; want %s", serial, got, err, want)
			}
		}
	}
}

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}
