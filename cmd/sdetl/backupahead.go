package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/sdetl/sdetl/internal/backup"
)

// The staging store's backup is made while the clean stage and the canary run: from the end of
// the import nothing writes the staging store (clean and the canary only read it, or the clean
// store), so the copy is the same whenever it is taken, and on two cores it costs the run next
// to no wall time. The load still starts only once the backup is complete and verified, and a
// failed backup fails the run there, with the same error, unless an earlier stage failed first.
// A run that fails before the load removes the backup it made (as if it had never got there).

// aheadBackup is a backup of the staging store being made on a goroutine of its own.
type aheadBackup struct {
	dir    string // where it goes: <workdir>/backups, or a dry run's temporary directory
	dry    bool   // a dry run's rehearsal: removed once timed
	cancel context.CancelFunc
	done   chan struct{}
	m      *backup.Manifest
	err    error
	took   time.Duration // the backup's own time
	joined bool
}

// startBackup begins the staging store's backup (into a temporary directory under backups/
// for a dry run, which times it and removes it).
func startBackup(ctx context.Context, o runOptions, mf *ahead[madeFrom]) (*aheadBackup, error) {
	b := &aheadBackup{dir: o.work.backups(), dry: o.dryRun, done: make(chan struct{})}
	if b.dry {
		if err := os.MkdirAll(b.dir, 0o700); err != nil {
			return nil, err
		}
		tmp, err := os.MkdirTemp(b.dir, ".dry-run-")
		if err != nil {
			return nil, err
		}
		b.dir = tmp
	}
	ctx, b.cancel = context.WithCancel(ctx)
	go func() {
		defer close(b.done)
		m, err := mf.get() // the manifest names the store's hash as its source
		began := time.Now()
		if b.err = err; err == nil {
			b.m, b.err = makeStageBackup(ctx, o.work, b.dir, m.Stage, o.sums)
		}
		b.took = time.Since(began)
		if b.err != nil && b.dry {
			b.err = fmt.Errorf("dry run's backup rehearsal: %w", b.err)
		}
	}()
	return b, nil
}

// wait is the load's side: it returns once the backup is complete and verified, with its id
// (and says where it is), or its error.
func (b *aheadBackup) wait(e *env) (string, error) {
	<-b.done
	b.joined = true
	b.cancel()
	if b.dry {
		os.RemoveAll(b.dir)
	}
	if b.err != nil {
		return "", b.err
	}
	if !b.dry {
		fmt.Fprintf(e.stderr, "sdetl: staging store backed up to %s (sdetl restore %s)\n", b.m.DataPath(b.dir), b.m.ID)
	}
	return b.m.ID, nil
}

// abandon stops a backup the run no longer waits for (it failed before the load) and removes
// what the backup made.
func (b *aheadBackup) abandon() {
	if b == nil || b.joined {
		return
	}
	b.cancel()
	<-b.done
	b.joined = true
	switch {
	case b.dry:
		os.RemoveAll(b.dir)
	case b.m != nil:
		os.Remove(backup.ManifestPath(b.dir, b.m.ID))
		os.Remove(b.m.DataPath(b.dir))
	}
}
