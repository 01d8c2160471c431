package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/pgcluster"
)

// useWatchdog is off only in the test that checks the signal handler on its own.
var useWatchdog = true

// state is the test binary's cluster, shared by all its tests.
var state struct {
	sync.Mutex
	main     bool // Main is running: someone will stop the cluster
	over     bool // Main has shut down: no new cluster
	cluster  *pgcluster.Cluster
	err      error // the first start failure, repeated to every later test
	watchdog *watchdog
}

// Main runs the tests and then stops the cluster (if a test started one) and removes its
// directory. A SIGINT or SIGTERM stops it too before the process dies of the signal; a panic or
// a test timeout, which end the process without returning here, are covered by a watchdog
// process that stops the server once this process is gone.
func Main(m *testing.M) int {
	state.Lock()
	state.main = true
	state.Unlock()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			shutdown()
			signal.Reset(sig)
			syscall.Kill(os.Getpid(), sig.(syscall.Signal)) // die of it, as without us
			time.Sleep(time.Second)
			os.Exit(1)
		case <-done:
		}
	}()

	code := m.Run()
	signal.Stop(sigs)
	close(done)
	if err := shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// cluster returns the binary's cluster, starting it on first use.
func cluster() (*pgcluster.Cluster, error) {
	state.Lock()
	defer state.Unlock()
	switch {
	case !state.main:
		return nil, errors.New("pgtest: no cluster without pgtest.Main, which stops it: add " +
			"func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) } (or set " + EnvDSN + ")")
	case state.over:
		return nil, errors.New("pgtest: the tests are over; the cluster is stopped")
	case state.cluster == nil && state.err == nil:
		state.cluster, state.err = startCluster()
	}
	return state.cluster, state.err
}

// startCluster initialises and starts a Fast cluster in a new temporary directory, watched.
func startCluster() (*pgcluster.Cluster, error) {
	if _, err := pgcluster.FindBinaries(); err != nil {
		return nil, err // its one line is the whole story
	}
	dir, err := os.MkdirTemp("", "sdetl-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c, err := pgcluster.NewWithOptions(dir, pgcluster.Options{Fast: true})
	if err == nil && useWatchdog {
		// Watch before starting, so that a crash during the start is covered too.
		state.watchdog, err = startWatchdog(c)
	}
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err = c.Init(ctx); err == nil {
			err = c.Start(ctx)
		}
	}
	if err != nil {
		if c != nil {
			c.Stop(context.Background())
		}
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// shutdown stops the cluster and removes its directory; later DSN calls fail. It is idempotent.
func shutdown() error {
	state.Lock()
	defer state.Unlock()
	state.over = true
	var err error
	if c := state.cluster; c != nil {
		state.cluster = nil
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err = c.Stop(ctx); err == nil {
			if rerr := os.RemoveAll(c.Dir); rerr != nil {
				err = fmt.Errorf("pgtest: %w", rerr)
			}
		}
	}
	if w := state.watchdog; w != nil {
		state.watchdog = nil
		w.release()
	}
	return err
}

// watchdog is a process outside our process group that waits for EOF on a pipe only we hold
// open. However we end, the kernel closes our end; it then stops the server (SIGINT is
// PostgreSQL's fast shutdown), waits until the server has removed postmaster.pid (its last act;
// the process itself may linger as a zombie if init is slow to reap it) and removes the cluster
// directory. After a clean shutdown it finds nothing left to do.
type watchdog struct {
	cmd  *exec.Cmd
	pipe *os.File
}

const watchdogScript = `read _
pid=$(head -n 1 "$1/postmaster.pid" 2>/dev/null)
if [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null; then
	i=0
	while kill -0 "$pid" 2>/dev/null && [ -e "$1/postmaster.pid" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
fi
rm -rf "$2"
`

func startWatchdog(c *pgcluster.Cluster) (*watchdog, error) {
	r, w, err := os.Pipe() // close-on-exec: neither pg_ctl nor the server inherits w
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", watchdogScript, "pgtest-watchdog", c.DataDir, c.Dir)
	cmd.Stdin = r
	// Its own session: the Ctrl-C that kills the test binary must not kill the watchdog. No
	// stdout/stderr: go test waits for its test binary's output pipe to close.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("pgtest: start watchdog: %w", err)
	}
	return &watchdog{cmd: cmd, pipe: w}, nil
}

// release lets the watchdog finish and reaps it.
func (w *watchdog) release() {
	w.pipe.Close()
	done := make(chan struct{})
	go func() { w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}
