// Command sdetl lands a service desk's spreadsheet exports (tickets, comments, timesheets) in
// PostgreSQL, typed, checked and reconciled. Run `sdetl help` for the subcommands.
//
// default.pgo beside this file is a CPU profile of sdetl run on the benchmark's inputs: go build
// and go run optimise the command with it (profile-guided optimisation, Go's -pgo=auto). It
// only steers the compiler; a stale profile costs speed, never correctness. How it is made
// and what it gains: docs/benchmarks.md, the twelfth round.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	setMemoryLimit(os.Getenv)
	setGCPercent(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startCPUProfile(os.Getenv("SDETL_CPUPROFILE"))
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// startCPUProfile writes a CPU profile of the whole command to path (SDETL_CPUPROFILE), for the
// speed work in docs/benchmarks.md; an empty path profiles nothing.
func startCPUProfile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "sdetl: SDETL_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
