package main

import (
	"fmt"
	"path/filepath"

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
	unlock = func() {}
	if lock {
		if unlock, err = f.work.lock(); err != nil {
			return nil, nil, err
		}
	}
	return s, unlock, nil
}
