package filesum

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
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

// TestRacilyCleanIsHashedAgain: an entry hashed in the same instant as the file's last write
// is not trusted by its stat, since a second write in that tick would leave the stat equal.
func TestRacilyCleanIsHashedAgain(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the stat shortcut is Linux's")
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "a")
	write(t, f, "abc")
	id, _ := stat(f)
	key, _ := filepath.Abs(f)
	c := Open(filepath.Join(dir, "sums.json"))
	c.entries[key] = entry{identity: id, SHA256: want("abc"), HashedAt: id.Mtime} // racily clean
	if got := sum(t, c, f); got != want("abc") || c.Hashed() != 3 {
		t.Fatalf("a racily clean entry was trusted: %s, hashed %d", got, c.Hashed())
	}
}

// TestJustWrittenIsHashedSettled: a file hashed right after its last write is hashed once the
// write is a clock tick old, so the next lookup trusts its stat; a change made right after
// that hash, of the same size and with the modification time put back, is still seen.
func TestJustWrittenIsHashedSettled(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the stat shortcut is Linux's")
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "a")
	write(t, f, "abc")
	c := Open(filepath.Join(dir, "sums.json"))
	sum(t, c, f)
	if got := sum(t, c, f); got != want("abc") || c.Hashed() != 3 {
		t.Fatalf("a file hashed settled was read again: %s, hashed %d", got, c.Hashed())
	}
	key, _ := filepath.Abs(f)
	if e := c.entries[key]; !settled(e.identity, e.HashedAt) {
		t.Fatalf("entry not settled: %+v", e)
	}
	fi, _ := os.Stat(f)
	write(t, f, "xyz")
	if err := os.Chtimes(f, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if got := sum(t, c, f); got != want("xyz") {
		t.Fatal("a same-size change right after the hash, mtime put back: got the old sum")
	}
}

func TestSettleWait(t *testing.T) {
	now := time.Now().UnixNano()
	recent := identity{Mtime: now - int64(3*time.Millisecond), Ctime: now - int64(2*time.Millisecond)}
	if w := settleWait(recent, now); w <= 8*time.Millisecond || w > 11*time.Millisecond {
		t.Errorf("2 ms old: wait %v, want about 9 ms", w)
	}
	if w := settleWait(identity{Mtime: now - int64(time.Second), Ctime: now - int64(time.Second)}, now); w != 0 {
		t.Errorf("a second old: wait %v", w)
	}
	whole := now - now%int64(time.Second)
	if w := settleWait(identity{Mtime: whole, Ctime: whole}, whole+int64(time.Millisecond)); w != 0 {
		t.Errorf("whole-second times: wait %v, want none (seconds would be needed)", w)
	}
	if w := settleWait(identity{Mtime: now + int64(time.Hour), Ctime: now}, now); w != 0 {
		t.Errorf("a time ahead of the clock: wait %v", w)
	}
}

// TestSumMD5: both hashes from one read, the SHA-256 remembered as Sum's.
func TestSumMD5(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "a")
	text := strings.Repeat("backup pages ", 300000) // several read blocks
	write(t, f, text)
	c := Open(filepath.Join(dir, "sums.json"))
	sha, m, n, err := c.SumMD5(context.Background(), f)
	wm := md5.Sum([]byte(text))
	if err != nil || sha != want(text) || m != hex.EncodeToString(wm[:]) || n != int64(len(text)) {
		t.Fatalf("SumMD5: %s %s %d %v", sha, m, n, err)
	}
	if runtime.GOOS == "linux" {
		if got := sum(t, c, f); got != sha || c.Hashed() != n {
			t.Fatalf("Sum after SumMD5 read again: hashed %d", c.Hashed())
		}
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
	// NoteFor: a verdict found on a copy holds only for the content of the copy's fingerprint.
	sum(t, c, f)
	c.NoteFor(f, want("pages"), "integrity_check", "ok")
	if _, ok := c.Verdict(f, "integrity_check"); ok {
		t.Fatal("a verdict about other bytes was noted")
	}
	c.NoteFor(f, want("PAGES"), "integrity_check", "ok")
	if v, ok := c.Verdict(f, "integrity_check"); !ok || v != "ok" {
		t.Fatalf("a copy's verdict on the same bytes: %q %v", v, ok)
	}
}
