package backup

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/sdetl/sdetl/internal/inputfile"
)

// Digest is a file's size and both hashes: SHA-256 to trust, MD5 because the tools operators
// already have (object stores' ETags, md5sum in old runbooks) speak it.
type Digest struct {
	Bytes       int64
	SHA256, MD5 string
}

// hashFile reads the file once for both hashes (inputfile.Hash: MD5, the slower, on a
// goroutine of its own, so on two cores the pair costs what MD5 alone does).
func hashFile(path string) (Digest, error) {
	hs, hm := sha256.New(), md5.New()
	n, err := inputfile.Hash(context.Background(), path, hs, hm)
	if err != nil {
		return Digest{}, fmt.Errorf("hash: %w", err)
	}
	return Digest{Bytes: n, SHA256: hex.EncodeToString(hs.Sum(nil)), MD5: hex.EncodeToString(hm.Sum(nil))}, nil
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
