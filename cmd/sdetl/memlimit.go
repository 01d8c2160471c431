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

// defaultGCPercent is GOGC when the environment does not set it. Under the limit above, which
// bounds the heap at every size, a collection at every 100% of growth mostly marked the same
// small live heap again: 300 took the event log from 3.21 to 2.97 s (6 of 6 alternated pairs),
// for peak RSS 69 -> 85 MB there, 130-138 -> 163-169 MB at scale 1 and 172 -> 180 MB at 4x.
const defaultGCPercent = 300

// setMemoryLimit applies defaultMemoryLimit unless the environment's GOMEMLIMIT (getenv) set
// one, and returns the limit in force.
func setMemoryLimit(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1) // -1 reads the limit without changing it
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
	return defaultMemoryLimit
}

// setGCPercent applies defaultGCPercent unless the environment's GOGC (getenv) set one, and
// returns the percentage in force.
func setGCPercent(getenv func(string) string) int {
	if getenv("GOGC") != "" {
		p := debug.SetGCPercent(100) // read by setting, then put back
		debug.SetGCPercent(p)
		return p
	}
	debug.SetGCPercent(defaultGCPercent)
	return defaultGCPercent
}
