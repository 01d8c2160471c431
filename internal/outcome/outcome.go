// Package outcome names the ways a run can end other than success or a plain runtime error:
// the judgements the pipeline makes about the data and its own checks. Domain packages wrap
// these sentinels (fmt.Errorf("...: %w", outcome.ErrGate)); the command maps each to its exit
// code in one place, so a judgement keeps its meaning however deep it was made.
package outcome

import "errors"

var (
	// ErrPreflight: a check before any work failed (work dir busy, disk or memory short,
	// database unreachable); nothing was read or written.
	ErrPreflight = errors.New("preflight failed")
	// ErrBreaker: the circuit breaker halted the run; the data is too broken to clean.
	ErrBreaker = errors.New("circuit breaker halted")
	// ErrGate: the quality gate failed; nothing was loaded.
	ErrGate = errors.New("quality gate failed")
	// ErrReconcile: counts or scores do not add up (staged != clean + quarantined, a loaded
	// count differs, the loaded schema scores below the clean store); the live schema is
	// untouched.
	ErrReconcile = errors.New("reconciliation failed")
	// ErrCanary: the canary (a sample loaded first into a throwaway schema) failed a check: a
	// type, a count, a null ratio or date range against the profile, or a shipped query; the
	// full load never began and the live schema is untouched.
	ErrCanary = errors.New("canary failed")
	// ErrHealth: a health check during a long stage failed (free disk below the floor,
	// available memory below the floor, sdetl's memory above the ceiling, the database
	// connection gone); the run stopped cleanly and the live schema is untouched.
	ErrHealth = errors.New("health check failed")
)
