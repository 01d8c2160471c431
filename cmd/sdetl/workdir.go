package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/store"
)

// workdir is the work directory: every artifact's path is built here and only here.
type workdir string

const defaultWorkdir workdir = ".sdetl"

func (w workdir) String() string          { return string(w) }
func (w *workdir) Set(s string) error     { *w = workdir(s); return nil }
func (w workdir) path(name string) string { return filepath.Join(string(w), name) }
func (w workdir) stage() string           { return w.path("stage.db") }
func (w workdir) clean() string           { return w.path("clean.db") }
func (w workdir) runJSON() string         { return w.path("run.json") }
func (w workdir) report() string          { return w.path("report.html") }
func (w workdir) pg() string              { return w.path("pg") }
func (w workdir) exports() string         { return w.path("exports") }

// lock takes the work dir's lock, so two commands never write the same artifacts at once. A
// busy work dir is a failed preflight: nothing was read or written.
func (w workdir) lock() (unlock func(), err error) {
	unlock, err = store.LockDir(string(w))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", outcome.ErrPreflight, err)
	}
	return unlock, nil
}

// setup is what a command over the work dir needs first: its contract and, when it writes
// artifacts, the work dir's lock. unlock is never nil.
func (f *flags) setup(lock bool) (s *contract.Spec, unlock func(), err error) {
	if s, err = contract.Load(f.specFile); err != nil {
		return nil, nil, err
	}
	if err := f.applyEncoding(s); err != nil {
		return nil, nil, err
	}
	unlock = func() {}
	if lock {
		if unlock, err = f.work.lock(); err != nil {
			return nil, nil, err
		}
	}
	return s, unlock, nil
}

// setupDB is setup for a command that works on the database too: it also picks the DSN
// (resolveDSN). On error nothing stays locked; otherwise unlock is never nil.
func (f *flags) setupDB(ctx context.Context, e *env, lock bool) (s *contract.Spec, dsn string, unlock func(), err error) {
	if s, unlock, err = f.setup(lock); err != nil {
		return nil, "", nil, err
	}
	if dsn, err = resolveDSN(ctx, e, f); err != nil {
		unlock()
		return nil, "", nil, err
	}
	return s, dsn, unlock, nil
}

// made is what sdetl makes at the top of a work dir, and only that: purge removes these and
// nothing else.
var made = map[string]bool{"stage.db": true, "clean.db": true, "run.json": true, "report.html": true, "pg": true, "exports": true,
	"logs": true, "backups": true, "runs": true, "lock": true,
	"reuse.json": true, "sums.json": true}

// sdetlMade reports whether the top-level entry name of a work dir is one sdetl makes: its
// artifacts, their SQLite side files, and the temp files of an atomic write left by a kill.
func sdetlMade(name string) bool {
	for _, db := range []string{"stage.db", "clean.db", "run.json", "report.html", "reuse.json", "sums.json"} {
		if strings.HasPrefix(name, db+"-") || strings.HasPrefix(name, "."+db) {
			return true
		}
	}
	return made[name]
}

// exportsMade reports whether every file of the exports dir is one the demo's generator wrote.
func exportsMade(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	truth := false
	for _, e := range ents {
		n := e.Name()
		base := strings.TrimPrefix(strings.SplitN(n, ".", 2)[0], ".")
		switch {
		case n == "truth.json":
			truth = true
		case !e.Type().IsRegular():
			return fmt.Errorf("%s is not a file the generator wrote", filepath.Join(dir, n))
		case slices.Contains([]string{"tickets", "comments", "timesheets", "roster"}, base) || strings.HasPrefix(n, ".truth.json"):
		default:
			return fmt.Errorf("%s is not a file the generator wrote", filepath.Join(dir, n))
		}
	}
	if !truth && len(ents) > 0 {
		return fmt.Errorf("%s holds no truth.json: not the demo's generated exports", dir)
	}
	return nil
}

// purge removes everything sdetl made in the work dir, then the dir itself. It removes nothing
// when the dir holds anything sdetl did not make (it says what), so it never deletes a user's
// files; the caller holds the lock and has stopped the local PostgreSQL.
func (w workdir) purge() (removed int64, err error) {
	ents, err := os.ReadDir(string(w))
	if err != nil {
		return 0, err
	}
	for _, e := range ents {
		if !sdetlMade(e.Name()) {
			return 0, fmt.Errorf("purge: refused, %s holds %s, which sdetl did not make (move it away, or remove the work dir yourself)", w, e.Name())
		}
	}
	if _, err := os.Stat(w.exports()); err == nil {
		if err := exportsMade(w.exports()); err != nil {
			return 0, fmt.Errorf("purge: refused, %w", err)
		}
	}
	if fi, err := os.Stat(w.pg()); err == nil && fi.IsDir() {
		if _, err := os.Stat(filepath.Join(w.pg(), "data", "PG_VERSION")); err != nil {
			if ents, _ := os.ReadDir(w.pg()); len(ents) > 0 {
				return 0, fmt.Errorf("purge: refused, %s is not a PostgreSQL cluster sdetl made", w.pg())
			}
		}
	}
	for _, e := range ents {
		p := w.path(e.Name())
		removed += duSize(p)
		if e.Name() == "lock" {
			continue // last: the caller holds it
		}
		if err := os.RemoveAll(p); err != nil {
			return removed, fmt.Errorf("purge: %w", err)
		}
	}
	os.Remove(w.path("lock"))
	return removed, os.Remove(string(w))
}

// duSize is the bytes of the files under path.
func duSize(path string) (n int64) {
	filepath.WalkDir(path, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
