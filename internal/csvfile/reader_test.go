package csvfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// record is what readAll collects per Read.
type record struct {
	Line   int
	Fields []string
}

// readAll reads every record of r, copying the reused fields slice.
func readAll(r *Reader) ([]record, error) {
	var out []record
	for {
		fields, line, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, record{line, append([]string(nil), fields...)})
	}
}

func rec(line int, fields ...string) record { return record{line, fields} }

func (r record) String() string { return fmt.Sprintf("%d:%q", r.Line, r.Fields) }

func TestRead(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []record
	}{
		{"empty input", "", nil},
		{"bom only", "\xEF\xBB\xBF", nil},
		{"unquoted", "a,b,c\n1,2,3\n", []record{rec(1, "a", "b", "c"), rec(2, "1", "2", "3")}},
		{"crlf terminators", "a,b\r\n1,2\r\n", []record{rec(1, "a", "b"), rec(2, "1", "2")}},
		{"no trailing newline", "a,b\n1,2", []record{rec(1, "a", "b"), rec(2, "1", "2")}},
		{"bom stripped", "\xEF\xBB\xBFid,name\n1,x\n", []record{rec(1, "id", "name"), rec(2, "1", "x")}},
		{"bom only at start", "a\n\xEF\xBB\xBFb\n", []record{rec(1, "a"), rec(2, "\xEF\xBB\xBFb")}},
		{"empty fields", ",a,,\n", []record{rec(1, "", "a", "", "")}},
		{"single comma", ",\n", []record{rec(1, "", "")}},
		{"blank line in the middle skipped", "a,b\n\n1,2\n", []record{rec(1, "a", "b"), rec(3, "1", "2")}},
		{"blank crlf line skipped", "a\r\n\r\nb\r\n", []record{rec(1, "a"), rec(3, "b")}},
		{"blank last line skipped", "a\n\n", []record{rec(1, "a")}},
		{"blank lines before the header", "\n\r\na\n", []record{rec(3, "a")}},
		{"bom then blank line", "\xEF\xBB\xBF\na\n", []record{rec(2, "a")}},
		{"whitespace line is a field", "a\n \n", []record{rec(1, "a"), rec(2, " ")}},
		{"comma line is two empty fields", "a,b\n,\n", []record{rec(1, "a", "b"), rec(2, "", "")}},
		{"quoted empty field is a record", "a\n\"\"\n", []record{rec(1, "a"), rec(2, "")}},
		{"quoted with comma", `"a,b",c` + "\n", []record{rec(1, "a,b", "c")}},
		{"doubled quotes", `"say ""hi""",""""` + "\n", []record{rec(1, `say "hi"`, `"`)}},
		{"empty quoted", `"",x,""` + "\n", []record{rec(1, "", "x", "")}},
		{"embedded lf", "\"a\nb\",c\nd,e\n", []record{rec(1, "a\nb", "c"), rec(3, "d", "e")}},
		{"embedded crlf kept", "\"a\r\nb\",c\r\nd,e\r\n", []record{rec(1, "a\r\nb", "c"), rec(3, "d", "e")}},
		{"embedded lone cr", "\"a\rb\"\n", []record{rec(1, "a\rb")}},
		{"quoted ends with crlf", "\"a\r\n\"\r\n", []record{rec(1, "a\r\n")}},
		{"quoted empty lines", "\"\n\n\n\",x\ny\n", []record{rec(1, "\n\n\n", "x"), rec(5, "y")}},
		{"nul in quoted", "\"a\x00b\",\x00\n", []record{rec(1, "a\x00b", "\x00")}},
		{"unquoted lone cr is data", "a\rb,c\r\n", []record{rec(1, "a\rb", "c")}},
		{"cr at eof of a file without lf ends the line", "a\r", []record{rec(1, "a")}},
		{"cr-only line ends", "a,b\r1,2\r3,4\r", []record{rec(1, "a", "b"), rec(2, "1", "2"), rec(3, "3", "4")}},
		{"cr-only without final cr", "a,b\r1,2", []record{rec(1, "a", "b"), rec(2, "1", "2")}},
		{"cr-only keeps cr and lf inside quotes", "a,\"x\ry\"\r\"p\r\nq\",z\r", []record{rec(1, "a", "x\ry"), rec(3, "p\r\nq", "z")}},
		{"cr-only blank lines skipped", "a\r\r\rb\r", []record{rec(1, "a"), rec(4, "b")}},
		{"cr-only bom header", "\xEF\xBB\xBFid\r1\r", []record{rec(1, "id"), rec(2, "1")}},
		{"cr inside quotes does not make a file cr-only", "\"a\rb\",c", []record{rec(1, "a\rb", "c")}},
		{"one lf anywhere keeps lf rule", "a\rb\r\nc\n", []record{rec(1, "a\rb"), rec(2, "c")}},
		{"leading spaces kept", " a ,b \n", []record{rec(1, " a ", "b ")}},
		{"quoted no trailing newline", `"a"`, []record{rec(1, "a")}},
		{"utf-8", "é,日本\n", []record{rec(1, "é", "日本")}},
		{"varying field counts", "a,b\n1\n1,2,3\n", []record{rec(1, "a", "b"), rec(2, "1"), rec(3, "1", "2", "3")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(NewReader(strings.NewReader(tt.in), "t.csv"))
			if err != nil {
				t.Fatalf("Read(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read(%q)\n got %v\nwant %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   []record // records read before the error
		want Error
	}{
		{"bare quote", "a,b\nx,y\"z\n", []record{rec(1, "a", "b")}, Error{"t.csv", 2, 2, 4, ErrBareQuote}},
		{"text after closing quote", `"a"b,c`, nil, Error{"t.csv", 1, 1, 4, ErrTrailingQuote}},
		{"space after closing quote", "x, \"b\" \n", nil, Error{"t.csv", 1, 1, 4, ErrBareQuote}},
		{"text after multi-line quote", "a\n\"x\ny\"z\n", []record{rec(1, "a")}, Error{"t.csv", 2, 3, 3, ErrTrailingQuote}},
		{"unclosed quote", "a\nb,\"c\nd\n", []record{rec(1, "a")}, Error{"t.csv", 2, 2, 3, ErrQuote}},
		{"invalid utf-8", "a\nb,c\xff\n", []record{rec(1, "a")}, Error{"t.csv", 2, 2, 4, ErrInvalidUTF8}},
		{"invalid utf-8 in quoted continuation", "\"a\nb\xc3(\"\n", nil, Error{"t.csv", 1, 2, 2, ErrInvalidUTF8}},
		{"invalid utf-8 after bom", "\xEF\xBB\xBFa\xff\n", nil, Error{"t.csv", 1, 1, 2, ErrInvalidUTF8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), "t.csv")
			got, err := readAll(r)
			if !reflect.DeepEqual(got, tt.ok) {
				t.Errorf("records before the error:\n got %v\nwant %v", got, tt.ok)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Read(%q) error = %v, want *Error", tt.in, err)
			}
			if *e != tt.want {
				t.Errorf("Read(%q) error = %+v, want %+v", tt.in, *e, tt.want)
			}
			// Fatal: the next Read returns the same error.
			if _, _, again := r.Read(); again != err {
				t.Errorf("Read after error = %v, want the same error %v", again, err)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{File: "x.csv", StartLine: 3, Line: 3, Column: 7, Err: ErrInvalidUTF8}
	if got, want := e.Error(), "x.csv:3:7: invalid UTF-8"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &Error{File: "x.csv", StartLine: 2, Line: 3, Column: 7, Err: ErrQuote}
	if got, want := e.Error(), "x.csv:3:7: quoted field not closed before end of file (record starts on line 2)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(fmt.Errorf("import: %w", e), ErrQuote) {
		t.Error("a wrapped *Error is not errors.Is its kind")
	}
}

// TestLongLines crosses the bufio buffer size with a line, inside and outside quotes.
func TestLongLines(t *testing.T) {
	long := strings.Repeat("x", 3*bufSize+17)
	in := long + ",\"" + long + "\r\n" + long + "\"\r\n" + "é" + long + "\n"
	got, err := readAll(NewReader(strings.NewReader(in), "t.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := []record{rec(1, long, long+"\r\n"+long), rec(3, "é"+long)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("long lines read wrongly (%d records)", len(got))
	}
	// An invalid byte far into a long line still gets its exact column.
	_, err = readAll(NewReader(strings.NewReader(long+"\xff\n"), "t.csv"))
	var e *Error
	if !errors.As(err, &e) || e.Line != 1 || e.Column != len(long)+1 {
		t.Errorf("error = %v, want line 1 column %d", err, len(long)+1)
	}
}

// TestOneByteReads checks that record boundaries do not depend on how the input is chunked.
func TestOneByteReads(t *testing.T) {
	in := "\xEF\xBB\xBFa,\"b\r\nc\"\r\n\"\"\"\",é\n\nlast"
	got, err := readAll(NewReader(iotest.OneByteReader(strings.NewReader(in)), "t.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := []record{rec(1, "a", "b\r\nc"), rec(3, `"`, "é"), rec(5, "last")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(iotest.ErrReader(boom), "t.csv")
	if _, _, err := r.Read(); !errors.Is(err, boom) {
		t.Errorf("Read error = %v, want it to wrap %v", err, boom)
	}
}

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(path, []byte("\xEF\xBB\xBFid\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := []record{rec(1, "id"), rec(2, "1")}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) error = %v, want ErrNotExist", err)
	}
}

// TestFieldsReused documents that the slice is reused while the strings stay valid.
func TestFieldsReused(t *testing.T) {
	r := NewReader(strings.NewReader("a,b\nc,d\n"), "t.csv")
	first, _, _ := r.Read()
	kept := first[0]
	second, _, _ := r.Read()
	if &first[0] != &second[0] {
		t.Errorf("fields slice not reused")
	}
	if kept != "a" {
		t.Errorf("kept string changed to %q", kept)
	}
}

func TestOffset(t *testing.T) {
	r := NewReader(strings.NewReader("a,b\n\"x\ny\",z\n"), "t.csv")
	want := []int64{4, 12}
	for i, w := range want {
		if _, _, err := r.Read(); err != nil {
			t.Fatal(err)
		}
		if got := r.Offset(); got != w {
			t.Errorf("record %d: offset %d, want %d", i+1, got, w)
		}
	}
}
