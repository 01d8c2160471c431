// Package filesum fingerprints files by content (SHA-256) and remembers each fingerprint beside
// the file's identity (device, inode, size, modification and status-change times), so that a
// file whose identity has not changed since it was hashed is not read again. That is what makes
// an unchanged re-run cheap: hashing the scale-1 exports, staging store, clean store and backup
// costs about a second, a stat microseconds.
//
// The shortcut is git's index rule: a file is taken as unchanged only when every part of its
// identity is equal and both its times are older than the moment its hash began by more than
// the file system's timestamp granularity, so a write in the same clock tick as the hash
// ("racily clean") is hashed again. Sum therefore waits out that tick (at most 10 ms) before it
// hashes a file just written, rather than leave the next run to read it again. The change time
// cannot be set by a program (touch -d sets only the modification time), and every write or
// rename moves it. Where the platform gives no inode or change time, every lookup hashes.
package filesum

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sdetl/sdetl/internal/inputfile"
)

// identity is what a stat says about a file; equal identities mean unchanged content, given
// the rule in the package comment.
type identity struct {
	Dev   uint64 `json:"dev"`
	Ino   uint64 `json:"ino"`
	Size  int64  `json:"size"`
	Mtime int64  `json:"mtime_ns"`
	Ctime int64  `json:"ctime_ns"`
}

type entry struct {
	identity
	SHA256   string `json:"sha256"`
	HashedAt int64  `json:"hashed_at_ns"` // wall clock when the hash began reading
	// Notes are verdicts about this content (Note): they live and die with its fingerprint.
	Notes map[string]string `json:"notes,omitempty"`
}

// Cache remembers fingerprints, in a JSON file. A nil *Cache remembers nothing: every Sum
// hashes. It is safe for concurrent use.
type Cache struct {
	path    string
	mu      sync.Mutex
	entries map[string]entry
	dirty   bool
	hashed  int64 // bytes read by Sum since Open
}

type cacheFile struct {
	Format  int              `json:"format"`
	Entries map[string]entry `json:"files"`
}

const format = 1

// Open reads the cache at path. A missing, unreadable or foreign file is an empty cache: the
// cache only saves work, so losing it costs one hash per file, never a wrong answer.
func Open(path string) *Cache {
	c := &Cache{path: path, entries: map[string]entry{}}
	if b, err := os.ReadFile(path); err == nil {
		var f cacheFile
		if json.Unmarshal(b, &f) == nil && f.Format == format && f.Entries != nil {
			c.entries = f.Entries
		}
	}
	return c
}

// Sum returns the SHA-256 (hex) and size of the regular file at path: from the cache when the
// file's identity says it is unchanged since it was hashed, else by reading it (stopping when
// ctx is done). Symlinks are resolved and only regular files are read (inputfile.Open).
func (c *Cache) Sum(ctx context.Context, path string) (string, int64, error) {
	if _, e, ok := c.known(path); ok {
		return e.SHA256, e.Size, nil
	}
	h := sha256.New()
	n, err := c.hash(ctx, path, h)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// SumMD5 is Sum with the file's MD5 as well, from the same read: it always reads the file
// (the cache keeps no MD5), and remembers the SHA-256 as Sum does.
func (c *Cache) SumMD5(ctx context.Context, path string) (sha, md string, n int64, err error) {
	hs, hm := sha256.New(), md5.New()
	if n, err = c.hash(ctx, path, hs, hm); err != nil {
		return "", "", 0, err
	}
	return hex.EncodeToString(hs.Sum(nil)), hex.EncodeToString(hm.Sum(nil)), n, nil
}

// hash reads path into hs (the first a SHA-256) and remembers the SHA-256 when nothing moved
// while it was read. A file written less than a clock tick ago is waited for first (at most
// the margin, 10 ms), so that the hash is one the next run can trust by a stat instead of
// reading the file again; on a file system of whole-second times it is not worth the wait.
func (c *Cache) hash(ctx context.Context, path string, hs ...hash.Hash) (int64, error) {
	key, err := filepath.Abs(path)
	if err != nil {
		return 0, err
	}
	before, statOK := stat(path)
	began := time.Now().UnixNano()
	if wait := settleWait(before, began); statOK && c != nil && wait > 0 {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(wait):
		}
		before, statOK = stat(path)
		began = time.Now().UnixNano()
	}
	n, err := inputfile.Hash(ctx, path, hs...)
	if err != nil {
		return 0, err
	}
	if c == nil {
		return n, nil
	}
	sum := hex.EncodeToString(hs[0].Sum(nil))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hashed += n
	// Remembered only when nothing moved while it was read.
	if after, ok := stat(path); statOK && ok && after == before && after.Size == n {
		e := entry{identity: before, SHA256: sum, HashedAt: began}
		if old, ok := c.entries[key]; ok && old.SHA256 == sum {
			e.Notes = old.Notes // the same content: what was found about it still holds
		}
		c.entries[key] = e
		c.dirty = true
	}
	return n, nil
}

// known returns path's cache key and entry when its stat says it is unchanged since it was
// hashed; it never reads the file.
func (c *Cache) known(path string) (string, entry, bool) {
	if c == nil {
		return "", entry{}, false
	}
	key, err := filepath.Abs(path)
	if err != nil {
		return "", entry{}, false
	}
	id, ok := stat(path)
	if !ok {
		return "", entry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.identity != id || !settled(id, e.HashedAt) {
		return "", entry{}, false
	}
	return key, e, true
}

// Note records a verdict about the current content of path under key (say, "integrity_check"
// -> "ok"), for Verdict to return while the content's fingerprint is unchanged. Only a verdict
// that depends on nothing but the file's bytes (and whatever key names) belongs here. It never
// reads the file: a file not known unchanged since a Sum gets no note.
func (c *Cache) Note(path, key, value string) { c.note(path, "", key, value) }

// NoteFor is Note for a verdict found on other bytes, a copy's, whose SHA-256 is sha: it is
// recorded only when path's known content has that very fingerprint.
func (c *Cache) NoteFor(path, sha, key, value string) {
	if sha != "" {
		c.note(path, sha, key, value)
	}
}

func (c *Cache) note(path, sha, key, value string) {
	k, e, ok := c.known(path)
	if !ok || (sha != "" && e.SHA256 != sha) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	notes := map[string]string{key: value}
	for k, v := range e.Notes {
		if k != key {
			notes[k] = v
		}
	}
	e.Notes = notes
	c.entries[k] = e
	c.dirty = true
}

// Verdict returns what Note recorded under key about path's current content. It never reads
// the file: a file not known unchanged has no verdict.
func (c *Cache) Verdict(path, key string) (string, bool) {
	_, e, ok := c.known(path)
	if !ok {
		return "", false
	}
	v, ok := e.Notes[key]
	return v, ok
}

// Hashed is how many bytes Sum read (rather than took from the cache) since Open.
func (c *Cache) Hashed() int64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hashed
}

// Save writes the cache back (temp file, rename) when Sum learned something, dropping the
// entries of files that no longer exist or have changed, so it never grows past the files it
// describes.
func (c *Cache) Save() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	for k, e := range c.entries {
		if id, ok := stat(k); !ok || id != e.identity {
			delete(c.entries, k)
		}
	}
	b, err := json.Marshal(cacheFile{Format: format, Entries: c.entries})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), "."+filepath.Base(c.path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path)
	}
	if err == nil {
		c.dirty = false
	}
	return err
}

// settled reports whether both times of id are older than hashedAt by more than the file
// system's timestamp granularity (margin).
func settled(id identity, hashedAt int64) bool {
	m := margin(id)
	return id.Mtime < hashedAt-m && id.Ctime < hashedAt-m
}

// margin is the file system's timestamp granularity as id shows it: whole seconds when neither
// time has a fraction (FAT, HFS+, ext3, many network file systems), else the kernel's coarse
// clock tick, well under 10 ms.
func margin(id identity) int64 {
	if id.Mtime%int64(time.Second) == 0 && id.Ctime%int64(time.Second) == 0 {
		return int64(2 * time.Second)
	}
	return int64(10 * time.Millisecond)
}

// settleWait is how long to wait before a hash begun at now would be settled for id: zero when
// it already is, when only whole-second times would make it wait seconds, or when a time lies
// ahead of the clock (a file from a skewed host: never trusted by its stat, so no wait helps).
func settleWait(id identity, now int64) time.Duration {
	const tick = 10 * time.Millisecond
	m := margin(id)
	if settled(id, now) || m > int64(tick) {
		return 0
	}
	wait := time.Duration(max(id.Mtime, id.Ctime)+m-now) + time.Millisecond
	if wait > tick+time.Millisecond {
		return 0
	}
	return wait
}
