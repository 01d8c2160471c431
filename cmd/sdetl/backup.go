package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/backup"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/filesum"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
)

// bookkeepingSchema is where sdetl records what it owns; a PostgreSQL backup includes it so a
// restore brings the ownership records with the schema.
const bookkeepingSchema = "sdetl"

func (w workdir) backups() string { return w.path("backups") }

func cmdBackup(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "backup", "[stage|pg|all] | list | verify ID | prune --keep N [--max-age D] [flags]",
		"Back up the staging store (a byte copy in one read transaction, integrity_check, row counts,\n"+
			"SHA-256 and MD5) and/or the live PostgreSQL schema (pg_dump -Fc, checked with pg_restore\n"+
			"--list), each with a JSON manifest, files 0600, in <workdir>/backups or --dir.\n"+
			"  stage     the staging store (the default)\n"+
			"  pg        the contract's schema and sdetl's bookkeeping schema\n"+
			"  all       both\n"+
			"  list      the tool's backups, newest first\n"+
			"  verify    check a backup's size, hashes and contents against its manifest\n"+
			"  prune     delete the tool's backups beyond the --keep newest per kind or older than --max-age").withWorkdir().withSpec().withJSON().withPG()
	dir := f.String("dir", "", "backup directory `DIR` (default <workdir>/backups)")
	verifyRestore := f.Bool("verify-restore", false, "pg: restore the dump into a scratch database and compare every table's rows and row hash")
	keep := f.Int("keep", -1, "prune: keep the `N` newest backups of each kind")
	maxAge := f.String("max-age", "", "prune: also delete backups older than `D` (e.g. 720h, 30d)")
	action, args := splitAction(args)
	if wantsHelp(action, args) {
		args = []string{"--help"}
	}
	files, err := f.withFiles().parse(args)
	if err != nil {
		return err
	}
	if *dir == "" {
		*dir = f.work.backups()
	}
	switch action {
	case "", "stage", "pg", "all":
		if len(files) > 0 {
			return usageError{fmt.Sprintf("backup: unexpected argument %q", files[0])}
		}
		s, unlock, err := f.setup(true)
		if err != nil {
			return err
		}
		defer unlock()
		var made []*backup.Manifest
		if action != "pg" {
			m, err := backup.Stage(ctx, f.work.stage(), *dir, backup.Meta{ToolVersion: versionLine()})
			if err != nil {
				return err
			}
			made = append(made, m)
		}
		if action == "pg" || action == "all" {
			dsn, err := resolveDSN(ctx, e, f)
			if err != nil {
				return err
			}
			m, err := backupPostgres(ctx, s, dsn, *dir)
			if err != nil {
				return err
			}
			made = append(made, m)
			if *verifyRestore {
				scratch := "sdetl_verify_" + strconv.FormatInt(time.Now().UnixNano(), 36)
				if err := backup.RestoreScratch(ctx, dsn, *dir, m, scratch, false); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "sdetl: %s restored into a scratch database: every table's rows and row hash match (dropped)\n", m.File)
			}
		}
		return printManifests(e.stdout, f.json, *dir, made)
	case "list":
		all, err := backup.List(*dir)
		if err != nil {
			return err
		}
		return printManifests(e.stdout, f.json, *dir, all)
	case "verify":
		if len(files) != 1 {
			return usageError{"backup verify: want one backup id or manifest (sdetl backup list)"}
		}
		m, mdir, err := backup.Find(*dir, files[0])
		if err != nil {
			return err
		}
		if err := backup.Verify(ctx, mdir, m); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: ok (%d bytes, sha256 %s)\n", m.DataPath(mdir), m.Bytes, m.SHA256)
		return nil
	case "prune":
		if *keep < 0 {
			return usageError{"backup prune: --keep N is required"}
		}
		age, err := parseAge(*maxAge)
		if err != nil {
			return usageError{"backup prune: --max-age: " + err.Error()}
		}
		_, unlock, err := f.setup(true)
		if err != nil {
			return err
		}
		defer unlock()
		gone, err := backup.Prune(*dir, *keep, age, time.Now())
		for _, m := range gone {
			fmt.Fprintf(e.stdout, "deleted %s and its manifest (%s backup of %s)\n", m.DataPath(*dir), m.Kind, m.Created.Format(time.RFC3339))
		}
		if len(gone) == 0 && err == nil {
			fmt.Fprintln(e.stdout, "nothing to prune")
		}
		return err
	}
	return usageError{"backup: want stage, pg, all, list, verify or prune (see sdetl help backup)"}
}

// backupPostgres dumps the contract's schema and the bookkeeping schema.
func backupPostgres(ctx context.Context, s *contract.Spec, dsn, dir string) (*backup.Manifest, error) {
	sf, err := postgres.Probe(ctx, dsn, pgProbeTimeout)
	if err != nil {
		return nil, err
	}
	// Measured before the dump: a swap in between makes the restore refuse (fail closed).
	fp, err := postgres.Fingerprint(ctx, dsn, s)
	if err != nil {
		return nil, err
	}
	return backup.Postgres(ctx, dsn, []string{s.Schema, bookkeepingSchema}, dir,
		backup.Meta{ToolVersion: versionLine(), ServerVersion: sf.Version, Source: sf.Target, Fingerprint: fp})
}

func cmdRestore(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "restore", "ID|MANIFEST [--dir DIR] [--into DB] [flags]",
		"Restore a backup after verifying it against its manifest (a corrupt file is refused, named).\n"+
			"  staging backup     replaces <workdir>/stage.db with a byte-identical copy of the backup\n"+
			"  PostgreSQL backup  makes the backup live through a new generation and the swap, like a run:\n"+
			"                     pg_restore into a scratch database (dropped afterwards), every table's rows\n"+
			"                     and row hash checked against the manifest, copied into a new generation,\n"+
			"                     reconciled with the copy, granted, swapped in; a ledger entry (kind restore)\n"+
			"                     that sdetl rollback undoes. With --into DB: only into that NEW database,\n"+
			"                     the live schema not touched").withWorkdir().withSpec().withJSON().withPG().withFiles()
	dir := f.String("dir", "", "backup directory `DIR` (default <workdir>/backups)")
	into := f.String("into", "", "PostgreSQL: restore into the new database `DB` instead, leaving the live schema alone")
	var mig migrateFlags
	f.withMigrate(&mig, false)
	f.IntVar(&mig.keep, "keep", 2, "previous generations to retain for rollback; older ones are dropped after the swap")
	f.BoolVar(&mig.force, "force", false, "restore even when the live schema already holds exactly the backup's rows")
	files, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usageError{"restore: want one backup id or manifest (sdetl backup list)"}
	}
	if *dir == "" {
		*dir = f.work.backups()
	}
	m, mdir, err := backup.Find(*dir, files[0])
	if err != nil {
		return err
	}
	switch {
	case m.Kind == backup.KindStage:
		unlock, err := f.work.lock()
		if err != nil {
			return err
		}
		defer unlock()
		if err := backup.RestoreStage(ctx, mdir, m, f.work.stage()); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "restored %s from %s (sha256 %s, identical)\n", f.work.stage(), m.DataPath(mdir), m.SHA256)
	case *into != "":
		dsn, err := resolveDSN(ctx, e, f)
		if err != nil {
			return err
		}
		if err := backup.RestoreScratch(ctx, dsn, mdir, m, *into, true); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "restored %s into the new database %s (schemas %s; rows and row hashes match the backup); the live schema was not touched\n",
			m.DataPath(mdir), *into, strings.Join(m.Schemas, ", "))
	default:
		return restoreLive(ctx, e, f, &mig, mdir, m)
	}
	return nil
}

// restoreLive makes a PostgreSQL backup live through a new generation and the swap, as a run
// of kind restore in the ledger.
func restoreLive(ctx context.Context, e *env, f *flags, mig *migrateFlags, dir string, m *backup.Manifest) (err error) {
	s, dsn, unlock, err := f.setupDB(ctx, e, true)
	if err != nil {
		return err
	}
	defer unlock()
	run, err := postgres.BeginRun(ctx, dsn, s, "restore", mig.lockWait)
	if err != nil {
		return err
	}
	for _, line := range run.Recovered {
		fmt.Fprintf(e.stderr, "sdetl: %s\n", line)
	}
	var score *quality.Report
	p := newProgress(e, "restore")
	res, err := backup.RestoreLive(ctx, dir, m, postgres.RestoreOptions{Run: run, Force: mig.force, GrantRoles: mig.grantRoles, Keep: mig.keep,
		LockTimeout: mig.lockTimeout, SwapRetries: mig.swapRetries, BeforeSwap: scoreBeforeSwap(s, nil, &score), Phase: p.setPhase})
	p.finish(err)
	// The dump is the generation's input: sdetl generations shows it with its SHA-256.
	status, d := postgres.StatusOK, &postgres.RunDetails{Counts: map[string]any{"backup": m.ID}, Scores: map[string]float64{},
		Inputs: []postgres.InputFile{{Table: "(backup)", Path: m.DataPath(dir), SHA256: m.SHA256}}}
	switch {
	case err != nil:
		status = postgres.StatusFailed
	case res.NothingToDo:
		status = postgres.StatusNothing
	}
	if score != nil {
		d.Scores["postgres"] = score.Composite
	}
	if res != nil {
		d.Counts["loaded"], d.Timings = res.Tables, res.Seconds
	}
	if ferr := run.Finish(ctx, status, d, err); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	if f.json {
		return printReport(ctx, e.stdout, res, nil)
	}
	if res.NothingToDo {
		fmt.Fprintf(e.stdout, "nothing to do: schema %s already holds exactly the rows of %s (--force restores a new generation anyway)\n", s.Schema, m.ID)
		return nil
	}
	for _, t := range res.Tables {
		fmt.Fprintf(e.stdout, "%-11s %10d rows\n", t.Table, t.Rows)
	}
	fmt.Fprintf(e.stdout, "restored %s as generation %s (run %d) and made it live as %s at %s in %s; rows and row hashes match the backup\n",
		m.DataPath(dir), res.Generation, run.ID, s.Schema, describeDSN(dsn), res.Duration.Round(time.Millisecond))
	if sw := res.Swap; sw != nil && sw.From != "" {
		fmt.Fprintf(e.stdout, "the previous live schema is retained as %s (sdetl rollback undoes this restore)\n", sw.From)
	}
	for _, x := range res.Warnings {
		fmt.Fprintf(e.stdout, "warning: %s\n", x)
	}
	return nil
}

func printManifests(w io.Writer, asJSON bool, dir string, ms []*backup.Manifest) error {
	if asJSON {
		if ms == nil {
			ms = []*backup.Manifest{}
		}
		return printJSON(w, ms)
	}
	for _, m := range ms {
		var rows int64
		for _, n := range m.Rows {
			rows += n
		}
		fmt.Fprintf(w, "%s  %-8s %s  %d bytes  %d rows  sha256 %s\n", m.Created.Format(time.RFC3339), m.Kind, m.DataPath(dir), m.Bytes, rows, m.SHA256)
	}
	return nil
}

// parseAge reads a duration, with d for days ("30d").
func parseAge(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n * 24 * float64(time.Hour)), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a duration (e.g. 720h or 30d)", s)
	}
	return v, nil
}

// makeStageBackup backs the staging store up into dir before a run's load, so the store a run
// loaded from can be restored. The copy is hashed through the work dir's fingerprints, so the
// next run finds it verified by a stat; and since a copy with the store's own SHA-256 is the
// store byte for byte, the copy's passed integrity_check is remembered for the store too, so
// the next preflight need not read it again.
func makeStageBackup(ctx context.Context, w workdir, dir, stageSHA string, sums *filesum.Cache) (*backup.Manifest, error) {
	m, err := backup.Stage(ctx, w.stage(), dir, backup.Meta{ToolVersion: versionLine(), SourceSHA256: stageSHA,
		Hash: func(ctx context.Context, path string) (backup.Digest, error) {
			sha, md, n, err := sums.SumMD5(ctx, path)
			return backup.Digest{Bytes: n, SHA256: sha, MD5: md}, err
		}})
	if err != nil {
		return nil, fmt.Errorf("backup before the load: %w", err)
	}
	if m.Integrity == "ok" && m.SHA256 == stageSHA {
		sums.NoteFor(w.stage(), m.SHA256, integrityKey(ctx, sums), "ok")
	}
	return m, nil
}
