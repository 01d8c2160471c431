package inputfile

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "tickets.csv")
	if err := os.WriteFile(regular, []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.csv")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{regular, link} {
		f, err := Open(p)
		if err != nil {
			t.Errorf("Open(%s): %v", p, err)
			continue
		}
		f.Close()
	}
	for p, kind := range map[string]string{fifo: "a named pipe", zero: "a character device", dir: "a directory"} {
		_, err := Open(p) // a FIFO must not block: opened non-blocking, then refused
		if want := p + ": not a regular file (" + kind + ")"; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Open(%s) = %v, want %q...", p, err, want)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want ErrNotExist", err)
	}
}

func TestDisplay(t *testing.T) {
	for in, want := range map[string]string{
		"exports/tickets.csv":     "exports/tickets.csv",
		"été/tickets.csv":         "été/tickets.csv",
		"tick\x1b[31mets.csv":     `"tick\x1b[31mets.csv"`,
		"a\nb.csv":                `"a\nb.csv"`,
		"bad\xffutf8.csv":         `"bad\xffutf8.csv"`,
		"zero\u200bwidth.csv":     `"zero\u200bwidth.csv"`,
		"with space and 'q'.xlsx": "with space and 'q'.xlsx",
	} {
		if got := Display(in); got != want {
			t.Errorf("Display(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestReaderCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := Reader(ctx, strings.NewReader("abc"))
	if b, err := io.ReadAll(io.LimitReader(r, 1)); err != nil || string(b) != "a" {
		t.Fatalf("before cancel: %q %v", b, err)
	}
	cancel()
	if _, err := r.Read(make([]byte, 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v", err)
	}
	ra := ReaderAt(ctx, strings.NewReader("abc"))
	if _, err := ra.ReadAt(make([]byte, 1), 0); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadAt after cancel: %v", err)
	}
}

// TestHashReadsOnceForAll: every hash fed from the one read equals its own pass over the bytes,
// at sizes around the read block.
func TestHashReadsOnceForAll(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 1 << 20, 1<<20 + 1, 3<<20 + 5} {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(i*7 + i>>11)
		}
		p := filepath.Join(dir, fmt.Sprint(size))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		hs, hm := sha256.New(), md5.New()
		n, err := Hash(context.Background(), p, hs, hm)
		ws, wm := sha256.Sum256(b), md5.Sum(b)
		if err != nil || n != int64(size) || !bytes.Equal(hs.Sum(nil), ws[:]) || !bytes.Equal(hm.Sum(nil), wm[:]) {
			t.Errorf("size %d: n %d err %v, sums differ %v %v", size, n, err, !bytes.Equal(hs.Sum(nil), ws[:]), !bytes.Equal(hm.Sum(nil), wm[:]))
		}
	}
}
