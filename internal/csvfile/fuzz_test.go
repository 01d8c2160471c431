package csvfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRead checks two properties:
//   - any bytes: Read never panics, returns only records or *Error/io.EOF, and line numbers grow;
//   - the input read as records (split on \x1e, fields on \x1f) and written by encoding/csv's
//     Writer reads back as exactly those records.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"", "a,b\n1,2\n", "\"a\r\nb\",c\r\n", "\n\n", "\"\"\"\"", "a\"b", "\"a\"b", "\"open",
		"\xEF\xBB\xBFx", "\xff", "a\x00,\"\x00\"", "x\x1fy\x1e\x1e \x1f\r\n\x1e\"\x1f\\.",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readAny(t, data)
		roundTrip(t, string(data))
	})
}

func readAny(t *testing.T, data []byte) {
	r := NewReader(bytes.NewReader(data), "f.csv")
	last := 0
	for {
		fields, line, err := r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Column < 1 {
				t.Fatalf("error %v (%T) is not a positioned *Error", err, err)
			}
			return
		}
		if line <= last || len(fields) == 0 {
			t.Fatalf("record at line %d after line %d with %d fields", line, last, len(fields))
		}
		last = line
	}
}

func roundTrip(t *testing.T, s string) {
	if !utf8.ValidString(s) || strings.HasPrefix(s, "\uFEFF") {
		return // the Writer does not validate UTF-8 and writes a leading BOM, which we strip
	}
	// Every record here has at least one field. The Writer writes []string{""} as an empty line
	// (not as ""), which reads back as one empty field, so it needs no exception; only a record
	// with no fields could not round-trip, and splitting never makes one.
	var records [][]string
	for _, r := range strings.Split(s, "\x1e") {
		records = append(records, strings.Split(r, "\x1f"))
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf) // UseCRLF false: CR inside fields is written verbatim
	if err := w.WriteAll(records); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(NewReader(&buf, "rt.csv"))
	if err != nil {
		t.Fatalf("reading %q: %v", buf.String(), err)
	}
	if len(got) != len(records) {
		t.Fatalf("got %d records, want %d from %q", len(got), len(records), buf.String())
	}
	for i, g := range got {
		if !reflect.DeepEqual(g.Fields, records[i]) {
			t.Fatalf("record %d = %q, want %q (csv %q)", i, g.Fields, records[i], buf.String())
		}
	}
}
