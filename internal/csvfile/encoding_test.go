package csvfile

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
)

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t *testing.T, path, enc string) ([][]string, error) {
	t.Helper()
	r, err := OpenEncoding(context.Background(), path, Limits{}, enc)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out [][]string
	for {
		f, _, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, append([]string(nil), f...))
	}
}

// encodeUTF16 renders s as UTF-16 with a BOM, little- or big-endian.
func encodeUTF16(s string, big bool) []byte {
	units := utf16.Encode([]rune("\ufeff" + s))
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if big {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return b
}

const encodedText = "name,note\r\nJosé,“quoted” – dash\r\n\"two\nlines 😀\",ok\r\n"

var encodedWant = [][]string{{"name", "note"}, {"José", "“quoted” – dash"}, {"two\nlines 😀", "ok"}}

func TestWindows1252(t *testing.T) {
	// é = 0xE9, “ = 0x93, ” = 0x94, – = 0x96 in Windows-1252; the emoji has no byte there.
	raw := []byte("name,note\r\nJos\xe9,\x93quoted\x94 \x96 dash\r\n")
	p := writeFile(t, "w.csv", raw)
	got, err := readFile(t, p, "windows-1252")
	if err != nil || !reflect.DeepEqual(got, encodedWant[:2]) {
		t.Fatalf("windows-1252: got %q, %v; want %q", got, err, encodedWant[:2])
	}
	// Read as UTF-8 (the default), the error names line and column and says how to fix it.
	_, err = readFile(t, p, "")
	var e *Error
	if !errors.Is(err, ErrInvalidUTF8) || !errors.As(err, &e) || e.Line != 2 || e.Column != 4 ||
		!strings.Contains(err.Error(), "encoding: windows-1252") || !strings.Contains(err.Error(), "0xE9") {
		t.Errorf("as UTF-8: %v; want invalid UTF-8 at 2:4 naming byte 0xE9 and encoding: windows-1252", err)
	}
	// ISO-8859-1 agrees on é but has no curly quotes (0x93 is a C1 control there).
	got, err = readFile(t, p, "latin1")
	if err != nil || got[1][0] != "José" || got[1][1] != "\u0093quoted\u0094 \u0096 dash" {
		t.Errorf("iso-8859-1: %q, %v", got, err)
	}
}

// A byte Windows-1252 leaves undefined is an error, not a U+FFFD.
func TestUndefinedByte(t *testing.T) {
	_, err := readFile(t, writeFile(t, "u.csv", []byte("a,b\n1,x\x81y\n")), "windows-1252")
	if !errors.Is(err, ErrUndefinedByte) || !strings.Contains(err.Error(), "line 2: byte 0x81 (at byte 7)") {
		t.Errorf("got %v, want undefined byte 0x81 on line 2", err)
	}
}

func TestUTF16(t *testing.T) {
	for _, big := range []bool{false, true} {
		raw := encodeUTF16(encodedText, big)
		p := writeFile(t, "u.csv", raw)
		for _, enc := range []string{"utf-16", map[bool]string{false: "utf-16le", true: "utf-16be"}[big]} {
			got, err := readFile(t, p, enc)
			if err != nil || !reflect.DeepEqual(got, encodedWant) {
				t.Errorf("big=%v %s: got %q, %v; want %q", big, enc, got, err, encodedWant)
			}
		}
		// Read as UTF-8, one line says what it is and how to read it.
		_, err := readFile(t, p, "")
		if !errors.Is(err, ErrNotText) || !strings.Contains(err.Error(), "encoding: utf-16") {
			t.Errorf("big=%v as UTF-8: %v; want not a text file, naming encoding: utf-16", big, err)
		}
	}
}

// The decoder keeps a surrogate pair split across reads whole.
func TestUTF16OneByteAtATime(t *testing.T) {
	raw := encodeUTF16(encodedText, false)
	u := &utf16Reader{r: iotest.OneByteReader(strings.NewReader(string(raw))), enc: UTF16, raw: make([]byte, 0, 64)}
	b, err := io.ReadAll(u)
	if err != nil || string(b) != "\ufeff"+encodedText {
		t.Errorf("got %q, %v", b, err)
	}
}

func TestUTF16Errors(t *testing.T) {
	le := func(units ...uint16) []byte {
		var b []byte
		for _, u := range units {
			b = append(b, byte(u), byte(u>>8))
		}
		return b
	}
	tests := []struct {
		name, enc string
		raw       []byte
		want      string
	}{
		{"no BOM", "utf-16", le('a', ',', 'b', '\n'), "no byte-order mark"},
		{"lone high surrogate", "utf-16le", le('a', '\n', 'b', 0xD83D, 'c', '\n'), "line 2: unpaired surrogate 0xD83D at byte 6"},
		{"lone low surrogate", "utf-16le", le('a', 0xDE00, '\n'), "line 1: unpaired surrogate 0xDE00 at byte 2"},
		{"high surrogate at the end", "utf-16le", le('a', 0xD83D), "unpaired surrogate 0xD83D"},
		{"odd length", "utf-16le", append(le('a', 'b'), 'c'), "ends in the middle of a character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readFile(t, writeFile(t, "e.csv", tt.raw), tt.enc)
			if !errors.Is(err, ErrInvalidUTF16) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want invalid UTF-16 containing %q", err, tt.want)
			}
		})
	}
}

func TestNotText(t *testing.T) {
	bin := make([]byte, 600)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	utf16NoBOM := encodeUTF16("name,note\n"+strings.Repeat("abc,def\n", 10), false)[2:]
	tests := []struct {
		name string
		raw  []byte
		enc  string
		want string
	}{
		{"xlsx named csv", []byte("PK\x03\x04\x14\x00\x06\x00rest of a zip"), "", "ZIP archive"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "", "PNG image"},
		{"binary", bin, "", "control characters"},
		{"binary as windows-1252", bin, "windows-1252", "control characters"},
		{"UTF-16 without a BOM", utf16NoBOM, "", "--encoding utf-16le"},
		{"UTF-16BE without a BOM", utf16NoBOM[1:], "", "--encoding utf-16be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "x.csv", tt.raw)
			_, err := readFile(t, p, tt.enc)
			var nt *NotTextError
			if !errors.As(err, &nt) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one line: not a text file ... %q", err, tt.want)
			}
		})
	}
	// A run of NULs (a sparse file) is left to the readers' limits, not called binary.
	p0 := writeFile(t, "sparse.csv", append([]byte("a,b\n1,"), make([]byte, 5000)...))
	if _, err := readFile(t, p0, ""); errors.Is(err, ErrNotText) {
		t.Errorf("a run of NULs: %v, want no not-text refusal", err)
	}
	// Text with a few NUL bytes (SPEC 2.1: comments may hold them) is still text.
	p := writeFile(t, "nul.csv", []byte("a,b\n1,\"x\x00y\"\n2,z\n3,w\n"))
	if got, err := readFile(t, p, ""); err != nil || len(got) != 4 || got[1][1] != "x\x00y" {
		t.Errorf("text with a NUL: %q, %v", got, err)
	}
}

func TestNormalizeEncoding(t *testing.T) {
	for in, want := range map[string]string{"": UTF8, "UTF-8": UTF8, "utf8": UTF8, "CP1252": Windows1252, "Windows-1252": Windows1252, "latin1": ISO88591, "UTF-16": UTF16} {
		if got, err := NormalizeEncoding(in); err != nil || got != want {
			t.Errorf("NormalizeEncoding(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := NormalizeEncoding("ebcdic"); err == nil || !strings.Contains(err.Error(), "windows-1252") {
		t.Errorf("ebcdic: %v, want an error listing the encodings", err)
	}
	for _, e := range Encodings {
		if _, err := decoder(strings.NewReader(""), e); err != nil {
			t.Errorf("%s has no decoder: %v", e, err)
		}
	}
}
