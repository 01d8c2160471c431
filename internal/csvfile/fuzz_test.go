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
		// issue 15: CR-only files, blank lines; issue 14: fields and records past the limits.
		"a,b\r1,2\r3,4\r", "a\r\r\"x\ry\"\r", "\n\na\n\n\n", "a\r\n\r\n\r\n",
		"12345678,1\n", "\"1234567\"\"\"\n", "1,2,3,4,5,6,7,8,9,10,11,12\n", "\"a\n\n\n\n\n\n\n\n\",\"b\n\n\n\n\n\n\n\n\n\n\n\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readAny(t, data)
		roundTrip(t, string(data))
	})
}

// readAny reads data with the default limits and with tiny ones, so that the limit paths see
// every shape too.
func readAny(t *testing.T, data []byte) {
	readLimited(t, data, Limits{})
	readLimited(t, data, Limits{MaxFieldBytes: 7, MaxRecordBytes: 23})
}

func readLimited(t *testing.T, data []byte, lim Limits) {
	r := NewReader(bytes.NewReader(data), "f.csv")
	r.SetLimits(lim)
	lim = lim.withDefaults()
	last, records := 0, 0
	for {
		fields, line, err := r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			var e *Error
			var le *LimitError
			switch {
			case errors.As(err, &e):
				if e.Line < 1 || e.Column < 1 {
					t.Fatalf("error %v is not positioned", err)
				}
			case errors.As(err, &le):
				if le.Line <= last || le.Column < 1 || le.Row != records {
					t.Fatalf("limit error %+v after line %d, %d records", le, last, records)
				}
			default:
				t.Fatalf("error %v (%T) is neither *Error nor *LimitError", err, err)
			}
			return
		}
		if line <= last || len(fields) == 0 {
			t.Fatalf("record at line %d after line %d with %d fields", line, last, len(fields))
		}
		if len(fields) == 1 && fields[0] == "" && !bytes.Contains(data, []byte(`""`)) {
			t.Fatalf("record at line %d is a blank line", line)
		}
		size := 0
		for _, f := range fields {
			if len(f) > lim.MaxFieldBytes {
				t.Fatalf("field of %d bytes passed a limit of %d", len(f), lim.MaxFieldBytes)
			}
			size += len(f)
		}
		if size > lim.MaxRecordBytes {
			t.Fatalf("record of %d bytes passed a limit of %d", size, lim.MaxRecordBytes)
		}
		last = line
		records++
	}
}

func roundTrip(t *testing.T, s string) {
	if !utf8.ValidString(s) || strings.HasPrefix(s, "\uFEFF") {
		return // the Writer does not validate UTF-8 and writes a leading BOM, which we strip
	}
	// Every record here has at least one field. The Writer writes []string{""} as an empty line
	// (not as ""), and a blank line is no record to the reader (skipped and counted), so such
	// records are expected back as nothing.
	var records, want [][]string
	blank := 0
	for _, r := range strings.Split(s, "\x1e") {
		rec := strings.Split(r, "\x1f")
		records = append(records, rec)
		if len(rec) == 1 && rec[0] == "" {
			blank++
		} else {
			want = append(want, rec)
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf) // UseCRLF false: CR inside fields is written verbatim
	if err := w.WriteAll(records); err != nil {
		t.Fatal(err)
	}
	records = want
	r := NewReader(&buf, "rt.csv")
	got, err := readAll(r)
	if err != nil {
		t.Fatalf("reading %q: %v", buf.String(), err)
	}
	if r.Blank() != blank {
		t.Fatalf("%d blank lines counted, want %d in %q", r.Blank(), blank, buf.String())
	}
	if len(got) != len(records) {
		t.Fatalf("got %d records, want %d from %q", len(got), len(records), buf.String())
	}
	for i, g := range got {
		if !reflect.DeepEqual(g.Fields, records[i]) {
			t.Fatalf("record %d = %q, want %q (csv %q)", i, g.Fields, records[i], buf.String())
		}
	}
	// The same file with CR-only line ends reads the same, when no field holds a line end (it
	// would change with them).
	if strings.ContainsAny(s, "\r\n") || !strings.Contains(buf.String(), "\n") {
		return
	}
	cr := strings.ReplaceAll(buf.String(), "\n", "\r")
	gotCR, err := readAll(NewReader(strings.NewReader(cr), "cr.csv"))
	if err != nil {
		t.Fatalf("reading CR-only %q: %v", cr, err)
	}
	if len(gotCR) != len(records) {
		t.Fatalf("CR-only: got %d records, want %d from %q", len(gotCR), len(records), cr)
	}
	for i, g := range gotCR {
		if !reflect.DeepEqual(g.Fields, records[i]) || g.Line != got[i].Line {
			t.Fatalf("CR-only record %d = %v, want %v (csv %q)", i, g, got[i], cr)
		}
	}
}
