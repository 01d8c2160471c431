package values

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

var testSentinels = []string{"nan", "NULL", "N/A", "?", "-"}

// nc is one normalisation case. err means a *ValueError is expected (want and ch are ignored);
// null means a NULL result.
type nc struct {
	raw   string
	want  string
	ch    Change
	null  bool
	err   bool
	order contract.DateOrder
}

func runCases(t *testing.T, typ contract.Type, cases []nc) {
	t.Helper()
	n := NewNormalizer(testSentinels)
	for _, c := range cases {
		got, err := n.Normalize(typ, c.order, c.raw)
		if c.err {
			var ve *ValueError
			if !errors.As(err, &ve) {
				t.Errorf("%s %q (order %q): got %+v, %v; want a ValueError", typ, c.raw, c.order, got, err)
				continue
			}
			if ve.Type != typ || ve.Raw != c.raw || ve.Reason == "" || ve.Rule() != contract.RuleInvalid(typ) {
				t.Errorf("%s %q: ValueError %+v, rule %q", typ, c.raw, *ve, ve.Rule())
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q (order %q): error %v; want %q %v", typ, c.raw, c.order, err, c.want, c.ch.Names())
			continue
		}
		want := Result{Value: c.want, Null: c.null, Changes: c.ch}
		if got != want {
			t.Errorf("%s %q (order %q): got {%q null=%v %v}; want {%q null=%v %v}", typ, c.raw, c.order,
				got.Value, got.Null, got.Changes.Names(), want.Value, want.Null, want.Changes.Names())
		}
	}
}

func TestNullsEveryType(t *testing.T) {
	types := []contract.Type{contract.Integer, contract.Decimal, contract.Timestamp, contract.Date, contract.Time, contract.Flag, contract.Month, contract.Boolean, contract.Text}
	for _, typ := range types {
		runCases(t, typ, []nc{
			{raw: "", null: true},
			{raw: " ", null: true, ch: ChangeNull},
			{raw: "\t\r\n ", null: true, ch: ChangeNull},
			{raw: "\u00a0", null: true, ch: ChangeNull},
			{raw: "nan", null: true, ch: ChangeNull},
			{raw: "NaN", null: true, ch: ChangeNull},
			{raw: " NULL ", null: true, ch: ChangeNull},
			{raw: "null", null: true, ch: ChangeNull},
			{raw: "n/a", null: true, ch: ChangeNull},
			{raw: "?", null: true, ch: ChangeNull},
			{raw: " - ", null: true, ch: ChangeNull},
		})
	}
	n := NewNormalizer(testSentinels)
	for raw, want := range map[string]bool{"": true, "  ": true, "NAN": true, "\u00a0n/A\t": true, "nana": false, "--": false, "0": false, "x": false} {
		if got := n.IsNull(raw); got != want {
			t.Errorf("IsNull(%q) = %v; want %v", raw, got, want)
		}
	}
	// without sentinels only empty and whitespace are NULL
	if n := NewNormalizer(nil); n.IsNull("nan") || !n.IsNull(" \u00a0") {
		t.Errorf("NewNormalizer(nil): sentinel handling wrong")
	}
	if n := NewNormalizer([]string{" ", " none "}); !n.IsNull("NONE") || n.IsNull("no") {
		t.Errorf("NewNormalizer with padded sentinels: handling wrong")
	}
}

func TestInteger(t *testing.T) {
	runCases(t, contract.Integer, []nc{
		{raw: "123", want: "123"},
		{raw: "-5", want: "-5"},
		{raw: "0", want: "0"},
		{raw: " 42 ", want: "42", ch: ChangeTrim},
		{raw: "\u00a042", want: "42", ch: ChangeTrim},
		{raw: "+5", want: "5", ch: ChangeNumber},
		{raw: "007", want: "7", ch: ChangeNumber},
		{raw: "-007", want: "-7", ch: ChangeNumber},
		{raw: "000", want: "0", ch: ChangeNumber},
		{raw: "-0", want: "0", ch: ChangeNumber},
		{raw: "+0", want: "0", ch: ChangeNumber},
		{raw: "3652948.0", want: "3652948", ch: ChangeFloatInt},
		{raw: "3652948.00", want: "3652948", ch: ChangeFloatInt},
		{raw: "3652948.", want: "3652948", ch: ChangeFloatInt},
		{raw: "-12.0", want: "-12", ch: ChangeFloatInt},
		{raw: "+012.000", want: "12", ch: ChangeFloatInt | ChangeNumber},
		{raw: " -0.0 ", want: "0", ch: ChangeFloatInt | ChangeNumber | ChangeTrim},
		{raw: "9223372036854775807", want: "9223372036854775807"},
		{raw: "-9223372036854775808", want: "-9223372036854775808"},
		{raw: "0009223372036854775807", want: "9223372036854775807", ch: ChangeNumber},
		{raw: "9223372036854775808", err: true},
		{raw: "-9223372036854775809", err: true},
		{raw: "99999999999999999999", err: true},
		{raw: "3652948.5", err: true},
		{raw: "123.01", err: true},
		{raw: "1e3", err: true},
		{raw: "12a", err: true},
		{raw: "1,000", err: true},
		{raw: "1 000", err: true},
		{raw: ".0", err: true},
		{raw: ".", err: true},
		{raw: "+", err: true},
		{raw: "--5", err: true},
		{raw: "+-5", err: true},
		{raw: "0x10", err: true},
		{raw: "١٢", err: true}, // Arabic-Indic digits
		{raw: "５", err: true},  // full-width digit
		{raw: "12\x00", err: true},
	})
}

func TestDecimal(t *testing.T) {
	// "-" is a sentinel with the default set; test it as a syntax error with no sentinels.
	n := NewNormalizer(nil)
	if _, err := n.Normalize(contract.Decimal, "", "-"); err == nil {
		t.Errorf(`decimal "-" without sentinels: want an error`)
	}
	runCases(t, contract.Decimal, []nc{
		{raw: "7.5", want: "7.5"},
		{raw: "8", want: "8"},
		{raw: "0.25", want: "0.25"},
		{raw: "-0.25", want: "-0.25"},
		{raw: "100", want: "100"},
		{raw: "0", want: "0"},
		{raw: "7.50", want: "7.5", ch: ChangeNumber},
		{raw: "+7.5", want: "7.5", ch: ChangeNumber},
		{raw: ".5", want: "0.5", ch: ChangeNumber},
		{raw: "-.5", want: "-0.5", ch: ChangeNumber},
		{raw: "+.5", want: "0.5", ch: ChangeNumber},
		{raw: "5.", want: "5", ch: ChangeNumber},
		{raw: " 7.5 ", want: "7.5", ch: ChangeTrim},
		{raw: "007.50", want: "7.5", ch: ChangeNumber},
		{raw: "-007.50", want: "-7.5", ch: ChangeNumber},
		{raw: "00.5", want: "0.5", ch: ChangeNumber},
		{raw: "-00.5", want: "-0.5", ch: ChangeNumber},
		{raw: "100.000", want: "100", ch: ChangeNumber},
		{raw: "-0", want: "0", ch: ChangeNumber},
		{raw: "-0.000", want: "0", ch: ChangeNumber},
		{raw: "0.0", want: "0", ch: ChangeNumber},
		{raw: ".0", want: "0", ch: ChangeNumber},
		{raw: "0.", want: "0", ch: ChangeNumber},
		{raw: "00", want: "0", ch: ChangeNumber},
		{raw: "0.1000000000000000055511151231257827", want: "0.1000000000000000055511151231257827"},
		{raw: "123456789012345678901234567890.123456789012345678900", want: "123456789012345678901234567890.1234567890123456789", ch: ChangeNumber},
		{raw: "1e3", err: true},
		{raw: "1E-2", err: true},
		{raw: "1,000.5", err: true},
		{raw: "$5", err: true},
		{raw: "5€", err: true},
		{raw: ".", err: true},
		{raw: "-.", err: true},
		{raw: "1.2.3", err: true},
		{raw: "NaN1", err: true},
		{raw: "Infinity", err: true},
		{raw: "5 .5", err: true},
	})
}

func TestFlagAndBoolean(t *testing.T) {
	runCases(t, contract.Flag, []nc{
		{raw: "yes", want: "yes"},
		{raw: "no", want: "no"},
		{raw: "Yes", want: "yes", ch: ChangeFlag},
		{raw: "YES", want: "yes", ch: ChangeFlag},
		{raw: "y", want: "yes", ch: ChangeFlag},
		{raw: "Y", want: "yes", ch: ChangeFlag},
		{raw: "true", want: "yes", ch: ChangeFlag},
		{raw: "TRUE", want: "yes", ch: ChangeFlag},
		{raw: "t", want: "yes", ch: ChangeFlag},
		{raw: "1", want: "yes", ch: ChangeFlag},
		{raw: "No", want: "no", ch: ChangeFlag},
		{raw: "N", want: "no", ch: ChangeFlag},
		{raw: "False", want: "no", ch: ChangeFlag},
		{raw: "F", want: "no", ch: ChangeFlag},
		{raw: "0", want: "no", ch: ChangeFlag},
		{raw: " yes ", want: "yes", ch: ChangeTrim},
		{raw: " Yes", want: "yes", ch: ChangeTrim | ChangeFlag},
		{raw: "yess", err: true},
		{raw: "ye", err: true},
		{raw: "2", err: true},
		{raw: "1.0", err: true},
		{raw: "on", err: true},
		{raw: "off", err: true},
		{raw: "x", err: true},
	})
	runCases(t, contract.Boolean, []nc{
		{raw: "true", want: "true"},
		{raw: "false", want: "false"},
		{raw: "True", want: "true", ch: ChangeFlag},
		{raw: "yes", want: "true", ch: ChangeFlag},
		{raw: "Y", want: "true", ch: ChangeFlag},
		{raw: "1", want: "true", ch: ChangeFlag},
		{raw: "t", want: "true", ch: ChangeFlag},
		{raw: "no", want: "false", ch: ChangeFlag},
		{raw: "FALSE", want: "false", ch: ChangeFlag},
		{raw: "0", want: "false", ch: ChangeFlag},
		{raw: "f", want: "false", ch: ChangeFlag},
		{raw: "\ttrue\n", want: "true", ch: ChangeTrim},
		{raw: "truth", err: true},
		{raw: "-1", err: true},
	})
}

func TestMonth(t *testing.T) {
	runCases(t, contract.Month, []nc{
		{raw: "2025-07", want: "2025-07"},
		{raw: "2025-12", want: "2025-12"},
		{raw: "2025-7", want: "2025-07", ch: ChangeMonth},
		{raw: " 2025-7 ", want: "2025-07", ch: ChangeMonth | ChangeTrim},
		{raw: "2025-1", want: "2025-01", ch: ChangeMonth},
		{raw: "2025-00", err: true},
		{raw: "2025-0", err: true},
		{raw: "2025-13", err: true},
		{raw: "2025-007", err: true},
		{raw: "25-07", err: true},
		{raw: "2025/07", err: true},
		{raw: "07-2025", err: true},
		{raw: "2025-07-01", err: true},
		{raw: "2025-+7", err: true},
		{raw: "1899-12", err: true},
		{raw: "2025-", err: true},
		{raw: "July 2025", err: true},
	})
}

func TestText(t *testing.T) {
	runCases(t, contract.Text, []nc{
		{raw: "hello", want: "hello"},
		{raw: "a\nb", want: "a\nb"},
		{raw: "a\n\n\nb", want: "a\n\n\nb"},
		{raw: " PendingAssignment", want: "PendingAssignment", ch: ChangeTrim},
		{raw: "\u00a0x\u00a0", want: "x", ch: ChangeTrim},
		{raw: "a\x00b", want: "ab", ch: ChangeNUL},
		{raw: "a\r\nb", want: "a\nb", ch: ChangeNewline},
		{raw: "a\rb", want: "a\nb", ch: ChangeNewline},
		{raw: "a\r\r\nb", want: "a\n\nb", ch: ChangeNewline},
		{raw: "a\n\n\n\nb", want: "a\n\n\nb", ch: ChangeNewlineRun},
		{raw: "a" + strings.Repeat("\n", 120) + "b", want: "a\n\n\nb", ch: ChangeNewlineRun},
		{raw: "a\r\n\r\n\r\n\r\nb", want: "a\n\n\nb", ch: ChangeNewline | ChangeNewlineRun},
		{raw: "a\n\n\n \nb", want: "a\n\n\n \nb"},
		{raw: "a\r\x00\nb", want: "a\nb", ch: ChangeNUL | ChangeNewline},            // NUL removed first: CR LF
		{raw: "a\n\n\x00\n\nb", want: "a\n\n\nb", ch: ChangeNUL | ChangeNewlineRun}, // ... then runs
		{raw: "x\r\n", want: "x", ch: ChangeNewline | ChangeTrim},
		{raw: "\x00", null: true, ch: ChangeNUL | ChangeNull},
		{raw: "\x00 \x00", null: true, ch: ChangeNUL | ChangeTrim | ChangeNull},
		{raw: "na\x00n", null: true, ch: ChangeNUL | ChangeNull}, // a sentinel after hygiene is NULL too
		{raw: "\x00 hi", want: "hi", ch: ChangeNUL | ChangeTrim},
		{raw: "NaN and more", want: "NaN and more"},
		{raw: "\xff\xfe bad utf8 \xc3", want: "\xff\xfe bad utf8 \xc3"},
		{raw: "  \xff  ", want: "\xff", ch: ChangeTrim},
	})
}

func TestUnknownType(t *testing.T) {
	_, err := NewNormalizer(nil).Normalize("money", "", "5")
	var ute *UnknownTypeError
	if !errors.As(err, &ute) {
		t.Fatalf("unknown type: got %v; want *UnknownTypeError", err)
	}
	var ve *ValueError
	if errors.As(err, &ve) {
		t.Fatalf("unknown type must not be a ValueError")
	}
}

func TestValueError(t *testing.T) {
	_, err := NewNormalizer(nil).Normalize(contract.Integer, "", "12a")
	var ve *ValueError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	if got, want := ve.Rule(), "invalid_integer"; got != want {
		t.Errorf("Rule() = %q; want %q", got, want)
	}
	if got := ve.Error(); !strings.HasPrefix(got, `invalid integer "12a": `) {
		t.Errorf("Error() = %q", got)
	}
}

func TestChangeNames(t *testing.T) {
	want := []string{"null_sentinel", "trim", "date_format", "excel_serial", "epoch", "float_int",
		"number_format", "flag_spelling", "text_nul", "text_crlf", "text_newline_run", "month_format"}
	all := changeEnd - 1
	if got := all.Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v; want %v", got, want)
	}
	for i, name := range want {
		c := Change(1) << i
		if got := c.Names(); len(got) != 1 || got[0] != name {
			t.Errorf("Change(1<<%d).Names() = %v; want [%s]", i, got, name)
		}
		if ChangeNamed(name) != c {
			t.Errorf("ChangeNamed(%q) = %d; want %d", name, ChangeNamed(name), c)
		}
	}
	if Change(0).Names() != nil {
		t.Errorf("Change(0).Names() should be nil")
	}
	if got := (ChangeTrim | ChangeDate).Names(); !slices.Equal(got, []string{"trim", "date_format"}) {
		t.Errorf("Names() = %v", got)
	}
	if !(ChangeTrim | ChangeDate).Has(ChangeDate) || ChangeTrim.Has(ChangeDate) {
		t.Errorf("Has is wrong")
	}
	if ChangeMonth != 1<<11 {
		t.Errorf("flag bits moved: ChangeMonth = %d", ChangeMonth)
	}
}

// TestUnchangedNoAlloc: a value that is already canonical comes back as the raw string itself
// without allocating; so do trimmed values and re-formattings that are substrings of the raw.
func TestUnchangedNoAlloc(t *testing.T) {
	n := NewNormalizer(testSentinels)
	cases := []struct {
		typ contract.Type
		raw string
	}{
		{contract.Integer, "123456"}, {contract.Integer, "3652948.0"}, {contract.Integer, " 007 "},
		{contract.Decimal, "7.5"}, {contract.Decimal, "7.50"}, {contract.Decimal, "+0.25"},
		{contract.Timestamp, "2025-07-02 16:21:00"}, {contract.Date, "2025-07-02"}, {contract.Time, "16:21:00"},
		{contract.Flag, "yes"}, {contract.Flag, "Y"}, {contract.Boolean, "false"}, {contract.Month, "2025-07"},
		{contract.Text, "Cloud - Infrastructure"}, {contract.Text, strings.Repeat("long comment text\n", 100)},
		{contract.Text, " PendingAssignment"}, {contract.Text, ""}, {contract.Integer, "nan"},
	}
	for _, c := range cases {
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := n.Normalize(c.typ, contract.DMY, c.raw); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s %q: %v allocs per call; want 0", c.typ, c.raw, allocs)
		}
	}
}
