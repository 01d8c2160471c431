package main

// ahead is a value computed on a goroutine of its own while the run goes on, and waited for
// only where it is needed. The run uses it for the whole-file hashes between stages: the
// staging store's (what the clean store is made from), taken while profile, score and clean
// run, and the clean store's (the reuse record's), taken while the canary runs. Each was a
// serial read of a whole store between two stages (about 0.3 and 0.23 CPU-s at scale 1).
type ahead[T any] struct {
	done chan struct{}
	v    T
	err  error
}

// goAhead starts f on a goroutine of its own.
func goAhead[T any](f func() (T, error)) *ahead[T] {
	a := &ahead[T]{done: make(chan struct{})}
	go func() {
		defer close(a.done)
		a.v, a.err = f()
	}()
	return a
}

// get waits for f and returns what it returned; every call returns the same.
func (a *ahead[T]) get() (T, error) {
	<-a.done
	return a.v, a.err
}
