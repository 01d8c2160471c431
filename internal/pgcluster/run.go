package pgcluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// logTailLines is how much of the log a failure quotes: enough for initdb's or the server's
// reason, short enough to read.
const logTailLines = 12

// command prepares a PostgreSQL binary run in the cluster directory, as the service account when
// we are root, with libpq's PG* variables removed so that the environment cannot redirect it.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	closeInheritedFDs()
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, name), args...)
	cmd.Dir = c.Dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	// The cluster's locale is C (initdb --locale=C); an unknown LANG would only produce warnings.
	cmd.Env = append(cmd.Env, "LC_ALL=C")
	if c.runAs != nil {
		cmd.SysProcAttr = c.runAs.credential()
	}
	return cmd
}

// run runs a binary with its output appended to the cluster log; a failure carries the log's tail.
func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	f, err := os.OpenFile(c.LogFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	defer f.Close()
	fmt.Fprintf(f, "%s sdetl: %s %s\n", time.Now().Format("2006-01-02 15:04:05.000 MST"), name, strings.Join(args, " "))
	cmd := c.command(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = f, f // a file, not a pipe: the server pg_ctl starts must not hold our pipe
	if err := cmd.Run(); err != nil {
		what := name
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			what += " " + args[0]
		}
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return fmt.Errorf("pgcluster: %s failed (%v); last lines of %s:\n%s", what, err, c.LogFile, tail(c.LogFile, logTailLines))
	}
	return nil
}

// tail returns the last n lines of the file, indented, or a note saying why it cannot.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "  (" + err.Error() + ")"
	}
	defer f.Close()
	const window = 16 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > window {
		f.Seek(fi.Size()-window, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	var lines []string
	for _, l := range strings.Split(string(bytes.ToValidUTF8(b, []byte("?"))), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}
