package backup

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
)

// digest is a file's size and both hashes: SHA-256 to trust, MD5 because the tools operators
// already have (object stores' ETags, md5sum in old runbooks) speak it.
type digest struct {
	Bytes       int64
	SHA256, MD5 string
}

// hashFile reads the file twice at once, one goroutine per hash: MD5 is the slower of the two,
// and on two cores the pair costs what MD5 alone does.
func hashFile(path string) (digest, error) {
	var d digest
	sums := make([]string, 2)
	sizes := make([]int64, 2)
	errs := make([]error, 2)
	done := make(chan struct{})
	for i, h := range []hash.Hash{sha256.New(), md5.New()} {
		go func() {
			defer func() { done <- struct{}{} }()
			f, err := os.Open(path)
			if err != nil {
				errs[i] = err
				return
			}
			defer f.Close()
			if sizes[i], err = io.Copy(h, f); err != nil {
				errs[i] = fmt.Errorf("hash %s: %w", path, err)
				return
			}
			sums[i] = hex.EncodeToString(h.Sum(nil))
		}()
	}
	<-done
	<-done
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if sizes[0] != sizes[1] {
		return d, fmt.Errorf("hash %s: it changed while it was read (%d and %d bytes)", path, sizes[0], sizes[1])
	}
	return digest{Bytes: sizes[0], SHA256: sums[0], MD5: sums[1]}, nil
}

// checkDigest compares a file with its manifest, naming the file on a mismatch.
func checkDigest(path string, m *Manifest) error {
	d, err := hashFile(path)
	if err != nil {
		return err
	}
	switch {
	case d.Bytes != m.Bytes:
		return fmt.Errorf("backup %s is corrupt: %d bytes, its manifest says %d", path, d.Bytes, m.Bytes)
	case d.SHA256 != m.SHA256:
		return fmt.Errorf("backup %s is corrupt: SHA-256 %s, its manifest says %s", path, d.SHA256, m.SHA256)
	case d.MD5 != m.MD5:
		return fmt.Errorf("backup %s is corrupt: MD5 %s, its manifest says %s", path, d.MD5, m.MD5)
	}
	return nil
}
