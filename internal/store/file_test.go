package store

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	put := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	if err := WriteFile(path, 0o644, false, put("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, 0o644, false, put("two")); !errors.Is(err, os.ErrExist) {
		t.Fatalf("no-replace over an existing file: %v", err)
	}
	if err := WriteFile(path, 0o644, true, put("three")); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("boom")
	if err := WriteFile(path, 0o644, true, func(io.Writer) error { return failed }); !errors.Is(err, failed) {
		t.Fatalf("a failing writer: %v", err)
	}
	b, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(b) != "three" || fi.Mode().Perm() != 0o644 {
		t.Errorf("file %q mode %v", b, fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*")); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
}
