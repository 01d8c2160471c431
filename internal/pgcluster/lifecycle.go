package pgcluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// confFile holds every setting sdetl makes; Start rewrites it, so the cluster always runs with
// the current socket dir, port and Options. postgresql.conf only includes it (last, so it wins).
const confFile = "sdetl.conf"

// includeLine is a hard include: without sdetl.conf the server must fail to start rather than
// come up with the defaults, which listen on TCP.
const includeLine = "include = '" + confFile + "'"

// Initialized reports whether dir/data holds a cluster.
func (c *Cluster) Initialized() bool {
	_, err := os.Stat(filepath.Join(c.DataDir, "PG_VERSION"))
	return err == nil
}

// Init creates the cluster with initdb unless dir/data already has a PG_VERSION.
func (c *Cluster) Init(ctx context.Context) error {
	if c.Initialized() {
		return nil
	}
	if err := c.prepare(); err != nil {
		return err
	}
	args := []string{"-D", c.DataDir, "-U", c.User, "--auth=trust", "--encoding=UTF8", "--locale=C"}
	if c.opts.Fast {
		args = append(args, "--no-sync")
	}
	return c.run(ctx, "initdb", args...)
}

// Start starts the server and waits until it accepts connections; a running server is left alone.
func (c *Cluster) Start(ctx context.Context) error {
	if !c.Initialized() {
		return fmt.Errorf("pgcluster: no cluster in %s: run Init first", c.DataDir)
	}
	if c.Running() {
		return nil
	}
	if err := c.prepare(); err != nil {
		return err
	}
	if err := c.writeConf(); err != nil {
		return err
	}
	return c.run(ctx, "pg_ctl", "start", "-w", "-t", "120", "-s", "-D", c.DataDir, "-l", c.LogFile)
}

// Stop shuts the server down (fast mode: sessions are ended, nothing is lost) and waits for it.
func (c *Cluster) Stop(ctx context.Context) error {
	if c.Running() {
		if err := c.run(ctx, "pg_ctl", "stop", "-w", "-t", "120", "-s", "-m", "fast", "-D", c.DataDir); err != nil {
			return err
		}
	}
	if !c.ownsSocketDir() {
		os.Remove(c.SocketDir) // empty once the server is gone; a leftover is harmless
	}
	return nil
}

// Running reports whether the cluster's server is up (pg_ctl status: postmaster.pid names a live
// process).
func (c *Cluster) Running() bool {
	if !c.Initialized() {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return c.command(ctx, "pg_ctl", "status", "-D", c.DataDir).Run() == nil
}

// prepare creates the cluster's directories and, as root, hands them to the service account.
func (c *Cluster) prepare() error {
	// Missing parents are made traversable (0755), as mkdir -p would; the cluster's own
	// directories are private (0700). A socket dir inside the cluster dir needs no check of its
	// own: the cluster dir is handed over below.
	outside := []string{c.Dir}
	if !c.ownsSocketDir() {
		outside = append(outside, c.SocketDir)
	}
	for _, d := range outside {
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if c.runAs != nil {
			if err := c.runAs.checkReachable(d); err != nil {
				return err
			}
		}
	}
	logDir := filepath.Dir(c.LogFile)
	for _, d := range []string{c.Dir, logDir, c.SocketDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
	}
	f, err := os.OpenFile(c.LogFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	f.Close()
	if c.runAs == nil {
		return nil
	}
	return c.runAs.chown(c.Dir, logDir, c.LogFile, c.SocketDir)
}

// conf is the text of sdetl.conf.
func (c *Cluster) conf() string {
	var b strings.Builder
	b.WriteString("# Written by sdetl at every start; changes here are overwritten.\n")
	fmt.Fprintf(&b, "listen_addresses = ''\n")
	fmt.Fprintf(&b, "port = %d\n", c.Port)
	fmt.Fprintf(&b, "unix_socket_directories = '%s'\n", strings.ReplaceAll(c.SocketDir, "'", "''"))
	fmt.Fprintf(&b, "unix_socket_permissions = 0700\n")
	fmt.Fprintf(&b, "max_connections = 50\n")
	fmt.Fprintf(&b, "shared_buffers = 128MB\n")
	if c.opts.Fast {
		b.WriteString("# Fast: a throwaway test cluster; a crash may lose or corrupt data.\n")
		b.WriteString("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
	}
	return b.String()
}

// writeConf writes sdetl.conf and makes sure postgresql.conf includes it. The include is checked
// at every start, not just after initdb, so that an Init interrupted before adding it cannot
// leave a cluster that would listen on TCP.
func (c *Cluster) writeConf() error {
	path := filepath.Join(c.DataDir, confFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(c.conf()), 0o600); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if c.runAs != nil {
		if err := c.runAs.chown(tmp); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	main := filepath.Join(c.DataDir, "postgresql.conf")
	b, err := os.ReadFile(main)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if bytes.Contains(b, []byte("\n"+includeLine+"\n")) {
		return nil
	}
	f, err := os.OpenFile(main, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	_, err = fmt.Fprintf(f, "\n# sdetl: its settings, rewritten at every start\n%s\n", includeLine)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}
