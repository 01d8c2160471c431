package stage

import (
	"context"

	"github.com/sdetl/sdetl/internal/inputfile"
)

type fileHash struct {
	sum  string
	size int64
}

// fileHashes hashes each file once per import: the import checks a file's hash before deciding
// how to open the store, and again when it imports the file.
type fileHashes struct {
	sum  func(ctx context.Context, path string) (string, int64, error) // Options.Sum, or a plain read
	seen map[string]fileHash
}

func newFileHashes(sum func(context.Context, string) (string, int64, error)) *fileHashes {
	if sum == nil {
		sum = inputfile.SHA256
	}
	return &fileHashes{sum: sum, seen: map[string]fileHash{}}
}

func (h *fileHashes) of(ctx context.Context, path string) (fileHash, error) {
	if f, ok := h.seen[path]; ok {
		return f, nil
	}
	sum, size, err := h.sum(ctx, path)
	if err != nil {
		return fileHash{}, err
	}
	h.seen[path] = fileHash{sum, size}
	return h.seen[path], nil
}
