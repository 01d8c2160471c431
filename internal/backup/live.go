package backup

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sdetl/sdetl/internal/pgtools"
	"github.com/sdetl/sdetl/internal/postgres"
)

// RestoreLive makes a PostgreSQL backup the live schema through a new generation and the swap,
// under the run r (kind "restore", holding the contract's lock): verify the file against its
// manifest (size, SHA-256, MD5, pg_restore --list); pg_restore only the contract's schema into a
// scratch database the run records and drops (also when interrupted; the next run's start if
// the process died); check every table's row count and row hash there against the manifest;
// then postgres.RestoreGeneration copies it into a generation, reconciles, grants and swaps.
// Until the swap nothing live changes. o.Run and o.Scratch are filled in here.
func RestoreLive(ctx context.Context, dir string, m *Manifest, o postgres.RestoreOptions) (res *postgres.LoadResult, err error) {
	r := o.Run
	schema := r.Spec.Schema
	if m.Kind != KindPostgres {
		return nil, fmt.Errorf("backup %s is a %s backup, not PostgreSQL's", m.ID, m.Kind)
	}
	if !slices.Contains(m.Schemas, schema) {
		return nil, fmt.Errorf("restore refused: backup %s holds schemas %s, not the contract's schema %s", m.DataPath(dir), strings.Join(m.Schemas, ", "), schema)
	}
	if err := Verify(ctx, dir, m); err != nil {
		return nil, fmt.Errorf("restore refused: %w", err)
	}
	tool, err := pgtools.Find(ctx, "pg_restore")
	if err != nil {
		return nil, err
	}
	phase := func(p string) {
		if o.Phase != nil {
			o.Phase(p)
		}
	}
	phase("pg_restore into a scratch database")
	sc, err := r.CreateScratch(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if derr := sc.Drop(ctx); derr != nil && err == nil {
			err = fmt.Errorf("restore done, but %w (the next run drops it)", derr)
		}
	}()
	if err := sc.CreateSchema(ctx, schema); err != nil {
		return nil, err
	}
	env, err := postgres.ClientEnv(r.DSN, sc.Name)
	if err != nil {
		return nil, err
	}
	// Only the contract's schema: the bookkeeping schema in the dump is the past's ledger, and
	// the live one goes on recording. Owners and grants are the target's (--grant-role).
	if err := runTool(ctx, tool.Path, env, "--no-password", "--no-owner", "--no-privileges", "--exit-on-error",
		"-n", schema, "-d", sc.Name, m.DataPath(dir)); err != nil {
		return nil, fmt.Errorf("restore of %s: %w", m.DataPath(dir), err)
	}
	phase("checking the restored copy against the manifest")
	got, err := postgres.Digests(ctx, r.DSN, sc.Name, []string{schema})
	if err != nil {
		return nil, err
	}
	for k, want := range m.Rows {
		if !strings.HasPrefix(k, schema+".") {
			continue
		}
		g, ok := got[k]
		if !ok || g.Rows != want || g.MD5 != m.RowHashes[k] {
			return nil, fmt.Errorf("restore refused: %s restored %s with %d rows (hash %s), its manifest says %d (hash %s); live is unchanged",
				m.DataPath(dir), k, g.Rows, g.MD5, want, m.RowHashes[k])
		}
		delete(got, k)
	}
	for k := range got {
		return nil, fmt.Errorf("restore refused: %s restored table %s, which its manifest does not list; live is unchanged", m.DataPath(dir), k)
	}
	o.Scratch, o.Fingerprint = sc, m.Fingerprint
	return postgres.RestoreGeneration(ctx, o)
}
