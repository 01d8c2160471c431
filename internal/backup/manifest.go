// Package backup makes, verifies, restores and prunes sdetl's backups: the staging store (a
// byte-for-byte copy made inside one SQLite read transaction) and the live PostgreSQL schemas
// (pg_dump custom format). Every backup is a data file plus a JSON manifest beside it (what,
// when, size, SHA-256 and MD5, row counts, versions); a backup exists for the tool only
// through its manifest, so prune deletes exactly what the tool made and nothing a glob would
// also match.
package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/store"
)

// Kinds of backup.
const (
	KindStage    = "stage"
	KindPostgres = "postgres"
)

// manifestFormat identifies the manifest layout; Tool marks a manifest as sdetl's.
const (
	manifestFormat = 1
	toolName       = "sdetl"
	manifestSuffix = ".manifest.json"
)

// Manifest describes one backup. It never holds a DSN or a password: the database is
// described by its redacted target only.
type Manifest struct {
	Tool    string    `json:"tool"`
	Format  int       `json:"format"`
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	Created time.Time `json:"created"`
	File    string    `json:"file"` // the data file's name, in the manifest's directory
	Bytes   int64     `json:"bytes"`
	SHA256  string    `json:"sha256"`
	MD5     string    `json:"md5"`
	Source  string    `json:"source"` // the store's path, or the redacted database target
	// SourceSHA256 is the staging store's own SHA-256 when it was copied (the copy's bytes
	// differ: VACUUM INTO compacts), so a run can tell that this store is already backed up.
	SourceSHA256 string            `json:"source_sha256,omitempty"`
	Schemas      []string          `json:"schemas,omitempty"`
	Rows         map[string]int64  `json:"rows"`                 // per table ("schema.table" for PostgreSQL)
	RowHashes    map[string]string `json:"row_hashes,omitempty"` // PostgreSQL: md5 of each table's rows, sorted
	Integrity    string            `json:"integrity,omitempty"`  // staging: integrity_check of the copy
	// Fingerprint is PostgreSQL's: the reconciliation fingerprint (every measure of the
	// reconciliation, row hashes included) of the contract's schema when it was dumped.
	Fingerprint   string `json:"fingerprint,omitempty"`
	ToolVersion   string `json:"tool_version"`
	ServerVersion string `json:"server_version,omitempty"`
	DumpVersion   string `json:"pg_dump_version,omitempty"`
}

// Meta is what the caller knows of the context: versions and where the data came from.
type Meta struct {
	ToolVersion, ServerVersion, Source string
	SourceSHA256                       string // staging: the store's SHA-256, when the caller knows it
	Fingerprint                        string // PostgreSQL: the live schema's reconciliation fingerprint
	// Hash reads a staging backup's data file for its digest (nil: read and hashed here); a
	// run hashes it through its file fingerprints, so the next run knows it by a stat.
	Hash func(ctx context.Context, path string) (Digest, error)
}

func newID(kind string, now time.Time) string {
	return fmt.Sprintf("sdetl-%s-%s", kind, now.UTC().Format("20060102T150405.000000Z"))
}

// ManifestPath is where a backup's manifest lives.
func ManifestPath(dir, id string) string { return filepath.Join(dir, id+manifestSuffix) }

// DataPath is the manifest's data file.
func (m *Manifest) DataPath(dir string) string { return filepath.Join(dir, m.File) }

func writeManifest(dir string, m *Manifest) error {
	return store.WriteFile(ManifestPath(dir, m.ID), 0o600, false, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	})
}

// ReadManifest reads one manifest; one not made by sdetl is an error.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: not a backup manifest: %w", path, err)
	}
	if m.Tool != toolName || m.Format != manifestFormat || m.ID+manifestSuffix != filepath.Base(path) ||
		m.File == "" || filepath.Base(m.File) != m.File {
		return nil, fmt.Errorf("%s: not an sdetl backup manifest", path)
	}
	return &m, nil
}

// List returns the tool's backups in dir, newest first. Files that are not sdetl manifests
// are not backups and are left out; a directory that does not exist holds none.
func List(dir string) ([]*Manifest, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Manifest
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), manifestSuffix) {
			continue
		}
		if m, err := ReadManifest(filepath.Join(dir, e.Name())); err == nil {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b *Manifest) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// Find resolves a backup by id, manifest path or data file path.
func Find(dir, ref string) (*Manifest, string, error) {
	if strings.HasSuffix(ref, manifestSuffix) {
		m, err := ReadManifest(ref)
		return m, filepath.Dir(ref), err
	}
	all, err := List(dir)
	if err != nil {
		return nil, "", err
	}
	for _, m := range all {
		if m.ID == ref || m.File == filepath.Base(ref) {
			return m, dir, nil
		}
	}
	return nil, "", fmt.Errorf("no sdetl backup %q in %s (sdetl backup list)", ref, dir)
}
