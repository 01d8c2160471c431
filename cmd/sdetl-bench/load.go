package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgcluster"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

// The original's only measured timing (SPEC section 7): SQLite -> PostgreSQL with batched
// INSERTs. A reference line in the report, not measured here.
const (
	originalRows    = 260711
	originalSeconds = 11.7
)

// The tools the load benchmark measures.
const (
	toolSdetl    = "sdetl"
	toolPgloader = "pgloader"
	toolFloor    = "copy-floor"
)

// Schemas of the benchmark database (besides the contract's own, which sdetl loads).
const (
	loadDB           = "bench"
	pgloaderSchema   = "bench_pgloader"
	floorSchema      = "bench_copy_floor"
	templateSchema   = "bench_template" // empty copies of sdetl's tables: the floor's DDL
	pgloaderPrefetch = 10000            // rows; pgloader's default (100,000) exhausts its 1 GB heap on the comments
)

// loadTables are the clean store's tables that every tool loads: the contract's and the quarantine.
func loadTables(s *contract.Spec) []string {
	var names []string
	for _, t := range s.Tables {
		names = append(names, t.Name)
	}
	return append(names, postgres.QuarantineTable)
}

// loadRun is one timed run of one tool.
type loadRun struct {
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"client_cpu_seconds"` // the tool's own process (sdetl: this process), not the server's
	// sdetl only, from its LoadResult: the wall seconds of each step (create, copy_and_index:
	// the tables copied and indexed on 2 connections with the clean side measured as they go,
	// reconcile, swap, drop_old, ...).
	Steps map[string]float64 `json:"step_seconds,omitempty"`
	// Tables are the seconds each table's load took, where the tool says: sdetl's COPY of it
	// (LoadResult), the floor's \copy (psql's \timing), pgloader's summary line.
	Tables map[string]float64 `json:"table_seconds,omitempty"`
}

// loadTool aggregates the runs of one tool.
type loadTool struct {
	Tool        string             `json:"tool"`
	Label       string             `json:"label"`
	Measured    bool               `json:"measured"`
	Runs        []loadRun          `json:"runs,omitempty"`
	Seconds     float64            `json:"median_seconds"`
	CPUSeconds  float64            `json:"median_client_cpu_seconds,omitempty"`
	StepSeconds map[string]float64 `json:"median_step_seconds,omitempty"`
	Rows        int64              `json:"rows"`
	RowsPerSec  float64            `json:"rows_per_second"`
	// SpeedVsPgloader is pgloader's time / this tool's time (> 1: faster than pgloader).
	SpeedVsPgloader float64 `json:"speed_vs_pgloader,omitempty"`
	// TimeVsFloor is this tool's time / the COPY floor's time (1 = the floor).
	TimeVsFloor float64 `json:"time_vs_copy_floor,omitempty"`
	Error       string  `json:"error,omitempty"`
	// TableSeconds are the per-table medians, where the tool reports them.
	TableSeconds map[string]float64 `json:"median_table_seconds,omitempty"`
}

type tableRows struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

type loadReport struct {
	Date       string      `json:"date"`
	Command    string      `json:"command"`
	GoVersion  string      `json:"go_version"`
	GOOS       string      `json:"goos"`
	GOARCH     string      `json:"goarch"`
	NumCPU     int         `json:"nproc"`
	MemTotalMB float64     `json:"mem_total_mb"`
	CPUModel   string      `json:"cpu_model,omitempty"`
	PostgreSQL string      `json:"postgresql_version"`
	Pgloader   string      `json:"pgloader_version,omitempty"`
	Scale      float64     `json:"scale"`
	Raw        bool        `json:"raw"` // the exports had the raw volumes (sdetl generate --raw)
	N          int         `json:"runs"`
	Rows       int64       `json:"rows"`
	TableRows  []tableRows `json:"table_rows"`
	CleanMB    float64     `json:"clean_db_mb"`
	CSVMB      float64     `json:"floor_csv_mb"`
	BuildSecs  float64     `json:"input_build_seconds"`
	LoadBefore string      `json:"loadavg_before"`
	LoadAfter  string      `json:"loadavg_after"`
	Tools      []*loadTool `json:"tools"`
	Reference  *loadTool   `json:"original_reference"`
	Notes      []string    `json:"notes,omitempty"`
	Swaps      *swapReport `json:"swaps,omitempty"`
}

func loadUsage(w io.Writer) {
	fmt.Fprint(w, `usage: sdetl-bench load [-scale S] [-runs N] [-inputs scale,raw] [-clean FILE] [-tools LIST] [-json] [-q] [-keep] [-cpuprofile FILE]
       sdetl-bench load -from REPORT.json

load  builds a clean store (synthetic CSV exports at scale S, import, clean) and a throwaway
      PostgreSQL cluster (unix socket only, stopped at the end), then loads the same clean.db
      N times with each of: sdetl (postgres.Load: a new generation by binary
      COPY, natural-key and KPI indexes, full reconciliation, swap), pgloader (SQLite -> PostgreSQL into its own schema) and
      the COPY floor (psql \copy of pre-exported CSVs into the same typed tables); prints the
      medians, rows/s and the ratios against pgloader and the floor.
`)
}

func benchLoad(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { loadUsage(stderr); fs.PrintDefaults() }
	scale := fs.Float64("scale", 1, "synthetic volume: 1 = the reference size (about 260K rows in clean.db)")
	runs := fs.Int("runs", 3, "timed runs per tool; the median is reported")
	asJSON := fs.Bool("json", false, "print JSON instead of markdown")
	quiet := fs.Bool("q", false, "no progress on stderr")
	keep := fs.Bool("keep", false, "keep the temporary directory (exports, stores, CSVs; the cluster is stopped)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of this process during the timed runs (it only works in sdetl's) to FILE (with several inputs: FILE.scale, FILE.raw)")
	from := fs.String("from", "", "print a saved -json report (REPORT.json) as markdown instead of measuring")
	swaps := fs.Int("swaps", 3, "after the timed rounds, time this many swaps (loads) and rollbacks with 4 readers running; 0: none")
	inputs := fs.String("inputs", "scale,raw", "the inputs to measure, side by side: scale (the exports at -scale) and/or raw (the same with the raw volumes, sdetl generate --raw)")
	cleanFile := fs.String("clean", "", "load this clean store (built before by sdetl import + clean of the input -inputs names) instead of building one; one input only")
	toolList := fs.String("tools", "sdetl,pgloader,copy-floor", "the tools to time")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	tools := map[string]bool{}
	for _, t := range strings.Split(*toolList, ",") {
		if t != toolSdetl && t != toolPgloader && t != toolFloor {
			fmt.Fprintf(stderr, "sdetl-bench load: -tools %q: want sdetl, pgloader and/or copy-floor\n", *toolList)
			return 2
		}
		tools[t] = true
	}
	if fs.NArg() > 0 || *runs < 1 || !(*scale > 0) {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logf := func(format string, a ...any) {
		if !*quiet {
			fmt.Fprintf(stderr, format+"\n", a...)
		}
	}
	var reps []*loadReport
	if *from != "" {
		b, err := os.ReadFile(*from)
		if err == nil {
			err = json.Unmarshal(b, &reps)
		}
		if err != nil {
			fmt.Fprintln(stderr, "sdetl-bench load -from:", err)
			return 1
		}
		writeLoadReports(stdout, reps)
		return 0
	}
	variants := strings.Split(*inputs, ",")
	if *cleanFile != "" && len(variants) != 1 {
		fmt.Fprintln(stderr, "sdetl-bench load: -clean takes one -inputs (scale or raw: what the store was built from)")
		return 2
	}
	for _, v := range variants {
		if v != "scale" && v != "raw" {
			fmt.Fprintf(stderr, "sdetl-bench load: -inputs %q: want scale and/or raw\n", *inputs)
			return 2
		}
	}
	for _, v := range variants {
		cfg := loadConfig{swaps: *swaps, scale: *scale, raw: v == "raw", runs: *runs, keep: *keep, inputs: *inputs, cleanDB: *cleanFile, tools: tools, logf: logf, stderr: stderr}
		if *cpuprofile != "" {
			cfg.cpuprofile = *cpuprofile
			if len(variants) > 1 {
				cfg.cpuprofile += "." + v
			}
		}
		rep, err := runLoadBench(ctx, cfg)
		if err != nil {
			fmt.Fprintln(stderr, "sdetl-bench load:", err)
			return 1
		}
		reps = append(reps, rep)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reps); err != nil {
			return 1
		}
		return 0
	}
	writeLoadReports(stdout, reps)
	return 0
}

// writeLoadReports prints the reports of one run, one section per input.
func writeLoadReports(stdout io.Writer, reps []*loadReport) {
	for _, rep := range reps {
		if len(reps) > 1 {
			fmt.Fprintf(stdout, "\n#### scale %g%s\n\n", rep.Scale, map[bool]string{true: ", raw volumes (`generate --raw`, no roster: every row in scope)"}[rep.Raw])
		}
		writeLoadMarkdown(stdout, rep)
	}
}

type loadConfig struct {
	swaps      int // loads and rollbacks timed with readers running, after the timed rounds
	scale      float64
	raw        bool
	runs       int
	keep       bool
	cpuprofile string
	inputs     string // the -inputs flag, for the report's command line
	cleanDB    string // -clean: a clean store built before, instead of building one
	tools      map[string]bool
	logf       func(string, ...any)
	stderr     io.Writer
}

func runLoadBench(ctx context.Context, cfg loadConfig) (rep *loadReport, err error) {
	logf := cfg.logf
	sp := contract.ServiceDesk()
	rep = newLoadReport(cfg)
	// pgloader is optional: say so in one line and measure the rest.
	pgloaderPath, lookErr := exec.LookPath("pgloader")
	if lookErr != nil {
		msg := "pgloader is not installed (apt-get install -y pgloader): not measured, no ratios against it"
		fmt.Fprintln(cfg.stderr, "sdetl-bench load: "+msg)
		rep.Notes = append(rep.Notes, msg)
	} else {
		rep.Pgloader = toolVersion(ctx, pgloaderPath, "--version")
	}
	psqlPath, _ := exec.LookPath("psql")

	tmp, err := os.MkdirTemp("", "sdetl-bench-load-")
	if err != nil {
		return nil, err
	}
	if cfg.keep {
		defer logf("kept %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	if os.Geteuid() == 0 {
		// The server runs as another user (pgcluster), who must traverse tmp to reach tmp/pg.
		if err := os.Chmod(tmp, 0o711); err != nil {
			return nil, err
		}
	}

	cleanDB, tables, err := buildInput(ctx, cfg, sp, tmp, rep)
	if err != nil {
		return nil, err
	}
	logf("clean.db: %s rows in %d tables, %.0f MB (built in %.1fs)", count(rep.Rows), len(tables), rep.CleanMB, rep.BuildSecs)

	// The throwaway cluster, with the defaults users get from `sdetl pg up` (durable).
	c, err := pgcluster.New(filepath.Join(tmp, "pg"))
	if err != nil {
		return nil, err
	}
	logf("starting PostgreSQL in %s", c.Dir)
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
	if err := c.CreateDatabase(ctx, loadDB); err != nil {
		return nil, err
	}
	dsn := c.DSN(loadDB)
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer admin.Close(context.Background())
	if err := admin.QueryRow(ctx, "SHOW server_version").Scan(&rep.PostgreSQL); err != nil {
		return nil, err
	}

	csvDir, err := setupFloor(ctx, cfg, sp, admin, cleanDB, dsn, tmp, tables, rep)
	if err != nil {
		return nil, err
	}
	tools, pgl, floor, err := benchTools(ctx, sp, admin, c, cleanDB, dsn, tmp, csvDir, tables, pgloaderPath, lookErr == nil, psqlPath, rep)
	if err != nil {
		return nil, err
	}
	kept := tools[:0]
	for _, t := range tools {
		if cfg.tools[t.res.Tool] {
			kept = append(kept, t)
		} else {
			t.res.Measured = false
		}
	}
	tools = kept
	if cfg.cpuprofile != "" {
		f, err := os.Create(cfg.cpuprofile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}

	if err := timedRounds(ctx, cfg, admin, tools, rep); err != nil {
		return nil, err
	}
	summarize(rep, pgl, floor)
	if cfg.swaps > 0 {
		logf("swaps and rollbacks with readers running")
		if rep.Swaps, err = measureSwaps(ctx, sp, cleanDB, dsn, cfg.swaps, 4); err != nil {
			return nil, fmt.Errorf("swaps: %w", err)
		}
	}
	return rep, nil
}

func newLoadReport(cfg loadConfig) *loadReport {
	return &loadReport{
		Date:       time.Now().Format(time.RFC3339),
		Command:    fmt.Sprintf("go -C cmd/sdetl-bench run . load -scale %g -runs %d -inputs %s", cfg.scale, cfg.runs, cfg.inputs),
		GoVersion:  runtime.Version(),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
		NumCPU:     runtime.NumCPU(),
		MemTotalMB: memTotalMB(),
		CPUModel:   cpuModel(),
		Scale:      cfg.scale,
		Raw:        cfg.raw,
		N:          cfg.runs,
	}
}

// buildInput makes the benchmark's input in tmp: exports -> stage.db -> clean.db.
func buildInput(ctx context.Context, cfg loadConfig, sp *contract.Spec, tmp string, rep *loadReport) (cleanDB string, tables []string, err error) {
	logf := cfg.logf
	if cfg.cleanDB != "" {
		rep.Notes = append(rep.Notes, "clean store built before the run: "+cfg.cleanDB)
		return cfg.cleanDB, loadTables(sp), countStore(ctx, cfg.cleanDB, loadTables(sp), rep)
	}
	began := time.Now()
	exports, work := filepath.Join(tmp, "exports"), filepath.Join(tmp, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", nil, err
	}
	logf("generating scale %g CSV exports (raw %v)", cfg.scale, cfg.raw)
	if _, err := synth.Generate(ctx, exports, synth.Options{Scale: cfg.scale, Seed: 1, Format: "csv", Raw: cfg.raw}); err != nil {
		return "", nil, fmt.Errorf("generate: %w", err)
	}
	if cfg.raw {
		// With the roster the scope filter drops the raw rows again and the clean store is the
		// scale one's; without it every row is in scope, so the load carries the raw volume.
		if err := os.Remove(filepath.Join(exports, "roster.csv")); err != nil {
			return "", nil, fmt.Errorf("raw input without roster: %w", err)
		}
	}
	stageDB, cleanDB := filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
	logf("import")
	if _, err := stage.Import(ctx, stage.Options{Spec: sp, Dir: exports, Out: stageDB, Fresh: true}); err != nil {
		return "", nil, fmt.Errorf("import: %w", err)
	}
	logf("clean")
	if _, err := clean.Run(ctx, clean.Options{Spec: sp, Stage: stageDB, Out: cleanDB}); err != nil {
		return "", nil, fmt.Errorf("clean: %w", err)
	}
	os.Remove(stageDB) // not needed any more
	rep.BuildSecs = time.Since(began).Seconds()
	tables = loadTables(sp)
	return cleanDB, tables, countStore(ctx, cleanDB, tables, rep)
}

// countStore counts the clean store's rows and size for the report.
func countStore(ctx context.Context, cleanDB string, tables []string, rep *loadReport) error {
	if err := countClean(ctx, cleanDB, tables, rep); err != nil {
		return err
	}
	if st, err := os.Stat(cleanDB); err == nil {
		rep.CleanMB = float64(st.Size()) / 1e6
	}
	return nil
}

// setupFloor runs one untimed sdetl load, whose tables give the floor its CSVs and its DDL.
func setupFloor(ctx context.Context, cfg loadConfig, sp *contract.Spec, admin *pgx.Conn, cleanDB, dsn, tmp string, tables []string, rep *loadReport) (csvDir string, err error) {
	logf := cfg.logf
	logf("setup: one untimed sdetl load, CSV export for the floor")
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: sp, Clean: cleanDB, DSN: dsn, Force: true}); err != nil {
		return "", fmt.Errorf("setup load: %w", err)
	}
	csvDir = filepath.Join(tmp, "csv")
	if err := os.MkdirAll(csvDir, 0o755); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{templateSchema}.Sanitize()); err != nil {
		return "", err
	}
	var csvBytes int64
	for _, t := range tables {
		n, err := exportCSV(ctx, admin, pgx.Identifier{sp.Schema, t}, filepath.Join(csvDir, t+".csv"))
		if err != nil {
			return "", fmt.Errorf("export %s: %w", t, err)
		}
		csvBytes += n
		q := fmt.Sprintf("CREATE TABLE %s (LIKE %s)", pgx.Identifier{templateSchema, t}.Sanitize(), pgx.Identifier{sp.Schema, t}.Sanitize())
		if _, err := admin.Exec(ctx, q); err != nil {
			return "", err
		}
	}
	rep.CSVMB = float64(csvBytes) / 1e6

	return csvDir, nil
}

// benchTool is one measured tool: a prepare (untimed) and a run (timed).
type benchTool struct {
	res     *loadTool
	schema  string
	prepare func() error
	run     func() (loadRun, error)
}

// benchTools lists the tools to measure: sdetl, pgloader when installed, and the COPY floor.
func benchTools(ctx context.Context, sp *contract.Spec, admin *pgx.Conn, c *pgcluster.Cluster, cleanDB, dsn, tmp, csvDir string, tables []string,
	pgloaderPath string, havePgloader bool, psqlPath string, rep *loadReport) (tools []*benchTool, pgl, floor *loadTool, err error) {
	sd := &loadTool{Tool: toolSdetl, Label: "sdetl load stage (a generation copied on 2 connections, the clean side measured in the COPY + indexes + full reconciliation + swap)", Measured: true}
	tools = []*benchTool{{res: sd, schema: sp.Schema, run: func() (loadRun, error) {
		return runSdetl(ctx, sp, cleanDB, dsn)
	}}}
	if havePgloader {
		pgl = &loadTool{Tool: toolPgloader, Label: "pgloader " + rep.Pgloader + " (SQLite -> PostgreSQL, its own type mapping, no indexes)", Measured: true}
		cmdFile := filepath.Join(tmp, "bench.load")
		if err := os.WriteFile(cmdFile, []byte(pgloaderCommand(cleanDB, c, tables)), 0o644); err != nil {
			return nil, nil, nil, err
		}
		root := filepath.Join(tmp, "pgloader")
		tools = append(tools, &benchTool{res: pgl, schema: pgloaderSchema,
			prepare: func() error {
				_, err := admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{pgloaderSchema}.Sanitize())
				return err
			},
			run: func() (loadRun, error) {
				r, out, err := runProcessOut(ctx, pgloaderPath, "-D", root, cmdFile)
				r.Tables = pgloaderTableSeconds(out, tables)
				return r, err
			}})
	}
	floor = &loadTool{Tool: toolFloor, Measured: true}
	if psqlPath != "" {
		floor.Label = "COPY floor: psql \\copy of pre-exported CSVs into the same typed tables, one transaction, no indexes"
		script := filepath.Join(tmp, "floor.sql")
		if err := os.WriteFile(script, []byte(floorScript(floorCompression(ctx, admin), csvDir, tables)), 0o644); err != nil {
			return nil, nil, nil, err
		}
		tools = append(tools, &benchTool{res: floor, schema: floorSchema, run: func() (loadRun, error) {
			r, out, err := runProcessOut(ctx, psqlPath, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", script)
			r.Tables = floorTableSeconds(out)
			return r, err
		}})
	} else {
		floor.Label = "COPY floor: pgx COPY FROM STDIN (CSV) of pre-exported CSVs into the same typed tables, one transaction, no indexes (psql not found)"
		tools = append(tools, &benchTool{res: floor, schema: floorSchema, run: func() (loadRun, error) {
			return runFloorPgx(ctx, dsn, csvDir, tables)
		}})
	}
	for _, t := range tools {
		rep.Tools = append(rep.Tools, t.res)
	}
	if pgl == nil {
		rep.Tools = append(rep.Tools, &loadTool{Tool: toolPgloader, Label: "pgloader (not installed)"})
	}

	return tools, pgl, floor, nil
}

// timedRounds runs every tool cfg.runs times. The order rotates between rounds so that no tool
// always runs first.
func timedRounds(ctx context.Context, cfg loadConfig, admin *pgx.Conn, tools []*benchTool, rep *loadReport) error {
	rep.LoadBefore = loadAvg()
	for round := range cfg.runs {
		for i := range tools {
			t := tools[(i+round)%len(tools)]
			if t.res.Error != "" {
				continue
			}
			// A clean slate: no target schema, no dirty buffers of the previous run to write.
			if _, err := admin.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{t.schema}.Sanitize()+" CASCADE"); err != nil {
				return err
			}
			if _, err := admin.Exec(ctx, "CHECKPOINT"); err != nil {
				return err
			}
			if t.prepare != nil {
				if err := t.prepare(); err != nil {
					return err
				}
			}
			runtime.GC()
			r, err := t.run()
			if err == nil {
				err = checkLoaded(ctx, admin, t.schema, rep.TableRows)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				t.res.Error = err.Error()
				rep.Notes = append(rep.Notes, fmt.Sprintf("%s failed in round %d, not measured further: %v", t.res.Tool, round+1, err))
				cfg.logf("%s round %d/%d: FAILED: %v", t.res.Tool, round+1, cfg.runs, err)
				continue
			}
			t.res.Runs = append(t.res.Runs, r)
			cfg.logf("%s round %d/%d: %.2fs (client cpu %.2fs)", t.res.Tool, round+1, cfg.runs, r.Seconds, r.CPUSeconds)
		}
	}
	rep.LoadAfter = loadAvg()
	for _, t := range tools {
		if _, err := admin.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{t.schema}.Sanitize()+" CASCADE"); err != nil {
			return err
		}
	}
	return nil
}

// countClean counts the rows of every loaded table in the clean store.
func countClean(ctx context.Context, path string, tables []string, rep *loadReport) error {
	db, err := store.OpenReadOnly(path)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, t := range tables {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+store.Quote(t)).Scan(&n); err != nil {
			return fmt.Errorf("count clean %s: %w", t, err)
		}
		rep.TableRows = append(rep.TableRows, tableRows{t, n})
		rep.Rows += n
	}
	return nil
}

// checkLoaded compares the row counts of a tool's schema with the clean store's.
func checkLoaded(ctx context.Context, conn *pgx.Conn, schema string, want []tableRows) error {
	var bad []string
	for _, t := range want {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{schema, t.Table}.Sanitize()).Scan(&n); err != nil {
			return fmt.Errorf("count %s.%s: %w", schema, t.Table, err)
		}
		if n != t.Rows {
			bad = append(bad, fmt.Sprintf("%s: %d rows, clean.db has %d", t.Table, n, t.Rows))
		}
	}
	if len(bad) > 0 {
		return errors.New("incomplete load: " + strings.Join(bad, "; "))
	}
	return nil
}

// runSdetl is one timed postgres.Load; the CPU time is this process's.
func runSdetl(ctx context.Context, sp *contract.Spec, cleanDB, dsn string) (loadRun, error) {
	cpu0 := selfCPU()
	began := time.Now()
	// The clean store's measures are taken by the COPY as it reads the store (the load stage
	// as sdetl run runs it); Force: every timed load builds a generation, though the data is
	// the same each time.
	res, err := postgres.Load(ctx, postgres.LoadOptions{Spec: sp, Clean: cleanDB, DSN: dsn, Force: true})
	r := loadRun{Seconds: time.Since(began).Seconds(), CPUSeconds: selfCPU() - cpu0}
	if err != nil {
		return r, err
	}
	r.Tables, r.Steps = map[string]float64{}, res.Seconds
	for _, t := range res.Tables {
		if t.Copying > 0 {
			r.Tables[t.Table] = t.Copying.Seconds()
		}
	}
	return r, nil
}

// runProcess times one external command; the CPU time is the child's.
func runProcess(ctx context.Context, path string, args ...string) (loadRun, error) {
	r, _, err := runProcessOut(ctx, path, args...)
	return r, err
}

// runProcessOut is runProcess, also returning what the command printed.
func runProcessOut(ctx context.Context, path string, args ...string) (loadRun, string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	began := time.Now()
	err := cmd.Run()
	r := loadRun{Seconds: time.Since(began).Seconds()}
	if st := cmd.ProcessState; st != nil {
		r.CPUSeconds = (st.UserTime() + st.SystemTime()).Seconds()
	}
	if err != nil {
		return r, out.String(), fmt.Errorf("%s: %v: %s", filepath.Base(path), err, lastLines(out.String(), 8))
	}
	return r, out.String(), nil
}

// floorTableSeconds reads psql's \timing of each \copy, announced by floorScript's \echo.
func floorTableSeconds(out string) map[string]float64 {
	m, current := map[string]float64{}, ""
	for _, l := range strings.Split(out, "\n") {
		if t, ok := strings.CutPrefix(l, "TABLE "); ok {
			current = t
			continue
		}
		var ms float64
		if current != "" && strings.HasPrefix(l, "Time: ") {
			if _, err := fmt.Sscanf(l, "Time: %f ms", &ms); err == nil {
				m[current], current = ms/1000, ""
			}
		}
	}
	return m
}

// pgloaderTableSeconds reads the "total time" of each table from pgloader's summary, whose
// table lines name the target table (e.g. "bench_pgloader"."tickets") and end in "1.234s".
func pgloaderTableSeconds(out string, tables []string) map[string]float64 {
	m := map[string]float64{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 3 {
			continue
		}
		name := strings.ReplaceAll(f[0], `"`, "")
		for _, t := range tables {
			if name == pgloaderSchema+"."+t || name == t {
				var sec float64
				if _, err := fmt.Sscanf(f[len(f)-1], "%fs", &sec); err == nil {
					m[t] = sec
				}
			}
		}
	}
	return m
}

// runFloorPgx is the floor without psql: COPY FROM STDIN of the CSVs over one pgx connection.
func runFloorPgx(ctx context.Context, dsn, csvDir string, tables []string) (loadRun, error) {
	cpu0 := selfCPU()
	began := time.Now()
	err := func() error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.Background())
		if _, err := tx.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{floorSchema}.Sanitize()); err != nil {
			return err
		}
		for _, t := range tables {
			if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (LIKE %s)", pgx.Identifier{floorSchema, t}.Sanitize(), pgx.Identifier{templateSchema, t}.Sanitize())); err != nil {
				return err
			}
			f, err := os.Open(filepath.Join(csvDir, t+".csv"))
			if err != nil {
				return err
			}
			_, err = tx.Conn().PgConn().CopyFrom(ctx, f, "COPY "+pgx.Identifier{floorSchema, t}.Sanitize()+" FROM STDIN (FORMAT csv)")
			f.Close()
			if err != nil {
				return fmt.Errorf("copy %s: %w", t, err)
			}
		}
		return tx.Commit(ctx)
	}()
	return loadRun{Seconds: time.Since(began).Seconds(), CPUSeconds: selfCPU() - cpu0}, err
}

// exportCSV writes one table as CSV (COPY TO STDOUT) and returns its size.
func exportCSV(ctx context.Context, conn *pgx.Conn, table pgx.Identifier, path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	if _, err := conn.PgConn().CopyTo(ctx, f, "COPY "+table.Sanitize()+" TO STDOUT (FORMAT csv)"); err != nil {
		f.Close()
		return 0, err
	}
	st, err := f.Stat()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// pgloaderCommand is the load command file: the five tables of clean.db into pgloaderSchema
// (created before each run), over the cluster's unix socket.
func pgloaderCommand(cleanDB string, c *pgcluster.Cluster, tables []string) string {
	quoted := make([]string, len(tables))
	for i, t := range tables {
		quoted[i] = "'" + t + "'"
	}
	// pgloader's unix socket syntax: unix:DIR:PORT, with colons in DIR doubled.
	sock := strings.ReplaceAll(c.SocketDir, ":", "::")
	return fmt.Sprintf(`load database
  from sqlite://%s
  into postgresql://%s@unix:%s:%d/%s
  with include drop, create tables, create no indexes, reset no sequences, prefetch rows = %d
  set search_path to '%s'
  including only table names like %s;
`, cleanDB, c.User, sock, c.Port, loadDB, pgloaderPrefetch, pgloaderSchema, strings.Join(quoted, ", "))
}

// floorCompression is the floor's first line: the long values compressed as sdetl's copying
// sessions compress them (lz4, where the server has it; else "", the default pglz), so the
// floor does the server's work sdetl's load asks for, not pglz's, which took twice as long on
// the scale-1 comments.
func floorCompression(ctx context.Context, conn *pgx.Conn) string {
	if _, err := conn.Exec(ctx, "SET default_toast_compression = lz4"); err != nil {
		return ""
	}
	conn.Exec(ctx, "RESET default_toast_compression")
	return "SET default_toast_compression = lz4;\n"
}

// floorScript is the psql script of the floor: first, the session's settings (set), then the
// same tables as sdetl's (LIKE the template), filled by \copy from the CSVs, in one transaction.
func floorScript(set, csvDir string, tables []string) string {
	var b strings.Builder
	b.WriteString(set)
	b.WriteString("BEGIN;\n")
	fmt.Fprintf(&b, "CREATE SCHEMA %s;\n", pgx.Identifier{floorSchema}.Sanitize())
	for _, t := range tables {
		fmt.Fprintf(&b, "CREATE TABLE %s (LIKE %s);\n", pgx.Identifier{floorSchema, t}.Sanitize(), pgx.Identifier{templateSchema, t}.Sanitize())
	}
	b.WriteString("\\timing on\n") // per-table times, read back by floorTableSeconds
	for _, t := range tables {
		path := strings.ReplaceAll(filepath.Join(csvDir, t+".csv"), "'", "''")
		fmt.Fprintf(&b, "\\echo TABLE %s\n", t)
		fmt.Fprintf(&b, "\\copy %s FROM '%s' WITH (FORMAT csv)\n", pgx.Identifier{floorSchema, t}.Sanitize(), path)
	}
	b.WriteString("\\timing off\n")
	b.WriteString("COMMIT;\n")
	return b.String()
}

// summarize computes the medians, the rates and the ratios.
func summarize(rep *loadReport, pgl, floor *loadTool) {
	for _, t := range rep.Tools {
		t.Rows = rep.Rows
		if len(t.Runs) == 0 {
			t.Measured = false
			continue
		}
		pick := func(f func(loadRun) float64) float64 {
			v := make([]float64, len(t.Runs))
			for i, r := range t.Runs {
				v[i] = f(r)
			}
			return medianF(v)
		}
		t.Seconds = pick(func(r loadRun) float64 { return r.Seconds })
		t.CPUSeconds = pick(func(r loadRun) float64 { return r.CPUSeconds })
		for _, r := range t.Runs {
			for step := range r.Steps {
				if t.StepSeconds == nil {
					t.StepSeconds = map[string]float64{}
				}
				t.StepSeconds[step] = pick(func(r loadRun) float64 { return r.Steps[step] })
			}
		}
		if t.Seconds > 0 {
			t.RowsPerSec = float64(rep.Rows) / t.Seconds
		}
		for _, tr := range rep.TableRows {
			var v []float64
			for _, r := range t.Runs {
				if sec, ok := r.Tables[tr.Table]; ok {
					v = append(v, sec)
				}
			}
			if len(v) == len(t.Runs) {
				if t.TableSeconds == nil {
					t.TableSeconds = map[string]float64{}
				}
				t.TableSeconds[tr.Table] = medianF(v)
			}
		}
	}
	for _, t := range rep.Tools {
		if !t.Measured || t.Seconds == 0 {
			continue
		}
		if pgl != nil && pgl.Measured && t.Error == "" && pgl.Error == "" {
			t.SpeedVsPgloader = pgl.Seconds / t.Seconds
		}
		if floor.Measured && t.Error == "" && floor.Error == "" {
			t.TimeVsFloor = t.Seconds / floor.Seconds
		}
	}
	rep.Reference = &loadTool{Tool: "original", Label: "the original (SPEC section 7): batched INSERTs, another machine, not measured here",
		Seconds: originalSeconds, Rows: originalRows, RowsPerSec: originalRows / originalSeconds}
	rep.Notes = append(rep.Notes,
		"pgloader creates its tables with its own type mapping from the SQLite declarations: "+
			"INTEGER -> bigint, TEXT -> text, so timestamps, dates, decimals and booleans stay text; it also loads "+
			"the lineage ids (_file_id, _row) instead of the file name, builds no indexes and checks no counts. "+
			"sdetl loads typed columns, builds the natural-key indexes, checks every count in the transaction and swaps; "+
			fmt.Sprintf("every run of every tool was checked afterwards against clean.db's row counts. pgloader runs with prefetch rows = %d: ", pgloaderPrefetch)+
			"its default (100,000) exhausts its 1 GB heap on the comments table.",
		"The COPY floor parses CSV text on the server; sdetl sends binary COPY. Its CSVs were exported from sdetl's "+
			"loaded tables beforehand (not timed), so it loads exactly the same rows into the same column types.",
		"Before every run the target schema is dropped and a CHECKPOINT is taken (not timed); the cluster is durable "+
			"(fsync on, the defaults of `sdetl pg up`). Times are wall clock, including process start for pgloader and psql; "+
			"client CPU is the tool's own process (for sdetl, this process), not the server's.")
}

func writeLoadMarkdown(w io.Writer, rep *loadReport) {
	fmt.Fprintf(w, "Date: %s; %s %s/%s; nproc %d; memory %.0f MB", rep.Date, rep.GoVersion, rep.GOOS, rep.GOARCH, rep.NumCPU, rep.MemTotalMB)
	if rep.CPUModel != "" {
		fmt.Fprintf(w, "; %s", rep.CPUModel)
	}
	fmt.Fprintf(w, "; PostgreSQL %s", rep.PostgreSQL)
	if rep.Pgloader != "" {
		fmt.Fprintf(w, "; pgloader %s", rep.Pgloader)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Command: `%s`. Load average (1/5/15 min): %s before the runs, %s after. Runs per tool: %d (median; order rotated each round).\n",
		rep.Command, rep.LoadBefore, rep.LoadAfter, rep.N)
	var parts []string
	for _, t := range rep.TableRows {
		parts = append(parts, fmt.Sprintf("%s %s", t.Table, count(t.Rows)))
	}
	fmt.Fprintf(w, "Input: scale %g, clean.db %.0f MB, %s rows (%s); floor CSVs %.0f MB; built in %.1fs (not timed).\n",
		rep.Scale, rep.CleanMB, count(rep.Rows), strings.Join(parts, ", "), rep.CSVMB, rep.BuildSecs)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| tool | s (median of %d) | runs s | client CPU s | rows/s | vs pgloader (pgloader s / s) | vs COPY floor (s / floor s) |\n", rep.N)
	fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|")
	for _, t := range rep.Tools {
		if !t.Measured {
			reason := "not measured"
			if t.Error != "" {
				reason = "failed: see notes"
			}
			fmt.Fprintf(w, "| %s | %s | - | - | - | - | - |\n", t.Label, reason)
			continue
		}
		runs := make([]string, len(t.Runs))
		for i, r := range t.Runs {
			runs[i] = fmt.Sprintf("%.2f", r.Seconds)
		}
		fmt.Fprintf(w, "| %s | %.2f | %s | %.2f | %s | %s | %s |\n", t.Label, t.Seconds, strings.Join(runs, ", "), t.CPUSeconds,
			rate(t.RowsPerSec), plain(t.SpeedVsPgloader), plain(t.TimeVsFloor))
	}
	if r := rep.Reference; r != nil {
		fmt.Fprintf(w, "| %s | %.1f | - | - | %s | - | - |\n", r.Label, r.Seconds, rate(r.RowsPerSec))
	}
	writeTableRates(w, rep)
	writeSwapMarkdown(w, rep.Swaps)
	for _, t := range rep.Tools {
		if t.Tool == toolSdetl && t.Measured {
			fmt.Fprintln(w)
			var steps []string
			for _, st := range slices.Sorted(maps.Keys(t.StepSeconds)) {
				steps = append(steps, fmt.Sprintf("%s %.2fs", st, t.StepSeconds[st]))
			}
			fmt.Fprintf(w, "sdetl's steps, wall time (medians): %s.\n", strings.Join(steps, ", "))
		}
	}
	if len(rep.Notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range rep.Notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
}

// writeTableRates prints rows/s per table and tool, where the tool reports per-table times
// (sdetl: its COPY of the table; the floor: psql's \timing of its \copy; pgloader: its summary).
func writeTableRates(w io.Writer, rep *loadReport) {
	var tools []*loadTool
	for _, t := range rep.Tools {
		if t.Measured && len(t.TableSeconds) > 0 {
			tools = append(tools, t)
		}
	}
	if len(tools) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "| table | rows |")
	for _, t := range tools {
		fmt.Fprintf(w, " %s s | %s rows/s |", t.Tool, t.Tool)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "|---|---:|")
	for range tools {
		fmt.Fprint(w, "---:|---:|")
	}
	fmt.Fprintln(w)
	for _, tr := range rep.TableRows {
		fmt.Fprintf(w, "| %s | %s |", tr.Table, count(tr.Rows))
		for _, t := range tools {
			if sec, ok := t.TableSeconds[tr.Table]; ok && sec > 0 {
				fmt.Fprintf(w, " %.2f | %s |", sec, rate(float64(tr.Rows)/sec))
			} else {
				fmt.Fprint(w, " - | - |")
			}
		}
		fmt.Fprintln(w)
	}
}

// selfCPU is this process's user+system CPU time in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// toolVersion is the first line a tool prints for its version flag.
func toolVersion(ctx context.Context, path string, arg string) string {
	out, err := exec.CommandContext(ctx, path, arg).CombinedOutput()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	line = strings.TrimPrefix(line, "pgloader version ")
	return strings.Trim(line, `"`)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
