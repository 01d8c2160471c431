// Package pgcluster owns running a PostgreSQL cluster from the system's server binaries, for the
// CLI's local default (sdetl pg up|down|status|dsn keeps one under a work dir) and for tests.
//
// A cluster listens only on a unix socket, never TCP, and trusts every connection that reaches
// the socket: the socket directory (mode 0700) is the access control. As root, the binaries run
// as the unprivileged 'postgres' (or 'nobody') user, because initdb and postgres refuse root.
package pgcluster

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Superuser is the database superuser every cluster is created with, whoever runs it.
const Superuser = "sdetl"

// maxSocketPath is the longest unix socket path: sun_path is 108 bytes including the NUL.
const maxSocketPath = 107

// Options tune a cluster. The zero value is right for the user's data.
type Options struct {
	// Fast turns fsync, synchronous_commit and full_page_writes off (and skips initdb's sync):
	// a crash can lose or corrupt the data, so only throwaway test clusters use it.
	Fast bool
	// Port names the socket file (.s.PGSQL.<port>); there is no TCP listener. Zero derives a
	// port from the directory, so a cluster's DSN is stable across runs.
	Port int
}

// Cluster is a PostgreSQL cluster kept under one directory. Its methods are not safe for
// concurrent use.
type Cluster struct {
	Dir       string // absolute; holds data/, log/ and normally run/
	DataDir   string // Dir/data
	SocketDir string // Dir/run, or a short dir under os.TempDir() when that path is too long
	LogFile   string // Dir/log/postgres.log: server log, and initdb/pg_ctl output
	Port      int
	User      string // the database superuser (Superuser)
	BinDir    string // where initdb, pg_ctl and postgres are

	opts  Options
	runAs *account // nil: run the binaries as ourselves
}

// New describes the cluster under dir with the default Options. Nothing is created or started.
func New(dir string) (*Cluster, error) { return NewWithOptions(dir, Options{}) }

// NewWithOptions is New with Options; tests use Options{Fast: true}.
func NewWithOptions(dir string, opts Options) (*Cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	// pg_ctl builds a shell command line with these paths inside double quotes.
	if strings.ContainsAny(abs, "\"$`\\\n\r") {
		return nil, fmt.Errorf("pgcluster: cluster directory %q contains a character pg_ctl cannot quote (\" $ ` \\ or a line break)", abs)
	}
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	port := opts.Port
	if port == 0 {
		h := fnv.New32a()
		h.Write([]byte(abs))
		port = 20000 + int(h.Sum32()%10000)
	}
	sock, err := socketDir(abs, port)
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		Dir:       abs,
		DataDir:   filepath.Join(abs, "data"),
		SocketDir: sock,
		LogFile:   filepath.Join(abs, "log", "postgres.log"),
		Port:      port,
		User:      Superuser,
		BinDir:    bin,
		opts:      opts,
	}
	if os.Geteuid() == 0 {
		if c.runAs, err = serviceAccount(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// socketDir is dir/run unless the socket path would be too long (or the path holds characters
// that the server's directory list or a DSN would need quoting for); then a short directory
// under os.TempDir() named by a hash of dir, so the same cluster always gets the same one.
func socketDir(dir string, port int) (string, error) {
	file := ".s.PGSQL." + strconv.Itoa(port)
	sock := filepath.Join(dir, "run")
	if len(filepath.Join(sock, file)) <= maxSocketPath && !strings.ContainsAny(sock, ",'\" \t") {
		return sock, nil
	}
	sum := sha256.Sum256([]byte(dir))
	sock = filepath.Join(os.TempDir(), "sdetl-pg-"+hex.EncodeToString(sum[:6]))
	if p := filepath.Join(sock, file); len(p) > maxSocketPath {
		return "", fmt.Errorf("pgcluster: socket path %s is longer than %d bytes: set TMPDIR to a shorter directory", p, maxSocketPath)
	}
	return sock, nil
}

// ownsSocketDir reports whether the socket directory lies inside the cluster directory; if not,
// Stop removes it, since nothing else would.
func (c *Cluster) ownsSocketDir() bool {
	return strings.HasPrefix(c.SocketDir, c.Dir+string(filepath.Separator))
}

// DSN is a key/value connection string for database dbname over the unix socket.
func (c *Cluster) DSN(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		dsnQuote(c.SocketDir), c.Port, dsnQuote(c.User), dsnQuote(dbname))
}

// dsnQuote quotes a key/value DSN value when it is empty or holds a space, quote or backslash.
func dsnQuote(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r'\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
