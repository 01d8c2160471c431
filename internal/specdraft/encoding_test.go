package specdraft

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

func draftRaw(t *testing.T, raw []byte, forced string) (*Draft, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cases.csv")
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return New(context.Background(), Options{Files: []string{p}, Schema: "s", Encoding: forced})
}

func TestDraftEncodings(t *testing.T) {
	cp1252 := []byte("id,title\r\n1,Printer \x96 jam\r\n2,\x93Outlook\x94 caf\xe9\r\n")
	var u16 []byte
	for _, u := range utf16.Encode([]rune("\ufeffid,title\r\n1,Printer – jam\r\n2,“Outlook” café\r\n")) {
		u16 = append(u16, byte(u), byte(u>>8))
	}
	tests := []struct {
		name, forced string
		raw          []byte
		enc, note    string // note: a substring
	}{
		{"windows-1252 by its bytes", "", cp1252, "windows-1252", "line 2, byte 11 is the first invalid one; 4 bytes outside ASCII): 3 bytes in 0x80-0x9F, Windows-1252's punctuation (0x96 –, 0x93 “, 0x94 ”)"},
		{"UTF-16 by its BOM", "", u16, "utf-16", "UTF-16 (LE): the file starts with its byte-order mark"},
		{"forced", "cp1252", cp1252, "windows-1252", "(--encoding)"},
		{"only 0xA0-0xFF", "", []byte("id,title\n1,caf\xe9\n"), "windows-1252", "none in 0x80-0x9F"},
		{"undefined in windows-1252", "", []byte("id,title\n1,a\x81b\n"), "iso-8859-1", "check this"},
		{"UTF-8 says nothing", "", []byte("id,title\n1,café – “x”\n"), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := draftRaw(t, tt.raw, tt.forced)
			if err != nil {
				t.Fatal(err)
			}
			td := d.Tables[0]
			if td.Encoding != tt.enc || !strings.Contains(td.EncodingNote, tt.note) || d.Spec.Tables[0].Encoding != tt.enc {
				t.Errorf("encoding %q (%q), contract %q; want %q with a note containing %q", td.Encoding, td.EncodingNote, d.Spec.Tables[0].Encoding, tt.enc, tt.note)
			}
			if tt.enc != "" && tt.enc != "iso-8859-1" && !strings.Contains(strings.Join(td.Columns[1].Examples, "|"), "Printer – jam") && tt.name != "only 0xA0-0xFF" {
				t.Errorf("examples %q: want the decoded text", td.Columns[1].Examples)
			}
		})
	}
	// A forced UTF-8 on a file that is not: the one-line error says how to fix it.
	if _, err := draftRaw(t, cp1252, "utf-8"); err == nil || !strings.Contains(err.Error(), "encoding: windows-1252") {
		t.Errorf("forced utf-8: %v, want the invalid UTF-8 error naming the fix", err)
	}
	// Not text at all: one clear line.
	if _, err := draftRaw(t, []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), ""); err == nil || !strings.Contains(err.Error(), "not a text file: it is a ZIP archive") {
		t.Errorf("a zip named .csv: %v", err)
	}
}
