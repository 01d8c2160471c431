package store

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes a small artifact (a report, a contract, an export) the way the stores are
// written: to a temporary file beside path, fsynced, given perm, then renamed into place, so a
// reader sees the old file or the new one, never a part. With replace false an existing path is
// never replaced, even one created meanwhile (a hard link fails where a rename would replace).
func WriteFile(path string, perm os.FileMode, replace bool, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err != nil {
		return Full(fmt.Errorf("%s: %w", path, err), path)
	}
	if replace {
		err = os.Rename(tmp.Name(), path)
	} else if err = os.Link(tmp.Name(), path); errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists: %w", path, os.ErrExist)
	} else if err != nil {
		// No hard links on this file system: check, then rename (a narrow race, only here).
		if _, serr := os.Lstat(path); serr == nil {
			return fmt.Errorf("%s exists: %w", path, os.ErrExist)
		}
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return err
	}
	return syncFile(dir)
}
