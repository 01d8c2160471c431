package backup

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// digest is a file's size and both hashes: SHA-256 to trust, MD5 because the tools operators
// already have (object stores' ETags, md5sum in old runbooks) speak it.
type digest struct {
	Bytes       int64
	SHA256, MD5 string
}

func hashFile(path string) (digest, error) {
	f, err := os.Open(path)
	if err != nil {
		return digest{}, err
	}
	defer f.Close()
	s, m := sha256.New(), md5.New()
	n, err := io.Copy(io.MultiWriter(s, m), f)
	if err != nil {
		return digest{}, fmt.Errorf("hash %s: %w", path, err)
	}
	return digest{Bytes: n, SHA256: hex.EncodeToString(s.Sum(nil)), MD5: hex.EncodeToString(m.Sum(nil))}, nil
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
