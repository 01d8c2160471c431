package filesum

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func want(text string) string {
	s := sha256.Sum256([]byte(text))
	return hex.EncodeToString(s[:])
}

func sum(t *testing.T, c *Cache, path string) string {
	t.Helper()
	s, _, err := c.Sum(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestUnchangedIsNotRead: a settled file is hashed once; every change of content is seen, also
// one that keeps the size and puts the modification time back; the cache survives Save/Open.
func TestUnchangedIsNotRead(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the stat shortcut is Linux's; elsewhere every Sum hashes")
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "a.csv")
	write(t, f, "one")
	time.Sleep(30 * time.Millisecond) // settled: older than the hash by more than a clock tick
	c := Open(filepath.Join(dir, "sums.json"))
	if got := sum(t, c, f); got != want("one") || c.Hashed() != 3 {
		t.Fatalf("first sum %s, hashed %d", got, c.Hashed())
	}
	if got := sum(t, c, f); got != want("one") || c.Hashed() != 3 {
		t.Fatalf("unchanged file read again: %s, hashed %d", got, c.Hashed())
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c = Open(filepath.Join(dir, "sums.json"))
	if got := sum(t, c, f); got != want("one") || c.Hashed() != 0 {
		t.Fatalf("after Save/Open: %s, hashed %d", got, c.Hashed())
	}

	// Same size, modification time put back: the change time still moved.
	fi, _ := os.Stat(f)
	write(t, f, "two")
	if err := os.Chtimes(f, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if got := sum(t, c, f); got != want("two") {
		t.Fatalf("changed content, same size and mtime: got the old sum")
	}
	// Replaced by rename (what the stores do): a new inode.
	tmp := filepath.Join(dir, "b")
	write(t, tmp, "six")
	os.Rename(tmp, f)
	if got := sum(t, c, f); got != want("six") {
		t.Fatalf("renamed over: got the old sum")
	}
}

// TestRacilyCleanIsHashedAgain: a file written in the same instant as its hash is not trusted
// by its stat the next time, since a second write in that tick would leave the stat equal.
func TestRacilyCleanIsHashedAgain(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "a")
	write(t, f, "abc")
	c := Open(filepath.Join(dir, "sums.json"))
	sum(t, c, f)
	sum(t, c, f)
	if c.Hashed() != 6 {
		t.Fatalf("hashed %d bytes, want 6: a just-written file must be read again", c.Hashed())
	}
}

func TestNilCacheAndBadFiles(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "a")
	write(t, f, "x")
	var c *Cache
	if got := sum(t, c, f); got != want("x") {
		t.Fatal(got)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Sum(context.Background(), dir); err == nil {
		t.Fatal("a directory was hashed")
	}
	write(t, filepath.Join(dir, "sums.json"), "{not json")
	if got := sum(t, Open(filepath.Join(dir, "sums.json")), f); got != want("x") {
		t.Fatal("a broken cache file must be an empty cache")
	}
}

// TestNotesFollowTheContent: a verdict noted about a file holds while its content does, also
// across Save/Open, and is gone once the content changes.
func TestNotesFollowTheContent(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the stat shortcut is Linux's")
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "store.db")
	write(t, f, "pages")
	time.Sleep(30 * time.Millisecond)
	c := Open(filepath.Join(dir, "sums.json"))
	c.Note(f, "integrity_check", "ok") // not hashed yet: nothing to attach it to
	if _, ok := c.Verdict(f, "integrity_check"); ok {
		t.Fatal("a verdict noted on a file never hashed")
	}
	sum(t, c, f)
	c.Note(f, "integrity_check", "ok")
	c.Save()
	c = Open(filepath.Join(dir, "sums.json"))
	if v, ok := c.Verdict(f, "integrity_check"); !ok || v != "ok" {
		t.Fatalf("verdict after Save/Open: %q %v", v, ok)
	}
	write(t, f, "PAGES")
	time.Sleep(30 * time.Millisecond)
	if v, ok := c.Verdict(f, "integrity_check"); ok {
		t.Fatalf("verdict %q survived a change of content", v)
	}
	if c.Hashed() != 0 {
		t.Errorf("Note and Verdict read %d bytes", c.Hashed())
	}
}
