package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/exports"
	"github.com/sdetl/sdetl/internal/pgcluster"
	"github.com/sdetl/sdetl/internal/synth"
)

// The pipeline benchmark: `sdetl run` as a user runs it (a process of its own, every judgement
// included, against a fresh database each time), on the event-log fixture and on the synthetic
// XLSX exports at 1x, 2x and 4x the reference size (and optionally the raw volumes), beside the
// typed `psql \copy` floor and pgloader, in one invocation.

func pipelineUsage(w io.Writer) {
	fmt.Fprint(w, `usage: sdetl-bench pipeline [-runs 3] [-scales 1,2,4] [-raw] [-eventlog-rows 120000] [-sdetl PATH] [-json FILE] [-dry-run] [-cpuprofile DIR]
       sdetl-bench eventlog -out DIR [-rows N] [-seed S]

pipeline  times sdetl run (a child process: wall time and peak RSS) on the event-log
          fixture (`+eventLogFile+`, contract drafted by sdetl spec init) and on the
          synthetic XLSX exports at each -scales, each -runs times into a fresh database,
          plus the unchanged re-run after the first; on the event log also psql \copy of
          the file into the same typed table (the floor) and pgloader, -runs times each;
          on the scale-1 exports the \copy floor of the loaded rows. -raw adds the scale-1
          raw exports (1.59M rows read). -dry-run also runs sdetl run --dry-run first on
          every input and compares its estimate with the real runs. Medians and ratios on
          stdout (markdown); -json FILE writes every run. -cpuprofile DIR writes the CPU
          profile of each timed sdetl run into DIR (SDETL_CPUPROFILE): merged, they are
          cmd/sdetl/default.pgo, the profile go build optimises sdetl with (docs/benchmarks.md).
eventlog  writes the fixture alone.
`)
}

// pipeRun is one timed process.
type pipeRun struct {
	Seconds   float64            `json:"seconds"`
	MaxRSSMB  float64            `json:"peak_rss_mb"`
	Stages    map[string]float64 `json:"stages,omitempty"`    // sdetl: run.json's seconds per stage
	RowsRead  int64              `json:"rows_read,omitempty"` // sdetl: rows its import read
	Nothing   bool               `json:"nothing_to_do,omitempty"`
	Estimated float64            `json:"estimated_seconds,omitempty"` // a dry run's whole-run estimate
	Load      string             `json:"load_average"`
}

// pipeInput is one input and what was measured on it.
type pipeInput struct {
	Name     string    `json:"name"`
	Rows     int64     `json:"rows_read"`
	Bytes    int64     `json:"bytes"`
	Sdetl    []pipeRun `json:"sdetl"`
	Rerun    []pipeRun `json:"unchanged_rerun,omitempty"`
	DryRun   []pipeRun `json:"dry_run,omitempty"`
	Floor    []pipeRun `json:"copy_floor,omitempty"`
	Pgloader []pipeRun `json:"pgloader,omitempty"`
	Notes    []string  `json:"notes,omitempty"`
}

type pipeReport struct {
	Date      string       `json:"date"`
	GoVersion string       `json:"go_version"`
	NumCPU    int          `json:"nproc"`
	CPUModel  string       `json:"cpu_model,omitempty"`
	Postgres  string       `json:"postgresql_version"`
	Pgloader  string       `json:"pgloader_version,omitempty"`
	LoadStart string       `json:"load_average_start"`
	LoadEnd   string       `json:"load_average_end"`
	Inputs    []*pipeInput `json:"inputs"`
}

type pipeConfig struct {
	runs      int
	scales    []float64
	raw       bool
	eventRows int
	sdetl     string
	dryRun    bool
	profDir   string // where each timed run's CPU profile goes ("": none)
	logf      func(string, ...any)
}

func benchPipeline(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { pipelineUsage(stderr) }
	cfg := pipeConfig{logf: func(f string, a ...any) { fmt.Fprintf(stderr, "sdetl-bench pipeline: "+f+"\n", a...) }}
	fs.IntVar(&cfg.runs, "runs", 3, "timed runs of each tool on each input")
	scales := fs.String("scales", "1,2,4", "synthetic XLSX export sizes, comma-separated (1 = the reference quarter)")
	fs.BoolVar(&cfg.raw, "raw", false, "also the scale-1 raw exports (out-of-scope rows up to the raw volumes)")
	fs.IntVar(&cfg.eventRows, "eventlog-rows", eventLogRows, "events in the event-log fixture (0: none)")
	fs.StringVar(&cfg.sdetl, "sdetl", "", "the sdetl binary (default: go build github.com/sdetl/sdetl/cmd/sdetl)")
	fs.BoolVar(&cfg.dryRun, "dry-run", false, "also time sdetl run --dry-run and compare its estimate with the real runs")
	fs.StringVar(&cfg.profDir, "cpuprofile", "", "write each timed sdetl run's CPU profile into this directory")
	jsonOut := fs.String("json", "", "write the full report (every run) to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	for _, f := range strings.Split(*scales, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v <= 0 {
			fmt.Fprintf(stderr, "sdetl-bench pipeline: -scales: %q is not a positive number\n", f)
			return 2
		}
		cfg.scales = append(cfg.scales, v)
	}
	if cfg.profDir != "" {
		if err := os.MkdirAll(cfg.profDir, 0o755); err != nil {
			fmt.Fprintln(stderr, "sdetl-bench pipeline: -cpuprofile:", err)
			return 1
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := runPipelineBench(ctx, cfg)
	if rep != nil {
		writePipelineMarkdown(stdout, rep)
		if *jsonOut != "" {
			b, _ := json.MarshalIndent(rep, "", "  ")
			if werr := os.WriteFile(*jsonOut, b, 0o644); werr != nil && err == nil {
				err = werr
			}
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "sdetl-bench pipeline:", err)
		return 1
	}
	return 0
}

func runPipelineBench(ctx context.Context, cfg pipeConfig) (rep *pipeReport, err error) {
	rep = &pipeReport{Date: time.Now().Format(time.RFC3339), GoVersion: runtime.Version(), NumCPU: runtime.NumCPU(),
		CPUModel: cpuModel(), LoadStart: loadAvg()}
	defer func() {
		if rep != nil { // an early error returns none
			rep.LoadEnd = loadAvg()
		}
	}()
	tmp, err := os.MkdirTemp("", "sdetl-bench-pipeline-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(tmp)
	if os.Geteuid() == 0 { // the server runs as another user, who must reach tmp/pg
		if err := os.Chmod(tmp, 0o711); err != nil {
			return nil, err
		}
	}
	if cfg.sdetl == "" {
		cfg.sdetl = filepath.Join(tmp, "sdetl")
		cfg.logf("building sdetl")
		if err := buildSdetl(ctx, cfg.sdetl); err != nil {
			return rep, err
		}
	}
	c, err := pgcluster.New(filepath.Join(tmp, "pg"))
	if err != nil {
		return nil, err
	}
	cfg.logf("starting PostgreSQL in %s", c.Dir)
	if err := c.Init(ctx); err != nil {
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	defer func() {
		if serr := c.Stop(context.Background()); serr != nil && err == nil {
			err = serr
		}
	}()
	if err := c.CreateDatabase(ctx, "bench"); err != nil {
		return nil, err
	}
	admin, err := pgx.Connect(ctx, c.DSN("bench"))
	if err != nil {
		return nil, err
	}
	defer admin.Close(context.Background())
	if err := admin.QueryRow(ctx, "SHOW server_version").Scan(&rep.Postgres); err != nil {
		return nil, err
	}
	pgloader, lookErr := exec.LookPath("pgloader")
	if lookErr == nil {
		rep.Pgloader = toolVersion(ctx, pgloader, "--version")
	}
	psql, _ := exec.LookPath("psql")
	b := &pipeBench{cfg: cfg, c: c, admin: admin, tmp: tmp, pgloader: pgloader, psql: psql}

	if cfg.eventRows > 0 {
		in, err := b.eventLog(ctx)
		rep.Inputs = append(rep.Inputs, in)
		if err != nil {
			return rep, err
		}
	}
	var sizes []synth.Options
	for _, s := range cfg.scales {
		sizes = append(sizes, synth.Options{Scale: s, Seed: 1, Format: "xlsx", Dialect: "legacy", Dirt: "realistic"})
	}
	if cfg.raw {
		sizes = append(sizes, synth.Options{Scale: 1, Seed: 1, Format: "xlsx", Dialect: "legacy", Dirt: "realistic", Raw: true})
	}
	for _, o := range sizes {
		in, err := b.exports(ctx, o)
		rep.Inputs = append(rep.Inputs, in)
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// buildSdetl builds the product in its own module (the bench's go.sum does not list the
// product's dependencies, such as the Prometheus client, that this module never imports).
func buildSdetl(ctx context.Context, out string) error {
	dir, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/sdetl/sdetl").Output()
	if err != nil {
		return fmt.Errorf("go list the product module: %v", err)
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/sdetl")
	build.Dir = strings.TrimSpace(string(dir))
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build sdetl: %v: %s", err, b)
	}
	return nil
}

type pipeBench struct {
	cfg            pipeConfig
	c              *pgcluster.Cluster
	admin          *pgx.Conn
	tmp            string
	pgloader, psql string
	databases      int      // made so far: run1 .. runN
	live           []string // those not dropped yet
	spent          []string // paths nothing will read again, removed by release
}

// freshDB is a new, empty database: each run starts from nothing in PostgreSQL, as a first load.
// It first releases what earlier runs left (release).
func (b *pipeBench) freshDB(ctx context.Context) (string, error) {
	if err := b.release(ctx); err != nil {
		return "", err
	}
	b.databases++
	name := fmt.Sprintf("run%d", b.databases)
	if err := b.c.CreateDatabase(ctx, name); err != nil {
		return "", err
	}
	b.live = append(b.live, name)
	return b.c.DSN(name), nil
}

// release drops the databases of earlier runs and removes b.spent (earlier inputs' fixtures and
// work dirs), just before the next timed run, which gets their memory back. Held, they made each
// input start from a larger page cache than the last, and on this VM a page of guest memory not
// touched recently costs ~0.9 s/GB more to fill (dd of 6 GB into /dev/shm: 8.5 s fresh, 3.4 s
// right after the same 6 GB was freed): the 2x run's SQLite pwrites took 3.4 CPU-s of kernel
// time in the bench against 0.7 s run alone (docs/benchmarks.md, tenth round).
func (b *pipeBench) release(ctx context.Context) error {
	for _, name := range b.live {
		if _, err := b.admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return fmt.Errorf("release: %w", err)
		}
	}
	b.live = nil
	for _, p := range b.spent {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("release: %w", err)
		}
	}
	b.spent = nil
	return nil
}

// quiet vacuums every database the bench made, untimed, before a timed run of any tool, so that
// no run shares the two cores with autovacuum finishing an earlier run's freshly loaded tables
// (insert-triggered: at scale 1 the previous run's ~400 MB, which had overlapped the next run,
// the floor and pgloader). VACUUM of tables autovacuum has nothing left in is quick.
func (b *pipeBench) quiet(ctx context.Context) error {
	for _, name := range b.live {
		conn, err := pgx.Connect(ctx, b.c.DSN(name))
		if err != nil {
			return fmt.Errorf("quiet: %w", err)
		}
		_, err = conn.Exec(ctx, "VACUUM")
		conn.Close(context.Background())
		if err != nil {
			return fmt.Errorf("quiet: VACUUM %s: %w", name, err)
		}
	}
	return nil
}

// sdetlRuns times cfg.runs runs of sdetl run on dir, each into a fresh database and work dir,
// and the unchanged re-run after the first; it leaves the last run's database, work dir and
// DSN for the peers' typed tables.
func (b *pipeBench) sdetlRuns(ctx context.Context, in *pipeInput, dir string, extra ...string) (dsn, work string, err error) {
	if b.cfg.dryRun {
		dsn, err := b.freshDB(ctx)
		if err != nil {
			return "", "", err
		}
		work := filepath.Join(b.tmp, "work-dry-"+in.Name)
		r, err := b.sdetl(ctx, work, dsn, "", append([]string{"--exports", dir, "--dry-run"}, extra...)...)
		if err != nil {
			return "", "", err
		}
		in.DryRun = append(in.DryRun, r)
		os.RemoveAll(work)
	}
	for i := 0; i < b.cfg.runs; i++ {
		if dsn, err = b.freshDB(ctx); err != nil {
			return "", "", err
		}
		if work != "" {
			os.RemoveAll(work)
		}
		work = filepath.Join(b.tmp, fmt.Sprintf("work-%s-%d", in.Name, i))
		b.cfg.logf("%s: sdetl run %d of %d", in.Name, i+1, b.cfg.runs)
		prof := ""
		if b.cfg.profDir != "" {
			prof = filepath.Join(b.cfg.profDir, fmt.Sprintf("%s-%d.pprof", in.Name, i+1))
		}
		r, err := b.sdetl(ctx, work, dsn, prof, append([]string{"--exports", dir}, extra...)...)
		if err != nil {
			return "", "", err
		}
		in.Sdetl = append(in.Sdetl, r)
		if i == 0 {
			r, err := b.sdetl(ctx, work, dsn, "", append([]string{"--exports", dir}, extra...)...)
			if err != nil {
				return "", "", err
			}
			if !r.Nothing {
				in.Notes = append(in.Notes, "the unchanged re-run did not say nothing to do")
			}
			in.Rerun = append(in.Rerun, r)
		}
	}
	return dsn, work, nil
}

// sdetl runs `sdetl run` as a child process and reads back its run.json; with prof, the child
// writes its CPU profile there.
func (b *pipeBench) sdetl(ctx context.Context, work, dsn, prof string, args ...string) (pipeRun, error) {
	full := append([]string{"run", "--workdir", work, "--pg", dsn}, args...)
	if err := b.quiet(ctx); err != nil {
		return pipeRun{}, err
	}
	var env []string
	if prof != "" {
		env = append(os.Environ(), "SDETL_CPUPROFILE="+prof)
	}
	r, out, err := timeProcessEnv(ctx, env, b.cfg.sdetl, full...)
	if err != nil {
		return r, fmt.Errorf("sdetl %s: %w\n%s", strings.Join(full, " "), err, lastLines(out, 12))
	}
	var rj struct {
		Stages []struct {
			Stage   string  `json:"stage"`
			Seconds float64 `json:"seconds"`
		} `json:"stages"`
		Load *struct {
			NothingToDo bool `json:"nothing_to_do"`
		} `json:"load"`
		Import *struct {
			Files []struct {
				RowsRead int64 `json:"rows_read"`
			} `json:"files"`
		} `json:"import"`
		Plan *struct {
			Estimate *struct {
				Seconds float64 `json:"seconds"`
			} `json:"estimate"`
		} `json:"plan"`
	}
	if bs, err := os.ReadFile(filepath.Join(work, "run.json")); err == nil && json.Unmarshal(bs, &rj) == nil {
		r.Stages = map[string]float64{}
		for _, s := range rj.Stages {
			r.Stages[s.Stage] += s.Seconds
		}
		r.Nothing = rj.Load != nil && rj.Load.NothingToDo
		if rj.Import != nil {
			for _, f := range rj.Import.Files {
				r.RowsRead += f.RowsRead
			}
		}
		if rj.Plan != nil && rj.Plan.Estimate != nil {
			r.Estimated = rj.Plan.Estimate.Seconds
		}
	}
	return r, nil
}

// timeProcess runs a command, timing it; the peak RSS is the child's own high-water mark
// (VmHWM), read from /proc while it runs. Not getrusage's ru_maxrss: Linux carries into it the
// RSS of the address space the child was forked with, which is this process's, so every child
// of a bench that has generated 4x exports in-process "peaked" at the bench's own size.
func timeProcess(ctx context.Context, path string, args ...string) (pipeRun, string, error) {
	return timeProcessEnv(ctx, nil, path, args...)
}

// timeProcessEnv is timeProcess with the child's environment env (nil: this process's).
func timeProcessEnv(ctx context.Context, env []string, path string, args ...string) (pipeRun, string, error) {
	var out strings.Builder
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr, cmd.Env = &out, &out, env
	load := loadAvg()
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return pipeRun{Load: load}, "", err
	}
	peak := make(chan int64, 1)
	stop := make(chan struct{})
	go func() { peak <- watchHWM(cmd.Process.Pid, stop) }()
	err := cmd.Wait()
	close(stop)
	r := pipeRun{Seconds: time.Since(began).Seconds(), Load: load, MaxRSSMB: float64(<-peak) / 1024}
	if r.MaxRSSMB == 0 && cmd.ProcessState != nil { // no /proc: the rusage figure, an upper bound
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.MaxRSSMB = float64(ru.Maxrss) / 1024
		}
	}
	return r, out.String(), err
}

// watchHWM polls the process's VmHWM (KiB) every 10 ms until stop and returns the largest seen.
func watchHWM(pid int, stop <-chan struct{}) int64 {
	path := "/proc/" + strconv.Itoa(pid) + "/status"
	var best int64
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64); err == nil {
						best = max(best, kb)
					}
				}
			}
		}
		select {
		case <-stop:
			return best
		case <-t.C:
		}
	}
}

// eventLog measures the event-log fixture: sdetl run with the contract spec init drafts for it,
// the typed \copy floor and pgloader into the same typed table.
func (b *pipeBench) eventLog(ctx context.Context) (*pipeInput, error) {
	in := &pipeInput{Name: "eventlog"}
	dir := filepath.Join(b.tmp, "eventlog")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return in, err
	}
	path, n, err := writeEventLog(dir, b.cfg.eventRows, 1)
	if err != nil {
		return in, err
	}
	in.Rows = int64(n)
	if st, err := os.Stat(path); err == nil {
		in.Bytes = st.Size()
	}
	spec := filepath.Join(b.tmp, "eventlog.yaml")
	if _, out, err := timeProcess(ctx, b.cfg.sdetl, "spec", "init", "--from", path, "--out", spec); err != nil {
		return in, fmt.Errorf("sdetl spec init: %w: %s", err, lastLines(out, 8))
	}
	in.Notes = append(in.Notes, "contract: drafted by sdetl spec init from the fixture, unedited")
	sp, err := contract.Load(spec)
	if err != nil {
		return in, err
	}
	dsn, work, err := b.sdetlRuns(ctx, in, dir, "--spec", spec)
	b.spent = append(b.spent, dir, work)
	if err != nil {
		return in, err
	}
	t := sp.Tables[0]
	cols, err := csvColumns(path, t)
	if err != nil {
		return in, err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return in, err
	}
	defer conn.Close(context.Background())
	// The peers' table: sdetl's column types, in the file's column order, no lineage, no rows.
	live := pgx.Identifier{sp.Schema, t.Name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA bench_template; CREATE TABLE bench_template.t AS SELECT "+
		identList(cols)+" FROM "+live+" WITH NO DATA"); err != nil {
		return in, fmt.Errorf("template table: %w", err)
	}
	for i := 0; i < b.cfg.runs; i++ {
		if b.psql != "" {
			if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS public.floor; CHECKPOINT"); err != nil {
				return in, err
			}
			script := fmt.Sprintf(floorCompression(ctx, conn)+"SET datestyle = 'ISO, DMY';\nBEGIN;\nCREATE TABLE public.floor (LIKE bench_template.t);\n"+
				"\\copy public.floor FROM '%s' WITH (FORMAT csv, HEADER true, NULL '?')\nCOMMIT;\n", strings.ReplaceAll(path, "'", "''"))
			r, out, err := b.psqlScript(ctx, dsn, script)
			if err != nil {
				return in, fmt.Errorf("floor: %w: %s", err, lastLines(out, 8))
			}
			if err := checkCount(ctx, conn, "public.floor", in.Rows); err != nil {
				return in, fmt.Errorf("floor: %w", err)
			}
			in.Floor = append(in.Floor, r)
		}
		if b.pgloader != "" {
			if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS public.pgl; CREATE TABLE public.pgl (LIKE bench_template.t); CHECKPOINT"); err != nil {
				return in, err
			}
			cmdFile := filepath.Join(b.tmp, "eventlog.load")
			if err := os.WriteFile(cmdFile, []byte(pgloaderCSV(path, b.c, dbOf(dsn), cols)), 0o644); err != nil {
				return in, err
			}
			if err := b.quiet(ctx); err != nil {
				return in, err
			}
			r, out, err := timeProcess(ctx, b.pgloader, cmdFile)
			if err != nil {
				return in, fmt.Errorf("pgloader: %w: %s", err, lastLines(out, 12))
			}
			if err := checkCount(ctx, conn, "public.pgl", in.Rows); err != nil {
				return in, fmt.Errorf("pgloader: %w: %s", err, lastLines(out, 12))
			}
			in.Pgloader = append(in.Pgloader, r)
		}
	}
	if b.pgloader == "" {
		in.Notes = append(in.Notes, "pgloader is not installed (apt-get install -y pgloader): not measured")
	}
	return in, nil
}

// exports measures the synthetic XLSX exports: sdetl run, and at scale 1 (not raw) the \copy
// floor of the rows it loaded (CSV exported from the live tables beforehand, not timed).
func (b *pipeBench) exports(ctx context.Context, o synth.Options) (*pipeInput, error) {
	in := &pipeInput{Name: fmt.Sprintf("xlsx-%gx", o.Scale)}
	if o.Raw {
		in.Name += "-raw"
	}
	dir := filepath.Join(b.tmp, in.Name)
	b.cfg.logf("%s: generating", in.Name)
	if _, err := synth.Generate(ctx, dir, o); err != nil {
		return in, err
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && e.Name() != "truth.json" {
			in.Bytes += fi.Size()
		}
	}
	dsn, work, err := b.sdetlRuns(ctx, in, dir)
	b.spent = append(b.spent, dir, work)
	if err != nil {
		return in, err
	}
	for _, r := range in.Sdetl {
		in.Rows = max(in.Rows, r.RowsRead)
	}
	if o.Scale != 1 || o.Raw || b.psql == "" {
		return in, nil
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return in, err
	}
	defer conn.Close(context.Background())
	sp := contract.ServiceDesk()
	names := loadTables(sp)
	csvDir := filepath.Join(b.tmp, "floor-csv")
	b.spent = append(b.spent, csvDir)
	if err := os.MkdirAll(csvDir, 0o755); err != nil {
		return in, err
	}
	var want int64
	for _, t := range names {
		if _, err := exportCSV(ctx, conn, pgx.Identifier{sp.Schema, t}, filepath.Join(csvDir, t+".csv")); err != nil {
			return in, err
		}
		var n int64
		conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{sp.Schema, t}.Sanitize()).Scan(&n)
		want += n
	}
	var ddl strings.Builder
	ddl.WriteString("CREATE SCHEMA " + templateSchema + ";")
	for _, t := range names {
		fmt.Fprintf(&ddl, "CREATE TABLE %s (LIKE %s);", pgx.Identifier{templateSchema, t}.Sanitize(), pgx.Identifier{sp.Schema, t}.Sanitize())
	}
	if _, err := conn.Exec(ctx, ddl.String()); err != nil {
		return in, err
	}
	for i := 0; i < b.cfg.runs; i++ {
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+floorSchema+" CASCADE; CHECKPOINT"); err != nil {
			return in, err
		}
		r, out, err := b.psqlScript(ctx, dsn, floorScript(floorCompression(ctx, conn), csvDir, names))
		if err != nil {
			return in, fmt.Errorf("floor: %w: %s", err, lastLines(out, 8))
		}
		var got int64
		for _, t := range names {
			var n int64
			conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{floorSchema, t}.Sanitize()).Scan(&n)
			got += n
		}
		if got != want {
			return in, fmt.Errorf("floor: %d rows, sdetl loaded %d", got, want)
		}
		in.Floor = append(in.Floor, r)
	}
	in.Notes = append(in.Notes, "floor: psql \\copy of the rows sdetl loaded (all five tables, CSV exported beforehand), into tables LIKE sdetl's")
	return in, nil
}

func (b *pipeBench) psqlScript(ctx context.Context, dsn, script string) (pipeRun, string, error) {
	f := filepath.Join(b.tmp, "floor.sql")
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		return pipeRun{}, "", err
	}
	if err := b.quiet(ctx); err != nil {
		return pipeRun{}, "", err
	}
	return timeProcess(ctx, b.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", f)
}

// csvColumns are the contract's column names in the file's column order: the header mapped by
// the contract, as import maps it. Every column must be contracted (COPY cannot skip one).
func csvColumns(path string, t *contract.Table) ([]string, error) {
	ex, err := exports.Open(path)
	if err != nil {
		return nil, err
	}
	defer ex.Close()
	m, err := t.MatchHeaders(ex.Header)
	if err != nil {
		return nil, err
	}
	cols := make([]string, len(ex.Header))
	for i, p := range m.Source {
		if p >= 0 && p < len(cols) {
			cols[p] = t.Columns[i].Name
		}
	}
	for i, c := range cols {
		if c == "" {
			return nil, fmt.Errorf("%s: column %d (%s) is not in the contract", path, i+1, ex.Header[i])
		}
	}
	return cols, nil
}

func identList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = pgx.Identifier{c}.Sanitize()
	}
	return strings.Join(q, ", ")
}

// pgloaderCSV loads the event log into public.pgl (typed, created beforehand), "?" as null,
// day-first timestamps read by PostgreSQL under DateStyle DMY, as the floor does.
func pgloaderCSV(path string, c *pgcluster.Cluster, db string, cols []string) string {
	fields := make([]string, len(cols))
	for i, col := range cols {
		fields[i] = col + " [null if '?']"
	}
	sock := strings.ReplaceAll(c.SocketDir, ":", "::")
	return fmt.Sprintf(`load csv
  from '%s'
  having fields (%s)
  into postgresql://%s@unix:%s:%d/%s?tablename=pgl
  target columns (%s)
  with skip header = 1, fields optionally enclosed by '"', fields terminated by ','
  set DateStyle to 'ISO, DMY';
`, path, strings.Join(fields, ", "), c.User, sock, c.Port, db, strings.Join(cols, ", "))
}

func dbOf(dsn string) string {
	for _, f := range strings.Fields(dsn) {
		if v, ok := strings.CutPrefix(f, "dbname="); ok {
			return strings.Trim(v, "'")
		}
	}
	return ""
}

func checkCount(ctx context.Context, conn *pgx.Conn, table string, want int64) error {
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		return err
	}
	if n != want {
		return errors.New(table + ": " + strconv.FormatInt(n, 10) + " rows, want " + strconv.FormatInt(want, 10))
	}
	return nil
}

func medianOf(rs []pipeRun, f func(pipeRun) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	return medianF(v)
}

func secs(r pipeRun) float64 { return r.Seconds }
func rss(r pipeRun) float64  { return r.MaxRSSMB }

func writePipelineMarkdown(w io.Writer, rep *pipeReport) {
	fmt.Fprintf(w, "# sdetl-bench pipeline, %s\n\n%d CPU (%s), %s, PostgreSQL %s, pgloader %s; load average %s at the start, %s at the end\n\n",
		rep.Date, rep.NumCPU, rep.CPUModel, rep.GoVersion, rep.Postgres, orNone(rep.Pgloader), rep.LoadStart, rep.LoadEnd)
	fmt.Fprintln(w, "| input | rows read | MB | sdetl run s (median) | runs s | peak RSS MB | unchanged re-run s | \\copy floor s | pgloader s | sdetl / floor | pgloader / sdetl |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
	var base *pipeInput
	for _, in := range rep.Inputs {
		if len(in.Sdetl) == 0 {
			continue
		}
		s := medianOf(in.Sdetl, secs)
		var runs []string
		for _, r := range in.Sdetl {
			runs = append(runs, fmt.Sprintf("%.1f", r.Seconds))
		}
		row := fmt.Sprintf("| %s | %d | %.0f | %.2f | %s | %.0f | %s | %s | %s | %s | %s |", in.Name, in.Rows, float64(in.Bytes)/1e6, s,
			strings.Join(runs, ", "), medianOf(in.Sdetl, rss), optS(in.Rerun), optS(in.Floor), optS(in.Pgloader),
			optRatio(s, in.Floor, false), optRatio(s, in.Pgloader, true))
		fmt.Fprintln(w, row)
		if in.Name == "xlsx-1x" {
			base = in
		}
	}
	if base != nil {
		fmt.Fprintln(w, "\nLinearity against xlsx-1x (time ratio / data ratio by rows read):")
		for _, in := range rep.Inputs {
			if !strings.HasPrefix(in.Name, "xlsx-") || in == base || len(in.Sdetl) == 0 || base.Rows == 0 {
				continue
			}
			fmt.Fprintf(w, "- %s: %.2fx the rows, %.2fx the time, peak RSS %.0f MB\n", in.Name, float64(in.Rows)/float64(base.Rows),
				medianOf(in.Sdetl, secs)/medianOf(base.Sdetl, secs), medianOf(in.Sdetl, rss))
		}
	}
	for _, in := range rep.Inputs {
		for _, d := range in.DryRun {
			if d.Estimated > 0 && len(in.Sdetl) > 0 {
				real := medianOf(in.Sdetl, secs)
				fmt.Fprintf(w, "- %s: --dry-run took %.1f s and estimated the run at %.1f s; the real runs' median %.1f s (estimate/real %.2f)\n",
					in.Name, d.Seconds, d.Estimated, real, d.Estimated/real)
			}
		}
		for _, n := range in.Notes {
			fmt.Fprintf(w, "- %s: %s\n", in.Name, n)
		}
	}
	if len(rep.Inputs) > 0 && len(rep.Inputs[0].Sdetl) > 0 {
		fmt.Fprintln(w, "\nStages of the median-input runs (s, median over runs):")
		for _, in := range rep.Inputs {
			if len(in.Sdetl) == 0 {
				continue
			}
			var parts []string
			for _, st := range []string{"import", "profile", "score", "clean", "canary", "backup", "load", "reconcile"} {
				parts = append(parts, fmt.Sprintf("%s %.2f", st, medianOf(in.Sdetl, func(r pipeRun) float64 { return r.Stages[st] })))
			}
			fmt.Fprintf(w, "- %s: %s\n", in.Name, strings.Join(parts, ", "))
		}
	}
}

func optS(rs []pipeRun) string {
	if len(rs) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", medianOf(rs, secs))
}

// optRatio is sdetl / peer (inverse false) or peer / sdetl (inverse true).
func optRatio(sdetl float64, rs []pipeRun, inverse bool) string {
	if len(rs) == 0 || sdetl == 0 {
		return "-"
	}
	p := medianOf(rs, secs)
	if inverse {
		return fmt.Sprintf("%.2fx", p/sdetl)
	}
	return fmt.Sprintf("%.2fx", sdetl/p)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
