package backup

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/sdetl/sdetl/internal/store"
)

// Stage backs up the staging store at src into dir: a byte-for-byte copy under a temporary
// name, made inside one read transaction with the source's row counts (store.CopyFile), made
// 0600 and renamed into place, then checked (integrity_check, row counts equal to the source's)
// while it is hashed (meta.Hash); the manifest is written last, so a backup without one was
// never finished and is not the tool's (a failed check removes the file). The copy is hashed
// under its final name, not before the rename, so the hash is of the file as it will stay: a
// rename moves the change time, and a caller's fingerprint taken before it would not be trusted.
func Stage(ctx context.Context, src, dir string, meta Meta) (_ *Manifest, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	now := time.Now()
	m := &Manifest{Tool: toolName, Format: manifestFormat, ID: newID(KindStage, now), Kind: KindStage, Created: now.UTC(),
		Source: src, SourceSHA256: meta.SourceSHA256, ToolVersion: meta.ToolVersion}
	m.File = m.ID + ".db"
	final := m.DataPath(dir)
	defer func() { err = store.Full(err, final) }()
	tmp := filepath.Join(dir, "."+m.File+".tmp")
	defer os.Remove(tmp)
	want, err := store.CopyFile(ctx, src, tmp)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return nil, err
	}
	if err := publish(tmp, final); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.Remove(final)
		}
	}()
	hash := meta.Hash
	if hash == nil {
		hash = func(_ context.Context, path string) (Digest, error) { return hashFile(path) }
	}
	// The checks and the hashes each read the whole copy: on two cores at once.
	var d Digest
	var herr error
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		d, herr = hash(ctx, final)
	}()
	err = checkCopy(ctx, src, final, m, want)
	<-hashed
	if err != nil {
		return nil, err
	}
	if herr != nil {
		return nil, herr
	}
	m.Bytes, m.SHA256, m.MD5 = d.Bytes, d.SHA256, d.MD5
	if err := writeManifest(dir, m); err != nil {
		return nil, err
	}
	dropCache(final)
	return m, nil
}

// checkCopy runs integrity_check on the copy and compares its row counts with the source's,
// recording both in m.
func checkCopy(ctx context.Context, src, tmp string, m *Manifest, want map[string]int64) error {
	var err error
	if m.Integrity, err = store.IntegrityCheck(ctx, tmp); err != nil {
		return err
	}
	if m.Integrity != "ok" {
		return fmt.Errorf("backup of %s: the copy fails integrity_check: %s", src, m.Integrity)
	}
	if m.Rows, err = store.RowCounts(ctx, tmp); err != nil {
		return err
	}
	if !maps.Equal(m.Rows, want) {
		return fmt.Errorf("backup of %s: the copy's row counts %v differ from the store's %v", src, m.Rows, want)
	}
	return nil
}

// publish renames a finished temporary file into place and syncs the directory, so the
// name appears only for a complete file and survives a crash.
func publish(tmp, final string) error {
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(final))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Verify checks a backup against its manifest: the data file's size and both hashes, then
// for a staging backup integrity_check and the row counts, for a PostgreSQL one
// pg_restore --list. Any difference is an error naming the file.
func Verify(ctx context.Context, dir string, m *Manifest) error {
	path := m.DataPath(dir)
	if err := checkDigest(path, m); err != nil {
		return err
	}
	switch m.Kind {
	case KindStage:
		res, err := store.IntegrityCheck(ctx, path)
		if err != nil {
			return fmt.Errorf("backup %s: %w", path, err)
		}
		if res != "ok" {
			return fmt.Errorf("backup %s fails integrity_check: %s", path, res)
		}
		rows, err := store.RowCounts(ctx, path)
		if err != nil {
			return fmt.Errorf("backup %s: %w", path, err)
		}
		if !maps.Equal(rows, m.Rows) {
			return fmt.Errorf("backup %s: row counts %v, its manifest says %v", path, rows, m.Rows)
		}
	case KindPostgres:
		if _, err := listDump(ctx, path); err != nil {
			return err
		}
	default:
		return fmt.Errorf("backup %s: unknown kind %q", path, m.Kind)
	}
	return nil
}

// RestoreStage verifies a staging backup, then puts a copy at dst (temporary name, fsync,
// rename) and checks the result's hashes against the manifest: the restored store is
// byte-identical to the backup. The caller holds the work dir's lock.
func RestoreStage(ctx context.Context, dir string, m *Manifest, dst string) error {
	if m.Kind != KindStage {
		return fmt.Errorf("backup %s is a %s backup, not the staging store's", m.ID, m.Kind)
	}
	if err := Verify(ctx, dir, m); err != nil {
		return fmt.Errorf("restore refused: %w", err)
	}
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".restore-tmp")
	defer os.Remove(tmp)
	if err := copyFile(m.DataPath(dir), tmp); err != nil {
		return err
	}
	if err := checkDigest(tmp, m); err != nil {
		return fmt.Errorf("restore refused: the copy differs: %w", err)
	}
	return publish(tmp, dst)
}

func copyFile(src, dst string) error {
	b, err := os.Open(src)
	if err != nil {
		return err
	}
	defer b.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := out.ReadFrom(b); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// seal records the finished file's size and hashes in m, moves it to its final name and writes
// the manifest last, so a manifest always names a complete, hashed file.
func seal(dir, tmp string, m *Manifest, d Digest) error {
	m.Bytes, m.SHA256, m.MD5 = d.Bytes, d.SHA256, d.MD5
	if err := publish(tmp, m.DataPath(dir)); err != nil {
		return err
	}
	if err := writeManifest(dir, m); err != nil {
		os.Remove(m.DataPath(dir))
		return err
	}
	return nil
}
