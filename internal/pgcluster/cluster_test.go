package pgcluster

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// clusterDir is a fresh directory for a cluster. As root the server runs as another user, who
// must be able to traverse the directories above it; t.TempDir makes them 0700, so open up
// the test's own ones (the package itself never chmods outside the cluster).
func clusterDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		for d := filepath.Dir(dir); strings.HasPrefix(d, os.TempDir()+string(filepath.Separator)); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// newCluster describes a Fast cluster in a fresh directory and stops it when the test ends.
func newCluster(t *testing.T) *Cluster {
	t.Helper()
	c, err := NewWithOptions(clusterDir(t), Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

func query(t *testing.T, dsn, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func TestCluster(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t)

	t0 := time.Now()
	if err := c.Init(ctx); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("init %v, start %v", t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))

	if err := c.Init(ctx); err != nil {
		t.Errorf("second Init: %v", err)
	}
	if err := c.Start(ctx); err != nil {
		t.Errorf("Start while running: %v", err)
	}
	if !c.Running() {
		t.Fatal("Running() = false after Start")
	}
	if v := query(t, c.DSN("postgres"), "select version()"); !strings.HasPrefix(v, "PostgreSQL ") {
		t.Errorf("version() = %q", v)
	}
	for setting, want := range map[string]string{
		"listen_addresses":        "", // no TCP
		"unix_socket_directories": c.SocketDir,
		"fsync":                   "off",
		"max_connections":         "50",
		"shared_buffers":          "128MB",
		"server_encoding":         "UTF8",
		"is_superuser":            "on",
	} {
		if got := query(t, c.DSN("postgres"), "show "+setting); got != want {
			t.Errorf("show %s = %q, want %q", setting, got, want)
		}
	}

	if err := c.CreateDatabase(ctx, "Mixed Case"); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase(ctx, "Mixed Case"); err != nil {
		t.Errorf("CreateDatabase of an existing database: %v", err)
	}
	if got := query(t, c.DSN("Mixed Case"), "select current_database()"); got != "Mixed Case" {
		t.Errorf("current_database() = %q", got)
	}

	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Running() {
		t.Error("Running() = true after Stop")
	}
	if err := c.Stop(ctx); err != nil {
		t.Errorf("Stop while stopped: %v", err)
	}
	t2 := time.Now()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart %v", time.Since(t2).Round(time.Millisecond))
	if got := query(t, c.DSN("Mixed Case"), "select current_database()"); got != "Mixed Case" {
		t.Errorf("after restart current_database() = %q", got)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(c.SocketDir, ".s.PGSQL."+strconv.Itoa(c.Port))); !os.IsNotExist(err) {
		t.Errorf("socket still there after Stop: %v", err)
	}
}

func TestStartWithoutInit(t *testing.T) {
	c := newCluster(t)
	if err := c.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "run Init first") {
		t.Errorf("Start before Init: %v", err)
	}
}

// TestInitFailureQuotesLog makes initdb fail and checks the error carries its reason.
func TestInitFailureQuotesLog(t *testing.T) {
	c := newCluster(t)
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.DataDir, "stray"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if c.runAs != nil {
		c.runAs.chown(c.DataDir)
	}
	err := c.Init(context.Background())
	if err == nil {
		t.Fatal("Init into a non-empty data dir succeeded")
	}
	for _, want := range []string{"initdb failed", c.LogFile, "not empty"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	if _, err := os.Stat(filepath.Join(c.DataDir, "stray")); err != nil {
		t.Errorf("the failed Init touched the existing data dir: %v", err)
	}
}

func TestUnreachableParentAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs PostgreSQL as another user")
	}
	parent := filepath.Join(clusterDir(t), "closed")
	if err := os.Mkdir(parent, 0o700); err != nil {
		t.Fatal(err)
	}
	c, err := NewWithOptions(filepath.Join(parent, "a", "pg"), Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Init(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not traversable") || !strings.Contains(err.Error(), parent+" ") {
		t.Errorf("Init under a 0700 root dir: %v", err)
	}
	if fi, _ := os.Stat(parent); fi.Mode().Perm() != 0o700 {
		t.Errorf("Init changed the parent's mode to %#o", fi.Mode().Perm())
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("Init made the cluster dir it cannot use: %v", err)
	}
}

func TestConf(t *testing.T) {
	c := &Cluster{Port: 25432, SocketDir: "/tmp/it's"}
	safe := c.conf()
	for _, want := range []string{"listen_addresses = ''\n", "port = 25432\n", "unix_socket_directories = '/tmp/it''s'\n"} {
		if !strings.Contains(safe, want) {
			t.Errorf("conf lacks %q:\n%s", want, safe)
		}
	}
	if strings.Contains(safe, "fsync") {
		t.Errorf("default conf turns fsync off:\n%s", safe)
	}
	c.opts.Fast = true
	if fast := c.conf(); !strings.Contains(fast, "fsync = off\n") || !strings.Contains(fast, "full_page_writes = off\n") {
		t.Errorf("Fast conf keeps fsync on:\n%s", fast)
	}
}

func TestNewPaths(t *testing.T) {
	short, err := New("/srv/sdetl")
	if err != nil {
		t.Fatal(err)
	}
	if short.SocketDir != "/srv/sdetl/run" || short.DataDir != "/srv/sdetl/data" || short.LogFile != "/srv/sdetl/log/postgres.log" {
		t.Errorf("paths: %+v", short)
	}
	again, _ := New("/srv/sdetl/")
	other, _ := New("/srv/other")
	if again.Port != short.Port || other.Port == short.Port {
		t.Errorf("ports not derived from the dir: %d %d %d", short.Port, again.Port, other.Port)
	}
	if got, want := short.DSN("x y"), "host=/srv/sdetl/run port="+strconv.Itoa(short.Port)+" user=sdetl dbname='x y' sslmode=disable"; got != want {
		t.Errorf("DSN = %q, want %q", got, want)
	}

	long, err := New("/" + strings.Repeat("d", 120))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(long.SocketDir, os.TempDir()) || len(long.SocketDir)+len("/.s.PGSQL.12345") > maxSocketPath {
		t.Errorf("long dir socket dir = %q", long.SocketDir)
	}
	if long.ownsSocketDir() || !short.ownsSocketDir() {
		t.Error("ownsSocketDir wrong")
	}

	if _, err := New("/tmp/a\"b"); err == nil {
		t.Error("New accepted a dir with a double quote")
	}
}

func TestFindBinaries(t *testing.T) {
	t.Setenv("SDETL_PG_BIN", t.TempDir())
	_, err := FindBinaries()
	if err == nil || !strings.Contains(err.Error(), "SDETL_PG_BIN") || strings.Contains(err.Error(), "\n") {
		t.Errorf("FindBinaries with an empty SDETL_PG_BIN: %v", err)
	}
	if strings.Contains(errNoBinaries.Error(), "\n") {
		t.Error("the not-found message is not one line")
	}
	t.Setenv("SDETL_PG_BIN", "")
	dir, err := FindBinaries()
	if err != nil {
		t.Fatal(err) // a machine without PostgreSQL cannot run this package's tests at all
	}
	if missingIn(dir) != "" {
		t.Errorf("FindBinaries() = %s, which lacks %s", dir, missingIn(dir))
	}
	if versionOf("/usr/lib/postgresql/16/bin") <= versionOf("/usr/lib/postgresql/9.6/bin") {
		t.Error("version 16 does not sort above 9.6")
	}
}
