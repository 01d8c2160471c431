package store

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"
)

type sqliteErr struct{ code int }

func (e sqliteErr) Error() string {
	if e.code&0xff == 13 {
		return "database or disk is full (13)"
	}
	return fmt.Sprintf("SQL logic error (%d)", e.code)
}
func (e sqliteErr) Code() int { return e.code }

// TestFull: the ways a full disk shows up are all named with the file; others pass through.
func TestFull(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/stage.db"
	for _, err := range []error{
		&fs.PathError{Op: "write", Path: path + ".tmp-1", Err: syscall.ENOSPC},
		fmt.Errorf("import: %w", sqliteErr{13}),
		sqliteErr{13 | 3<<8},
		errors.New("pg_dump: exit status 1: pg_dump: error: could not write to output file: No space left on device"),
	} {
		got := Full(err, path)
		var df *DiskFullError
		if !errors.As(got, &df) || df.Path != path || !strings.HasPrefix(got.Error(), "disk full: writing "+path) || !errors.Is(got, err) {
			t.Errorf("Full(%v) = %v", err, got)
		}
		if again := Full(fmt.Errorf("outer: %w", got), "/elsewhere"); !errors.As(again, &df) || df.Path != path {
			t.Errorf("a second Full renamed the file: %v", again)
		}
	}
	for _, err := range []error{nil, errors.New("no such table"), sqliteErr{1}, syscall.EACCES} {
		if got := Full(err, path); got != err {
			t.Errorf("Full(%v) = %v, want it unchanged", err, got)
		}
	}
}
