package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// binaries are the programs a cluster needs; they must sit in one directory so that initdb and
// pg_ctl find the postgres of the same version next to them.
var binaries = []string{"initdb", "pg_ctl", "postgres"}

// errNoBinaries is the one line a user sees when nothing is installed.
var errNoBinaries = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found: install them with " +
	"'apt-get install postgresql' (Debian/Ubuntu) or set SDETL_PG_DSN to use an existing server")

// FindBinaries returns the directory holding initdb, pg_ctl and postgres: $SDETL_PG_BIN if set,
// else the directory of initdb on PATH with symlinks resolved (a /usr/local/bin/initdb link
// leads to the versioned bin directory where postgres sits), else the highest-versioned
// /usr/lib/postgresql/*/bin (Debian does not put initdb on PATH).
func FindBinaries() (string, error) {
	if dir := os.Getenv("SDETL_PG_BIN"); dir != "" {
		if missing := missingIn(dir); missing != "" {
			return "", fmt.Errorf("SDETL_PG_BIN=%s does not hold %s (it needs initdb, pg_ctl and postgres)", dir, missing)
		}
		return dir, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			if dir := filepath.Dir(real); missingIn(dir) == "" {
				return dir, nil
			}
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, dir := range dirs {
		if missingIn(dir) == "" {
			return dir, nil
		}
	}
	return "", errNoBinaries
}

// missingIn returns the first needed binary that is not an executable file in dir, or "".
func missingIn(dir string) string {
	for _, name := range binaries {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return name
		}
	}
	return ""
}

// versionOf reads the major version from /usr/lib/postgresql/<major>/bin ("9.6" sorts as 9).
func versionOf(binDir string) float64 {
	v := filepath.Base(filepath.Dir(binDir))
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return -1
	}
	return f
}
