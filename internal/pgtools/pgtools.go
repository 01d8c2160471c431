// Package pgtools finds the PostgreSQL client programs (pg_dump, pg_restore) on PATH and tells
// their versions. PATH, not the server binaries sdetl pg uses, because a dump of a remote
// server is made with whatever client the operator installed; preflight judges that one.
package pgtools

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Tool is one client program.
type Tool struct {
	Name, Path string
	Version    string // as printed, e.g. "15.5 (Debian 15.5-0+deb12u1)"
	Major      int    // 0 when the version could not be read
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?\S*(.*)$`)

// Find looks name up on PATH and asks it its version (within 5 s).
func Find(ctx context.Context, name string) (Tool, error) {
	t := Tool{Name: name}
	p, err := exec.LookPath(name)
	if err != nil {
		return t, fmt.Errorf("%s not found on PATH", name)
	}
	t.Path = p
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p, "--version").Output()
	if err != nil {
		return t, fmt.Errorf("%s --version: %w", p, err)
	}
	line := strings.TrimSpace(string(out))
	t.Version = line
	if m := versionRE.FindStringSubmatch(line); m != nil {
		t.Major, _ = strconv.Atoi(m[1])
		t.Version = strings.TrimSpace(strings.TrimPrefix(line[strings.Index(line, ")")+1:], " "))
	}
	return t, nil
}
