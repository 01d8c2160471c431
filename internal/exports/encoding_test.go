package exports

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/csvfile"
)

// The contract may name exactly the encodings the CSV reader decodes.
func TestContractEncodingsAreDecoded(t *testing.T) {
	if !slices.Equal(contract.Encodings, csvfile.Encodings) {
		t.Errorf("contract.Encodings %q, csvfile.Encodings %q: want the same list", contract.Encodings, csvfile.Encodings)
	}
}

// An export in its table's encoding is read as text, and a file named for another table
// whose header only its declared encoding can read is still found.
func TestOpenEncoding(t *testing.T) {
	p := filepath.Join(t.TempDir(), "events.csv")
	if err := os.WriteFile(p, []byte("Caf\xe9,note\r\n1,\x93x\x94 \x96 y\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := OpenEncoding(context.Background(), p, Limits{}, "windows-1252")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	if err := f.Each(context.Background(), nil, func(r Row) error { got = append(got, r.Cells...); return nil }); err != nil {
		t.Fatal(err)
	}
	if f.Header[0] != "Café" || f.Encoding != "windows-1252" || !slices.Equal(got, []string{"1", "“x” – y"}) {
		t.Errorf("header %q (%s), rows %q", f.Header, f.Encoding, got)
	}
	s, err := contract.Parse([]byte("schema: x\ntables:\n  - {name: other, encoding: windows-1252, columns: [{name: Café, type: text}, {name: note, type: text}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	paths, err := Paths(s, "", []string{p})
	if err != nil || paths["other"] != p {
		t.Errorf("Paths: %v, %v; want the file as table other", paths, err)
	}
}
