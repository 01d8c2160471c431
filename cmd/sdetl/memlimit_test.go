package main

import (
	"runtime/debug"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1)) // the test binary's limit, restored
	if got := setMemoryLimit(func(string) string { return "" }); got != defaultMemoryLimit || debug.SetMemoryLimit(-1) != defaultMemoryLimit {
		t.Errorf("without GOMEMLIMIT: limit %d (runtime %d), want %d", got, debug.SetMemoryLimit(-1), defaultMemoryLimit)
	}
	debug.SetMemoryLimit(1 << 30) // as GOMEMLIMIT=1GiB would have set it at start
	if got := setMemoryLimit(func(k string) string { return map[string]string{"GOMEMLIMIT": "1GiB"}[k] }); got != 1<<30 {
		t.Errorf("with GOMEMLIMIT=1GiB: limit %d, want the environment's %d", got, 1<<30)
	}
}

func TestGCPercent(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100)) // the test binary's percentage, restored
	if got := setGCPercent(func(string) string { return "" }); got != defaultGCPercent {
		t.Errorf("without GOGC: %d, want %d", got, defaultGCPercent)
	}
	if p := debug.SetGCPercent(100); p != defaultGCPercent {
		t.Errorf("without GOGC: the runtime's percentage is %d, want %d", p, defaultGCPercent)
	}
	debug.SetGCPercent(50) // as GOGC=50 would have set it at start
	if got := setGCPercent(func(k string) string { return map[string]string{"GOGC": "50"}[k] }); got != 50 {
		t.Errorf("with GOGC=50: %d, want the environment's 50", got)
	}
	if p := debug.SetGCPercent(100); p != 50 {
		t.Errorf("with GOGC=50: the runtime's percentage is %d, want it left at 50", p)
	}
}
