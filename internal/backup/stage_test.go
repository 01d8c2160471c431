package backup_test

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/backup"
	"github.com/sdetl/sdetl/internal/store"
)

// smallStore writes a store with two tables, returning its path.
func smallStore(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "stage.db")
	b, err := store.Create(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	for _, q := range []string{
		`CREATE TABLE a (x INTEGER, y TEXT)`,
		`CREATE TABLE b (z TEXT)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO a SELECT i, printf('row %d of a, with some text to fill pages', i) FROM n`,
		`INSERT INTO b VALUES ('one'), ('two')`,
	} {
		if _, err := b.DB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStageBackupIsAVerifiedCopy: the backup is the store byte for byte, its manifest's hashes
// are the file's, its row counts the store's, and Verify accepts it.
func TestStageBackupIsAVerifiedCopy(t *testing.T) {
	ctx := context.Background()
	work := t.TempDir()
	src := smallStore(t, work)
	dir := filepath.Join(work, "backups")
	m, err := backup.Stage(ctx, src, dir, backup.Meta{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(src)
	got, err := os.ReadFile(m.DataPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(orig) {
		t.Error("the backup is not a byte-for-byte copy of the store")
	}
	sh, md := sha256.Sum256(got), md5.Sum(got)
	if m.SHA256 != hex.EncodeToString(sh[:]) || m.MD5 != hex.EncodeToString(md[:]) || m.Bytes != int64(len(got)) {
		t.Errorf("manifest digest %d %s %s, not the file's", m.Bytes, m.SHA256, m.MD5)
	}
	if m.Integrity != "ok" || m.Rows["a"] != 3000 || m.Rows["b"] != 2 {
		t.Errorf("manifest integrity %q rows %v", m.Integrity, m.Rows)
	}
	if fi, err := os.Stat(m.DataPath(dir)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode %v (%v), want 0600", fi.Mode(), err)
	}
	if err := backup.Verify(ctx, dir, m); err != nil {
		t.Error(err)
	}
}

// TestStageBackupRefusesACorruptStore: a store SQLite finds malformed gives no backup, and
// nothing is left in the backup directory.
func TestStageBackupRefusesACorruptStore(t *testing.T) {
	ctx := context.Background()
	work := t.TempDir()
	src := smallStore(t, work)
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// Break the pointers of table a's pages, past the schema page, so the file still opens.
	for i := 4096 + 8; i < len(b)-4096; i += 4096 {
		b[i], b[i+1] = 0xff, 0xff
	}
	if err := os.WriteFile(src, b, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "backups")
	if _, err := backup.Stage(ctx, src, dir, backup.Meta{}); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("backup of a corrupt store: %v, want it refused as malformed", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("a refused backup left %v", left)
	}
}

// TestStageBackupOfAWALStore: a store in WAL mode, with commits still in its WAL file, is
// backed up with them (its main file alone would miss them).
func TestStageBackupOfAWALStore(t *testing.T) {
	ctx := context.Background()
	work := t.TempDir()
	src := smallStore(t, work)
	db, err := sql.Open("sqlite", "file:"+src+"?_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `INSERT INTO b VALUES ('three')`); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "backups")
	m, err := backup.Stage(ctx, src, dir, backup.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows["b"] != 3 {
		t.Errorf("backup rows %v, want b: 3 (the WAL's commit)", m.Rows)
	}
	if err := backup.Verify(ctx, dir, m); err != nil {
		t.Error(err)
	}
}
