package stage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/sdetl/sdetl/internal/inputfile"
)

// hashFile returns the SHA-256 and size of a regular file, stopping when ctx is done: it is the
// first read of every export, so a FIFO or /dev/zero must be refused here, not hang it.
func hashFile(ctx context.Context, path string) (string, int64, error) {
	f, err := inputfile.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, inputfile.Reader(ctx, f))
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", inputfile.Display(path), err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

type fileSum struct {
	sha  string
	size int64
}

// sums fingerprints each export once per import, through Options.Sum when set.
type sums struct {
	sum func(context.Context, string) (string, int64, error)
	got map[string]fileSum
}

func (s *sums) of(ctx context.Context, path string) (string, int64, error) {
	if f, ok := s.got[path]; ok {
		return f.sha, f.size, nil
	}
	hash := s.sum
	if hash == nil {
		hash = hashFile
	}
	sha, n, err := hash(ctx, path)
	if err != nil {
		return "", 0, err
	}
	s.got[path] = fileSum{sha, n}
	return sha, n, nil
}
