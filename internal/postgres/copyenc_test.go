package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
)

// pgValue is what the load handed pgx before it encoded COPY itself: the reference that
// appendField must match byte for byte.
func pgValue(t contract.Type, v string) (any, error) {
	switch t {
	case contract.Integer:
		var n pgtype.Int8
		if err := n.Scan(v); err != nil {
			return nil, fmt.Errorf("integer %q: %w", v, err)
		}
		return n, nil
	case contract.Decimal:
		var n pgtype.Numeric
		if err := n.Scan(v); err != nil {
			return nil, fmt.Errorf("decimal %q: %w", v, err)
		}
		return n, nil
	case contract.Timestamp:
		return time.ParseInLocation(time.DateTime, v, time.UTC)
	case contract.Timestamptz:
		return time.Parse("2006-01-02 15:04:05-07", v)
	case contract.Date:
		return time.ParseInLocation(time.DateOnly, v, time.UTC)
	case contract.Time:
		tm, err := time.Parse(time.TimeOnly, v)
		if err != nil {
			return nil, err
		}
		us := int64(tm.Hour()*3600+tm.Minute()*60+tm.Second())*1e6 + int64(tm.Nanosecond()/1000)
		return pgtype.Time{Microseconds: us, Valid: true}, nil
	case contract.Boolean:
		switch v {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("boolean %q", v)
	}
	return v, nil
}

var typeOIDs = map[contract.Type]uint32{
	contract.Integer: pgtype.Int8OID, contract.Decimal: pgtype.NumericOID, contract.Timestamp: pgtype.TimestampOID,
	contract.Timestamptz: pgtype.TimestamptzOID, contract.Date: pgtype.DateOID, contract.Time: pgtype.TimeOID,
	contract.Boolean: pgtype.BoolOID, contract.Text: pgtype.TextOID, contract.Flag: pgtype.TextOID, contract.Month: pgtype.TextOID,
}

// pgxField is pgx's COPY encoding of pgValue's value: int32 length, then the bytes.
func pgxField(m *pgtype.Map, typ contract.Type, v string) ([]byte, error) {
	val, err := pgValue(typ, v)
	if err != nil {
		return nil, err
	}
	b, err := m.Encode(typeOIDs[typ], pgtype.BinaryFormatCode, val, nil)
	if err != nil {
		return nil, err
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...), nil
}

// encodingCases are canonical values of every type (edges and random ones), and some that
// either encoder must refuse.
func encodingCases() map[contract.Type][]string {
	r := rand.New(rand.NewSource(1))
	digits := func(n int, lead bool) string {
		var b strings.Builder
		for i := range n {
			d := r.Intn(10)
			if i == 0 && lead && d == 0 {
				d = 1 + r.Intn(9)
			}
			b.WriteByte(byte('0' + d))
		}
		return b.String()
	}
	frac := func() string { // a canonical fraction: up to 6 digits, no trailing zero
		f := strings.TrimRight(digits(r.Intn(7), false), "0")
		if f == "" {
			return ""
		}
		return "." + f
	}
	cases := map[contract.Type][]string{
		contract.Integer: {"0", "1", "-1", "42", "+5", "9223372036854775807", "-9223372036854775808",
			"9223372036854775808", "-9223372036854775809", "", "1.5", "abc", "1e3"},
		contract.Decimal: {"0", "1", "-1", "7.5", "8", "0.25", "-0.5", "0.00000000000000000001", "-0.00000000000000000001",
			"100", "10000", "12000", "100000000", "123456.5", "10000.5", "99999999999999999999999999999999999999",
			"-99999999999999999999999999999999999999", "0.99999999999999999999999999999999999999",
			"1234567890123456789.0123456789012345678", "0.0001", "0.001", "0.01", "0.1", "1000.0001",
			// non-canonical forms pgx reads too: the same bytes
			"7.50", "0.0", "00", "000", "-0", "-00", "007", "-0.0", "0.000",
			"", "-", "abc", "1e5", "1.2.3", "--1", "NaN", "Infinity"},
		contract.Timestamp: {"2000-01-01 00:00:00", "1999-12-31 23:59:59.999999", "0001-01-01 00:00:00",
			"9999-12-31 23:59:59.999999", "2024-02-29 12:00:00.5", "1900-02-28 00:00:00", "2024-12-31 23:59:59.999",
			"2025-07-02 16:21:00.123456", "1970-01-01 00:00:00", "1969-12-31 23:59:59.000001",
			"2023-02-29 00:00:00", "1900-02-29 00:00:00", "2024-13-01 00:00:00", "2024-00-01 00:00:00", "2024-01-32 00:00:00",
			"2024-01-01 24:00:00", "2024-01-01 23:60:00", "2024-01-01 23:59:60", "2024-01-01", "", "2024-01-01 00:00:00.",
			"2024-01-01 00:00:00x", "2024-01-01 00:00:00+00"},
		contract.Timestamptz: {"2000-01-01 00:00:00+00", "2024-06-30 23:59:59.999999+00", "0001-01-01 00:00:00+00",
			"9999-12-31 23:59:59.999999+00", "2024-01-01 00:00:00+05", "2024-01-01 00:00:00-03", "1969-12-31 23:59:59.5+00",
			"2024-01-01 00:00:00", "2024-01-01 00:00:00+0", "2024-01-01 00:00:00Z", "2024-02-30 00:00:00+00", ""},
		contract.Date: {"2000-01-01", "1999-12-31", "0001-01-01", "9999-12-31", "2024-02-29", "1600-02-29", "1970-01-01",
			"2023-02-29", "2100-02-29", "2024-04-31", "2024-1-01", "2024-01-01 00:00:00", "", "20240101xx"},
		contract.Time: {"00:00:00", "23:59:59.999999", "09:00:00.5", "15:04:05", "12:00:00.000001", "24:00:00",
			"23:60:00", "9:00:00", "09:00", "", "09:00:00.", "09:00:00 "},
		contract.Boolean: {"true", "false", "yes", "", "TRUE"},
		contract.Text:    {"", "abc", "héllo ✓", "a\nb\nc", `\x00 kept`},
	}
	for range 3000 {
		y, mo := 1+r.Intn(9999), 1+r.Intn(12)
		d := 1 + r.Intn(daysIn(y, mo))
		clock := fmt.Sprintf("%02d:%02d:%02d%s", r.Intn(24), r.Intn(60), r.Intn(60), frac())
		date := fmt.Sprintf("%04d-%02d-%02d", y, mo, d)
		cases[contract.Timestamp] = append(cases[contract.Timestamp], date+" "+clock)
		cases[contract.Timestamptz] = append(cases[contract.Timestamptz], date+" "+clock+"+00")
		cases[contract.Date] = append(cases[contract.Date], date)
		cases[contract.Time] = append(cases[contract.Time], clock)
		cases[contract.Integer] = append(cases[contract.Integer], strconv.FormatInt(r.Int63()>>r.Intn(63)*int64(1-2*r.Intn(2)), 10))
		whole := "0"
		if n := r.Intn(20); n > 0 {
			whole = digits(n, true)
		}
		dec := whole
		if f := strings.TrimRight(digits(r.Intn(20), false), "0"); f != "" {
			dec += "." + f
		}
		if dec != "0" && r.Intn(2) == 0 {
			dec = "-" + dec
		}
		cases[contract.Decimal] = append(cases[contract.Decimal], dec)
	}
	return cases
}

// refusedOnlyByUs are the forms pgx's parsing takes that are not canonical: no clean store
// holds them, and the encoder refuses them (fails closed) rather than guess.
// ("nan" is a sentinel: a NULL in the clean store, never a decimal.)
var refusedOnlyByUs = map[string]bool{"2024-01-01 00:00:00.": true, "9:00:00": true, "09:00:00.": true, "NaN": true, "Infinity": true}

// TestCopyEncodingMatchesPgx: every field the load writes is the bytes pgx wrote for the value
// pgValue made of the same text, and what pgx refused is refused.
func TestCopyEncodingMatchesPgx(t *testing.T) {
	m := pgtype.NewMap()
	for typ, vs := range encodingCases() {
		for _, v := range vs {
			want, werr := pgxField(m, typ, v)
			got, gerr := appendField(nil, typ, v)
			switch {
			case werr != nil && gerr == nil:
				t.Errorf("%s %q: encoded %x, pgx refuses it: %v", typ, v, got, werr)
			case werr == nil && gerr != nil && !refusedOnlyByUs[v]:
				t.Errorf("%s %q: %v, pgx encodes %x", typ, v, gerr, want)
			case werr == nil && gerr == nil && !bytes.Equal(got, want):
				t.Errorf("%s %q: encoded %x, pgx %x", typ, v, got, want)
			}
		}
	}
}

// TestCopyEncodingLoadsAsPgx: the same rows COPYed by pgx (from pgValue's values) and by the
// load's own encoder read back identically, in text and in binary.
func TestCopyEncodingLoadsAsPgx(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	types := []contract.Type{contract.Integer, contract.Decimal, contract.Timestamp, contract.Timestamptz,
		contract.Date, contract.Time, contract.Boolean, contract.Text}
	m := pgtype.NewMap()
	cases := encodingCases()
	var rows [][]*string // column 0 is the row's number
	for i := range 3000 + 40 {
		row := []*string{ptr(strconv.Itoa(i))}
		for _, typ := range types {
			vs := cases[typ]
			v := vs[i%len(vs)]
			if _, err := pgxField(m, typ, v); err != nil || refusedOnlyByUs[v] || i%17 == 0 { // what pgx refuses is a NULL here
				row = append(row, nil)
				continue
			}
			row = append(row, &v)
		}
		rows = append(rows, row)
	}
	all := append([]contract.Type{contract.Integer}, types...)
	cols := []string{"n"}
	ddl := []string{"n bigint"}
	for i, typ := range types {
		cols = append(cols, fmt.Sprintf("c%d", i))
		ddl = append(ddl, fmt.Sprintf("c%d %s", i, PGType(typ)))
	}
	for _, tab := range []string{"enc_pgx", "enc_own"} {
		if _, err := conn.Exec(ctx, "CREATE TEMP TABLE "+tab+" ("+strings.Join(ddl, ", ")+")"); err != nil {
			t.Fatal(err)
		}
	}
	var vals [][]any
	for _, row := range rows {
		var vr []any
		for j, v := range row {
			if v == nil {
				vr = append(vr, nil)
				continue
			}
			x, err := pgValue(all[j], *v)
			if err != nil {
				t.Fatal(err)
			}
			vr = append(vr, x)
		}
		vals = append(vals, vr)
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"enc_pgx"}, cols, pgx.CopyFromRows(vals)); err != nil {
		t.Fatal(err)
	}
	stream := append([]byte(nil), copyHeader...)
	for _, row := range rows {
		stream = binary.BigEndian.AppendUint16(stream, uint16(len(row)))
		for j, v := range row {
			if v == nil {
				stream = append(stream, 0xff, 0xff, 0xff, 0xff)
				continue
			}
			if stream, err = appendField(stream, all[j], *v); err != nil {
				t.Fatal(err)
			}
		}
	}
	stream = append(stream, copyTrailer...)
	if _, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(stream), "COPY enc_own ("+quoteColumns(cols)+") FROM STDIN (FORMAT binary)"); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "binary"} {
		var out [2]bytes.Buffer
		for i, tab := range []string{"enc_pgx", "enc_own"} {
			if _, err := conn.PgConn().CopyTo(ctx, &out[i], "COPY (SELECT * FROM "+tab+" ORDER BY n) TO STDOUT (FORMAT "+format+")"); err != nil {
				t.Fatal(err)
			}
		}
		if out[0].Len() < 100000 || !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
			t.Errorf("%s: pgx's rows (%d bytes) and ours (%d bytes) differ", format, out[0].Len(), out[1].Len())
		}
	}
}

func ptr(s string) *string { return &s }
