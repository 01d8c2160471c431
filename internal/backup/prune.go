package backup

import (
	"errors"
	"os"
	"time"
)

// Prune deletes the tool's backups in dir beyond the keep newest (per kind) or older than
// maxAge (0: no age limit), and returns what it deleted. Only files a manifest names are
// deleted, the data file first and the manifest last, so an interrupted prune leaves a
// manifest (which verify reports) rather than an orphan nobody claims.
func Prune(dir string, keep int, maxAge time.Duration, now time.Time) (deleted []*Manifest, err error) {
	all, err := List(dir)
	if err != nil {
		return nil, err
	}
	seen := map[string]int{}
	for _, m := range all { // newest first
		seen[m.Kind]++
		old := maxAge > 0 && now.Sub(m.Created) > maxAge
		if seen[m.Kind] <= keep && !old {
			continue
		}
		if err := os.Remove(m.DataPath(dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return deleted, err
		}
		if err := os.Remove(ManifestPath(dir, m.ID)); err != nil {
			return deleted, err
		}
		deleted = append(deleted, m)
	}
	return deleted, nil
}
