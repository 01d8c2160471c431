package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/exports"
	"github.com/sdetl/sdetl/internal/filesum"
	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/pgtools"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/preflight"
	"github.com/sdetl/sdetl/internal/store"
)

// pgProbeTimeout bounds the preflight connection: an unreachable server is found in seconds.
const pgProbeTimeout = 2500 * time.Millisecond

func cmdPreflight(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "preflight", "[--exports DIR] [--strict] [flags]",
		"Check, before a run touches anything, that it can succeed here: free disk against the run's\n"+
			"estimated need, memory, PostgreSQL (reachable, version, privileges, clock), pg_dump and\n"+
			"pg_restore, the exports' headers, the staging store's integrity and the work-dir lock.\n"+
			"Exit 0 when every check passes or only warns (3 with --strict), 3 on any FAIL.").withWorkdir().withSpec().withJSON().withPG()
	exportsDir := f.String("exports", "", "directory holding the exports to check (default: do not check inputs)")
	strict := f.Bool("strict", false, "a WARN fails too (exit 3)")
	if _, err := f.parse(args); err != nil {
		return err
	}
	s, err := contract.Load(f.specFile)
	if err != nil {
		return err
	}
	dsn, err := resolveDSN(ctx, e, f)
	if err != nil {
		return err
	}
	r := preflightReport(ctx, s, f.work, *exportsDir, dsn, filesum.Open(f.work.sumsJSON()), false) // read, never saved: the run owns the cache
	if f.json {
		printJSON(e.stdout, r)
	} else {
		printPreflight(e.stdout, r)
	}
	return preflightErr(r, *strict)
}

// preflightErr is the report's verdict as an error wrapping outcome.ErrPreflight (exit 3),
// every problem on the one line.
func preflightErr(r *preflight.Report, strict bool) error {
	if r.OK(strict) {
		return nil
	}
	return fmt.Errorf("%w: %s", outcome.ErrPreflight, strings.Join(r.Problems(strict), "; "))
}

// runPreflight is the first step of sdetl run: a FAIL stops the run before anything is read
// or written; warnings are shown on stderr and the run goes on.
func runPreflight(ctx context.Context, e *env, s *contract.Spec, w workdir, exportsDir, dsn string, sums *filesum.Cache) error {
	r := preflightReport(ctx, s, w, exportsDir, dsn, sums, true)
	if err := preflightErr(r, false); err != nil {
		return err
	}
	for _, p := range r.Problems(true) {
		fmt.Fprintf(e.stderr, "sdetl: preflight WARN %s\n", p)
	}
	return nil
}

func printPreflight(w io.Writer, r *preflight.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSTATUS\tDETAIL")
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Name, c.Status, c.Detail)
		if c.Fix != "" {
			fmt.Fprintf(tw, "\t\tfix: %s\n", c.Fix)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d checks: %d failed, %d warned\n", len(r.Checks), r.Failed, r.Warned)
}

// preflightReport probes the machine and judges it. The probes only read (the lock is taken
// and released at once; the privilege test is rolled back); the judging is preflight's. What
// depends only on a file's bytes (the staging store's integrity_check, an export's header
// against the contract) is remembered with the file's fingerprint in sums, so an unchanged
// file is not read again. A run's preflight also fingerprints the exports it matches (hash),
// the import's first read of them, so that their verdicts can be remembered.
func preflightReport(ctx context.Context, s *contract.Spec, w workdir, exportsDir, dsn string, sums *filesum.Cache, hash bool) *preflight.Report {
	return preflight.Evaluate(probeFacts(ctx, s, w, exportsDir, dsn, sums, hash), preflight.DefaultLimits())
}

// probeFacts gathers the facts; the slow probes (hashing this binary and the exports, opening
// them, PostgreSQL, the client programs' --version) mostly wait on I/O or another process, and
// none needs another's fact, so they run at once: a run's preflight took the sum of their times
// (0.2 s on the event log, 0.45 s at scale 1, for half that in CPU). The facts are the same as
// probed one after another, in the same places, and every probe's failure is still its Fact's.
func probeFacts(ctx context.Context, s *contract.Spec, w workdir, exportsDir, dsn string, sums *filesum.Cache, hash bool) preflight.Facts {
	f := preflight.Facts{WorkDir: string(w), NeedsDB: true, NeedsInputs: exportsDir != ""}
	// This build's identity (a hash of the executable) keys the remembered verdicts, of the
	// staging store and of the exports alike: taken once, on its own goroutine, while the
	// exports are hashed.
	stage, stageErr := os.Stat(w.stage())
	needTool := f.NeedsInputs || stageErr == nil
	tool := goAhead(func() (string, error) {
		if !needTool {
			return "", nil // nothing to look a verdict up for: 35 MB not read for nothing
		}
		return toolIdentity(ctx, sums), nil
	})
	var wg sync.WaitGroup
	spawn := func(fn func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn()
		}()
	}
	spawn(func() { f.DB, f.LocalNow = probeDB(ctx, dsn) })
	f.Tools = make([]preflight.Tool, 2)
	for i, name := range []string{"pg_dump", "pg_restore"} {
		spawn(func() {
			t, err := pgtools.Find(ctx, name)
			f.Tools[i] = preflight.Tool{Name: t.Name, Path: t.Path, Major: t.Major, Version: t.Version, Err: err}
		})
	}
	existing := nearestExisting(string(w))
	f.WorkDirErr = probeWritable(existing)
	f.FreeDisk, f.DiskErr = health.FreeDisk(existing)
	f.MemAvail, f.MemErr = health.MemAvailable()
	if existing == string(w) && f.WorkDirErr == nil {
		if unlock, err := store.LockDir(string(w)); err != nil {
			f.LockHeld = true
		} else {
			unlock()
		}
	}
	if stageErr == nil {
		f.StageBytes = stage.Size()
		f.Stage = preflight.Store{Path: w.stage(), Exists: true}
		spawn(func() { f.Stage.Result, f.Stage.Err = integrityCheck(ctx, w.stage(), sums, tool) })
	} else {
		f.Stage = preflight.Store{Path: w.stage()}
	}
	if st, err := os.Stat(w.clean()); err == nil {
		f.CleanBytes = st.Size()
	}
	if abs, err := filepath.Abs(w.pg()); err == nil && dsn != "" && strings.Contains(dsn, abs) {
		f.LocalPGDir = true
	}
	if f.NeedsInputs {
		f.Inputs = probeInputs(ctx, s, exportsDir, sums, hash, tool)
	}
	wg.Wait()
	tool.get() // nothing is left running when the facts are returned
	return f
}

// probeDB also returns our clock's reading taken when the server's was read.
func probeDB(ctx context.Context, dsn string) (preflight.DB, time.Time) {
	sf, err := postgres.Probe(ctx, dsn, pgProbeTimeout)
	d := preflight.DB{Target: sf.Target, Err: err}
	if err != nil {
		return d, time.Now()
	}
	d.Elapsed, d.VersionNum, d.Version = sf.Elapsed, sf.VersionNum, sf.Version
	d.CreateErr, d.GrantErr = sf.CreateErr, sf.GrantErr
	d.ServerNow, d.RoundTrip, d.ClockProbeErr = sf.ServerNow, sf.RoundTrip, sf.ClockErr
	return d, sf.LocalNow
}

// probeInputs opens every export the run would import and matches its header row against
// its table, as import will (the same iterator reads the same header); with hash, a file not
// fingerprinted yet is, so that a match can be remembered with its fingerprint. The exports
// are probed at once, each on its own goroutine (hashing and unzipping them is most of a
// preflight's CPU, and there are cores to spare), their results kept in the contract's order.
func probeInputs(ctx context.Context, s *contract.Spec, dir string, sums *filesum.Cache, hash bool, tool *ahead[string]) []preflight.Input {
	paths, err := exports.Paths(s, dir, nil)
	if err != nil {
		return []preflight.Input{{Path: dir, Err: err}}
	}
	contractSum, err := specFingerprint(s)
	if err != nil {
		return []preflight.Input{{Path: dir, Err: err}}
	}
	var out []preflight.Input
	var tables []*contract.Table
	for _, t := range s.Tables {
		if p, ok := paths[t.Name]; ok {
			out = append(out, preflight.Input{Table: t.Name, Path: p})
			tables = append(tables, t)
		}
	}
	var wg sync.WaitGroup
	for i, t := range tables { // out is complete: &out[i] stays valid
		wg.Add(1)
		go func() {
			defer wg.Done()
			probeInput(ctx, t, &out[i], contractSum, sums, hash, tool)
		}()
	}
	wg.Wait()
	return out
}

// probeInput is one export's: a header that matched is remembered with the file's
// fingerprint, under this build's identity (a verdict of another build is not this one's).
func probeInput(ctx context.Context, t *contract.Table, in *preflight.Input, contractSum string, sums *filesum.Cache, hash bool, tool *ahead[string]) {
	p := in.Path
	if st, err := os.Stat(p); err == nil {
		in.Bytes = st.Size()
	}
	// The fingerprint is taken before the remembered verdict is looked up, so that it overlaps
	// the executable's hash: for a file known unchanged it is a stat, and a verdict is only
	// ever found for a file known unchanged. The import asks for the same fingerprint next,
	// then by a stat.
	if hash {
		sums.Sum(ctx, p)
	}
	id, _ := tool.get()
	verdict := "header matches:" + t.Name + ":" + contractSum + ":" + id
	if format, ok := sums.Verdict(p, verdict); ok {
		in.Format = format
		return
	}
	ef, err := exports.ReadHeader(ctx, p, exports.Limits{}, t.Encoding)
	if err != nil {
		in.Err = err
		return
	}
	in.Format = ef.Format
	if _, err := t.MatchHeaders(ef.Header); err != nil {
		in.Err = fmt.Errorf("%s: %w", p, err)
	} else {
		sums.Note(p, verdict, in.Format)
	}
}

// nearestExisting is dir, or its closest ancestor that exists: where the work dir would be
// created, whose file system and permissions are the ones that count.
func nearestExisting(dir string) string {
	d := dir
	for {
		if _, err := os.Stat(d); err == nil || errors.Is(err, os.ErrPermission) {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return d
		}
		d = parent
	}
}

// probeWritable writes and removes a file in dir: permissions, a read-only mount and a
// full inode table all show up only when a write is tried.
func probeWritable(dir string) error {
	fh, err := os.CreateTemp(dir, ".sdetl-preflight-*")
	if err != nil {
		return err
	}
	name := fh.Name()
	_, werr := fh.Write([]byte("x"))
	cerr := fh.Close()
	os.Remove(name)
	return errors.Join(werr, cerr)
}

// busy fails (as a preflight failure) when another process holds an existing work dir's
// lock; it creates nothing, and releases the lock at once when it was free.
func (w workdir) busy() error {
	if _, err := os.Stat(w.path("lock")); err != nil {
		return nil // no lock file: nobody can hold it
	}
	unlock, err := store.LockDir(string(w))
	if err != nil {
		return fmt.Errorf("%w: %w", outcome.ErrPreflight, err)
	}
	unlock()
	return nil
}

// integrityCheck is the staging store's integrity_check, or its remembered "ok" while the
// store's bytes are those that passed it with this build (and its SQLite) of the tool: the
// check reads every page, 0.5 s at scale 1.
func integrityCheck(ctx context.Context, path string, sums *filesum.Cache, tool *ahead[string]) (string, error) {
	id, _ := tool.get()
	key := integrityKeyOf(id)
	if v, ok := sums.Verdict(path, key); ok && v == "ok" {
		return v, nil
	}
	r, err := store.IntegrityCheck(ctx, path)
	if err == nil && r == "ok" {
		sums.Note(path, key, r)
	}
	return r, err
}

// integrityKey names a passed integrity_check in the fingerprints: by this build's SQLite.
func integrityKey(ctx context.Context, sums *filesum.Cache) string {
	return integrityKeyOf(toolIdentity(ctx, sums))
}

func integrityKeyOf(tool string) string { return "integrity_check:" + tool }
