// Package store owns the SQLite artifact files the pipeline writes (stage.db, clean.db): they
// are built under a temporary name with journaling off (nothing else reads them yet), fsynced,
// and renamed into place, so a reader sees the old file or the complete new one, never a
// partial one. It also opens finished artifacts read-only, and runs the stages' per-row
// inserts through SQLite's C API on the driver's connection (RawConn, rawstmt.go).
package store

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // pure-Go SQLite driver: CGO_ENABLED=0 builds
)

// Builder is an artifact being written.
type Builder struct {
	DB     *sql.DB
	path   string // final name
	tmp    string // name while building
	done   bool
	closed bool // DB is closed (Close): the file is complete

	ahead    sync.WaitGroup // the SyncAhead flushes running
	aheadMu  sync.Mutex
	aheadErr error // the first SyncAhead failure: Commit fails with it
}

// SyncAhead starts flushing what has been written so far to disk, on a goroutine of its own,
// so Commit's fsync has only the rest to wait for: a builder calls it once the artifact is
// written (Close) while it is still checked, or once a large part is. It changes nothing a
// reader sees. Commit waits for every flush and fails if one did: a write error an fsync
// reported is not reported again to the fsync Commit makes on a file opened after it, so it
// must not be lost here.
func (b *Builder) SyncAhead() {
	b.ahead.Add(1)
	go func() {
		defer b.ahead.Done()
		if err := syncFile(b.tmp); err != nil {
			b.aheadMu.Lock()
			if b.aheadErr == nil {
				b.aheadErr = fmt.Errorf("%s: %w", b.path, err)
			}
			b.aheadMu.Unlock()
		}
	}()
}

// Create starts building the artifact at path from nothing. Until Commit the file lives at a
// temporary name next to it; Abort (or a crash) leaves the old file untouched. Temporary files
// a killed run left behind are removed first: callers hold the work dir's lock (see LockDir),
// so no other run can be writing them.
func Create(ctx context.Context, path string) (*Builder, error) {
	return build(ctx, path, false)
}

// Update starts building a new version of the artifact at path from a copy of the current one
// (or from nothing if there is none); the current file stays untouched until Commit.
func Update(ctx context.Context, path string) (b *Builder, existed bool, err error) {
	_, err = os.Stat(path)
	existed = err == nil
	b, err = build(ctx, path, existed)
	return b, existed, err
}

func build(ctx context.Context, path string, copyOld bool) (*Builder, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")); len(stale) > 0 {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	if copyOld {
		err = copyInto(f, path)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	db, err := open(tmp, "journal_mode(OFF)", "synchronous(OFF)", "locking_mode(EXCLUSIVE)", "temp_store(FILE)", "cache_size(-16384)")
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	db.SetMaxOpenConns(1) // one connection: temp tables and ATTACH stay visible
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Builder{DB: db, path: path, tmp: tmp}, nil
}

func copyInto(dst *os.File, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = io.Copy(dst, in)
	return err
}

// Close closes the database once everything is written, before Commit: the file at Temp is
// then complete, for read-only connections (OpenReadOnly) to check before it is committed.
func (b *Builder) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	return b.DB.Close()
}

// Temp is the file being built, under its temporary name.
func (b *Builder) Temp() string { return b.tmp }

// Commit closes the database, fsyncs it (once every SyncAhead has finished) and renames it
// into place.
func (b *Builder) Commit() error {
	if b.done {
		return fmt.Errorf("%s: already finished", b.path)
	}
	b.done = true
	err := b.Close()
	b.ahead.Wait()
	if err != nil {
		os.Remove(b.tmp)
		return fmt.Errorf("%s: %w", b.path, err)
	}
	if b.aheadErr != nil {
		os.Remove(b.tmp)
		return b.aheadErr
	}
	if err := syncFile(b.tmp); err != nil {
		os.Remove(b.tmp)
		return err
	}
	if err := os.Rename(b.tmp, b.path); err != nil {
		os.Remove(b.tmp)
		return err
	}
	return syncFile(filepath.Dir(b.path))
}

// Abort discards the artifact being built. It is safe after Commit (then a no-op).
func (b *Builder) Abort() {
	if b.done {
		return
	}
	b.done = true
	b.Close()
	b.ahead.Wait()
	os.Remove(b.tmp)
}

// OpenReadOnly opens a finished artifact; it fails if the file does not exist.
func OpenReadOnly(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	db, err := open(path, "query_only(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func open(path string, pragmas ...string) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Add("_pragma", "busy_timeout(5000)")
	return sql.Open("sqlite", "file:"+path+"?"+q.Encode())
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Quote quotes an SQLite identifier (column names like "TKT-Job#/Ref#").
func Quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
