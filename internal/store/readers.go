package store

import (
	"database/sql"
	"runtime"
	"sync"
)

// ReadAtOnce runs jobs on up to two read-only connections of the finished store at path, one
// job per connection at a time, and returns when all have ended. The jobs are the stages' SQL
// over whole tables (key, orphan and reconciliation queries): each runs on one core, so two at
// once keep both cores busy. A job records its own result; the error is only the connections'.
func ReadAtOnce(path string, jobs []func(db *sql.DB)) error {
	workers := min(2, runtime.GOMAXPROCS(0), len(jobs))
	dbs := make([]*sql.DB, workers)
	for i := range dbs {
		db, err := OpenReadOnly(path)
		if err != nil {
			for _, d := range dbs[:i] {
				d.Close()
			}
			return err
		}
		dbs[i] = db
	}
	next := make(chan func(*sql.DB))
	var wg sync.WaitGroup
	for _, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer db.Close()
			for job := range next {
				job(db)
			}
		}()
	}
	for _, job := range jobs {
		next <- job
	}
	close(next)
	wg.Wait()
	return nil
}

// Result is a value a job computed, or the error that kept it from it.
type Result[T any] struct {
	V   T
	Err error
}
