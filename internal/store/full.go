package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
)

// DiskFullError is a write that failed because the file system holding Path is full (ENOSPC,
// a quota, or SQLite's SQLITE_FULL). Its message names the file and the file system's free
// space now, in one line: the operator must learn what filled up, not "database or disk is full".
type DiskFullError struct {
	Path string // the file being written (its final name)
	Err  error
}

func (e *DiskFullError) Error() string {
	free := "unknown"
	var st syscall.Statfs_t
	if syscall.Statfs(filepath.Dir(e.Path), &st) == nil {
		free = fmt.Sprintf("%d KiB", st.Bavail*uint64(st.Bsize)>>10)
	}
	return fmt.Sprintf("disk full: writing %s, the file system holding %s ran out of space (%s free now; %v); nothing half-written was kept and the previous %s is as it was: free space there or use a --workdir on a larger disk, then run again",
		e.Path, filepath.Dir(e.Path), free, e.Err, filepath.Base(e.Path))
}

func (e *DiskFullError) Unwrap() error { return e.Err }

// Full returns err as a *DiskFullError naming path when err means the disk is full, else err.
// An error already naming its file is kept.
func Full(err error, path string) error {
	var df *DiskFullError
	if err == nil || errors.As(err, &df) || !IsFull(err) {
		return err
	}
	return &DiskFullError{Path: path, Err: err}
}

// IsFull reports whether err means the file system is full.
func IsFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) && coded.Code()&0xff == 13 { // SQLITE_FULL, and its extended codes
		return true
	}
	// Tools (pg_dump) report it only in words.
	s := err.Error()
	return strings.Contains(s, "database or disk is full") || strings.Contains(s, "No space left on device") || strings.Contains(s, "no space left on device")
}
