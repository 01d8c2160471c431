package backup

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/pgtools"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/store"
)

// Postgres dumps the given schemas of dsn's database with pg_dump -Fc into dir (temporary
// name, 0600, rename), checks the dump with pg_restore --list, and records each table's row
// count and row hash. The DSN reaches pg_dump through the environment only.
func Postgres(ctx context.Context, dsn string, schemas []string, dir string, meta Meta) (_ *Manifest, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	dump, err := pgtools.Find(ctx, "pg_dump")
	if err != nil {
		return nil, err
	}
	env, err := postgres.ClientEnv(dsn, "")
	if err != nil {
		return nil, err
	}
	now := time.Now()
	m := &Manifest{Tool: toolName, Format: manifestFormat, ID: newID(KindPostgres, now), Kind: KindPostgres, Created: now.UTC(),
		Source: meta.Source, Schemas: schemas, ToolVersion: meta.ToolVersion, ServerVersion: meta.ServerVersion, DumpVersion: dump.Version,
		Fingerprint: meta.Fingerprint}
	m.File = m.ID + ".dump"
	defer func() { err = store.Full(err, m.DataPath(dir)) }()
	tmp := filepath.Join(dir, "."+m.File+".tmp")
	defer os.Remove(tmp)
	args := []string{"-Fc", "--no-password", "-f", tmp}
	for _, s := range schemas {
		args = append(args, "-n", s)
	}
	if err := runTool(ctx, dump.Path, env, args...); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return nil, err
	}
	if _, err := listDump(ctx, tmp); err != nil {
		return nil, err
	}
	digests, err := postgres.Digests(ctx, dsn, "", schemas)
	if err != nil {
		return nil, err
	}
	m.Rows, m.RowHashes = map[string]int64{}, map[string]string{}
	for k, d := range digests {
		m.Rows[k], m.RowHashes[k] = d.Rows, d.MD5
	}
	d, err := hashFile(tmp)
	if err != nil {
		return nil, err
	}
	if err := seal(dir, tmp, m, d); err != nil {
		return nil, err
	}
	dropCache(m.DataPath(dir)) // synced by pg_dump; read again only by a restore
	return m, nil
}

// listDump runs pg_restore --list: a dump it cannot read is corrupt.
func listDump(ctx context.Context, path string) (string, error) {
	r, err := pgtools.Find(ctx, "pg_restore")
	if err != nil {
		return "", err
	}
	out, err := exec.CommandContext(ctx, r.Path, "--list", path).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("backup %s is corrupt: pg_restore --list: %v %s", path, err, msg)
	}
	return string(out), nil
}

// RestoreScratch verifies a PostgreSQL backup, restores it into a new database named db on
// dsn's server, and compares every table's row count and row hash with the manifest. The
// live schema is not touched: the database is new. keep false drops it afterwards (a test
// restore); true leaves it for the operator.
func RestoreScratch(ctx context.Context, dsn, dir string, m *Manifest, db string, keep bool) error {
	if m.Kind != KindPostgres {
		return fmt.Errorf("backup %s is a %s backup, not PostgreSQL's", m.ID, m.Kind)
	}
	if err := Verify(ctx, dir, m); err != nil {
		return fmt.Errorf("restore refused: %w", err)
	}
	r, err := pgtools.Find(ctx, "pg_restore")
	if err != nil {
		return err
	}
	env, err := postgres.ClientEnv(dsn, db)
	if err != nil {
		return err
	}
	drop, err := postgres.CreateScratchDB(ctx, dsn, db)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !keep || !ok {
			drop(context.Background())
		}
	}()
	if err := runTool(ctx, r.Path, env, "--no-password", "--no-owner", "--exit-on-error", "-d", db, m.DataPath(dir)); err != nil {
		return err
	}
	got, err := postgres.Digests(ctx, dsn, db, m.Schemas)
	if err != nil {
		return err
	}
	if len(got) != len(m.Rows) {
		return fmt.Errorf("restore of %s: %d tables, the manifest has %d", m.ID, len(got), len(m.Rows))
	}
	for k, want := range m.Rows {
		if g := got[k]; g.Rows != want || g.MD5 != m.RowHashes[k] {
			return fmt.Errorf("restore of %s: %s has %d rows (hash %s), the backup had %d (hash %s)", m.ID, k, g.Rows, g.MD5, want, m.RowHashes[k])
		}
	}
	ok = true
	return nil
}

func runTool(ctx context.Context, path string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", filepath.Base(path), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
