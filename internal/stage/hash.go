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

type fileHash struct {
	sum  string
	size int64
}

// hashOnce is hashFile remembered in hashes: the import checks a file's hash before deciding
// how to open the store, and again when it imports the file.
func hashOnce(ctx context.Context, hashes map[string]fileHash, path string) (fileHash, error) {
	if h, ok := hashes[path]; ok {
		return h, nil
	}
	sum, size, err := hashFile(ctx, path)
	if err != nil {
		return fileHash{}, err
	}
	hashes[path] = fileHash{sum, size}
	return hashes[path], nil
}
