package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/synth"
)

func cmdDemo(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "demo", "[flags]",
		"The newcomer's first command: generate a quarter of synthetic exports into the work dir,\nstart the local throwaway PostgreSQL, run the whole pipeline, and say how to look at the data.").withWorkdir().withPG()
	o := synth.Options{Seed: 1, Format: "xlsx", Dialect: "legacy", Dirt: "realistic"}
	f.Float64Var(&o.Scale, "scale", 1, "volume of the generated exports (1 = the reference quarter, about 260K rows)")
	f.StringVar(&o.Format, "format", "xlsx", "xlsx or csv")
	if _, err := f.parse(args); err != nil {
		return err
	}
	if err := synthOptions(&o); err != nil {
		return err
	}
	unlock, err := f.work.lock()
	if err != nil {
		return err
	}
	defer unlock()
	dir := f.work.exports()
	if t, err := synth.ReadTruth(filepath.Join(dir, "truth.json")); err == nil && reflect.DeepEqual(t.Options, o) {
		fmt.Fprintf(e.stdout, "using the exports already generated in %s\n", dir)
	} else {
		fmt.Fprintf(e.stdout, "generating synthetic exports (scale %g, %s) into %s ...\n", o.Scale, o.Format, dir)
		if _, err := synth.Generate(ctx, dir, o); err != nil {
			return fmt.Errorf("generate: %w", err)
		}
	}
	dsn := f.pg
	if dsn == "" {
		if dsn, err = localDSN(ctx, e, f.work); err != nil {
			return err
		}
	}
	s := contract.ServiceDesk()
	rep, err := pipeline(ctx, e, s, runOptions{exports: dir, work: f.work, dsn: dsn, fresh: true, minQuality: s.Quality.Gate})
	printRun(e.stdout, rep)
	if err != nil {
		printReportPath(e.stdout, rep)
		return err
	}
	fmt.Fprintf(e.stdout, "\nThe data is in schema %s (tables tickets, comments, timesheets, roster, quarantine).\n", rep.Schema)
	fmt.Fprintf(e.stdout, "Look at it:  psql \"%s\" -c 'select count(*) from %s.tickets'\n", describeDSN(dsn), rep.Schema)
	kpis, err := postgres.RunKPIs(ctx, dsn, s.Schema, s.KPIParams(), nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	printKPIs(e.stdout, kpis, true)
	me := self()
	fmt.Fprintf(e.stdout, "(%s kpi --workdir %s shows the distributions; docs/kpis.md defines each KPI)\n", me, f.work)
	fmt.Fprintf(e.stdout, "Run report:  %s (open it in a browser; %s holds the same as JSON)\n", rep.Report, f.work.runJSON())
	fmt.Fprintf(e.stdout, "Stop the database:  %s pg down --workdir %s\n", me, f.work)
	fmt.Fprintf(e.stdout, "Remove everything the demo made (%s now holds %.1f MB):  %s pg down --purge --workdir %s\n",
		f.work, float64(duSize(string(f.work)))/1e6, me, f.work)
	return nil
}

// self is how the reader runs sdetl: through go run (the binary lives in Go's build cache)
// or as a built binary.
func self() string {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "go run ./cmd/sdetl"
	}
	return "sdetl"
}
