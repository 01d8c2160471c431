package csvfile

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestBlankCounted(t *testing.T) {
	r := NewReader(strings.NewReader("a\n\n1\r\n\r\n\n2\n\n"), "t.csv")
	got, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || r.Blank() != 4 {
		t.Errorf("got %v and %d blank lines, want 3 records and 4 blank lines", got, r.Blank())
	}
}

func TestLimits(t *testing.T) {
	lim := Limits{MaxFieldBytes: 10, MaxRecordBytes: 30}
	long := strings.Repeat("x", 11)
	tests := []struct {
		name string
		in   string
		want LimitError
	}{
		{"unquoted field", "a,b\n1," + long + "\n", LimitError{Row: 1, Line: 2, Column: 2, Flag: FlagMaxFieldBytes, Max: 10}},
		{"quoted field", "a,b\n\"" + long + "\",2\n", LimitError{Row: 1, Line: 2, Column: 1, Flag: FlagMaxFieldBytes, Max: 10}},
		{"quoted field over lines", "a,b\n\n1,\"xxxx\nxxxx\nxxxx\"\n", LimitError{Row: 1, Line: 3, Column: 2, Flag: FlagMaxFieldBytes, Max: 10}},
		{"header field", long + "\n", LimitError{Row: 0, Line: 1, Column: 1, Flag: FlagMaxFieldBytes, Max: 10}},
		{"record", "a\n1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6\n", LimitError{Row: 1, Line: 2, Column: 16, Flag: FlagMaxRecordBytes, Max: 30}},
		{"record over lines", "a\n\"123456789\n\",\"123456789\n\",\"1234\n", LimitError{Row: 1, Line: 2, Column: 3, Flag: FlagMaxRecordBytes, Max: 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), "t.csv")
			r.SetLimits(lim)
			_, err := readAll(r)
			var e *LimitError
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *LimitError", err)
			}
			tt.want.File = "t.csv"
			if *e != tt.want {
				t.Errorf("error = %+v\nwant    %+v", *e, tt.want)
			}
			if _, _, again := r.Read(); again != err {
				t.Errorf("Read after error = %v, want the same error", again)
			}
			if kind := map[string]error{FlagMaxFieldBytes: ErrFieldTooLong, FlagMaxRecordBytes: ErrRecordTooLong}[tt.want.Flag]; !errors.Is(err, kind) {
				t.Errorf("errors.Is(%v, %v) is false", err, kind)
			}
		})
	}
	// At the limit exactly: fine.
	r := NewReader(strings.NewReader(strings.Repeat("x", 10)+"\n"), "t.csv")
	r.SetLimits(lim)
	if _, err := readAll(r); err != nil {
		t.Errorf("a field of exactly the limit: %v", err)
	}
}

func TestLimitErrorString(t *testing.T) {
	e := &LimitError{File: "t.csv", Row: 3, Line: 7, Column: 2, Flag: FlagMaxFieldBytes, Max: 16}
	if got, want := e.Error(), "t.csv: row 3 (line 7), column 2: field longer than 16 bytes (limit --max-field-bytes)"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// endless is an unbounded stream of one byte, like /dev/zero or a 2 GB line; it counts what was
// read so a test can assert the reader stopped near the limit.
type endless struct {
	c byte
	n int64
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.c
	}
	e.n += int64(len(p))
	return len(p), nil
}

// TestEndlessLine: a line that never ends is refused once it passes the record limit; the reader
// reads only a buffer past it.
func TestEndlessLine(t *testing.T) {
	for _, c := range []byte{'x', 0, '"'} {
		src := &endless{c: c}
		r := NewReader(io.MultiReader(strings.NewReader("a\n"), src), "t.csv")
		r.SetLimits(Limits{MaxFieldBytes: 1 << 30, MaxRecordBytes: 1 << 20})
		_, err := readAll(r)
		var e *LimitError // '"': "" pairs, one quoted field refused by the record limit all the same
		if !errors.As(err, &e) || e.Flag != FlagMaxRecordBytes {
			t.Fatalf("byte %q: error = %v, want the record limit", c, err)
		}
		if src.n > 1<<20+2*bufSize {
			t.Errorf("byte %q: read %d bytes for a limit of %d", c, src.n, 1<<20)
		}
	}
}

func TestLimitDefaults(t *testing.T) {
	r := NewReader(bytes.NewReader(nil), "t.csv")
	r.SetLimits(Limits{MaxFieldBytes: 5})
	if r.lim.MaxRecordBytes != DefaultLimits.MaxRecordBytes || r.lim.MaxFieldBytes != 5 {
		t.Errorf("limits %+v", r.lim)
	}
}
