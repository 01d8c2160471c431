package stage

import (
	"context"

	"github.com/sdetl/sdetl/internal/inputfile"
)

type fileHash struct {
	sum  string
	size int64
}

// hashOnce is inputfile.SHA256 remembered in hashes: the import checks a file's hash before deciding
// how to open the store, and again when it imports the file.
func hashOnce(ctx context.Context, hashes map[string]fileHash, path string) (fileHash, error) {
	if h, ok := hashes[path]; ok {
		return h, nil
	}
	sum, size, err := inputfile.SHA256(ctx, path)
	if err != nil {
		return fileHash{}, err
	}
	hashes[path] = fileHash{sum, size}
	return hashes[path], nil
}
