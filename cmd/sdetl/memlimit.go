package main

import "runtime/debug"

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT does not set one.
// The stages stream, so the live heap stays small (51 MB at most at 4x the reference size,
// GODEBUG=gctrace=1), but with the default GOGC alone the heap grew to twice that between
// collections and the freed memory stayed in the process while SQLite's own allocations peaked
// beside it: the run's peak RSS at 4x was 197 MB, in the stage score (docs/benchmarks.md). The
// limit makes the collector and the scavenger keep the Go side near it: 176 MB at 4x, with no
// time cost measured at scale 1 or on the event log. It is soft: a heap that needs more gets it.
const defaultMemoryLimit = 96 << 20

// setMemoryLimit applies defaultMemoryLimit unless the environment's GOMEMLIMIT (getenv) set
// one, and returns the limit in force.
func setMemoryLimit(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1) // -1 reads the limit without changing it
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
	return defaultMemoryLimit
}
