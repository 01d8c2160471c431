package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

func TestDSN(t *testing.T) {
	ctx := context.Background()
	conn := connect(t, DSN(t))
	if _, err := conn.Exec(ctx, "create table ticket (id bigint primary key, title text)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "insert into ticket values (1, 'printer'), (2, 'vpn')"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, "select count(*) from ticket").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("count(*) = %d, want 2", n)
	}
}

// TestDatabasesAreSeparateAndDropped checks that each DSN call gets its own database and that a
// test's database is gone when the test ends, even with a connection left open.
func TestDatabasesAreSeparateAndDropped(t *testing.T) {
	ctx := context.Background()
	conn := connect(t, DSN(t))
	var mine, inner string
	if err := conn.QueryRow(ctx, "select current_database()").Scan(&mine); err != nil {
		t.Fatal(err)
	}
	t.Run("inner", func(t *testing.T) {
		// Left open past the test's end: the drop must not wait for it.
		c, err := pgx.Connect(ctx, DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { go c.Close(ctx) }()
		if err := c.QueryRow(ctx, "select current_database()").Scan(&inner); err != nil {
			t.Fatal(err)
		}
		if inner == mine {
			t.Errorf("inner test got the outer test's database %s", mine)
		}
	})
	var exists bool
	if err := conn.QueryRow(ctx, "select exists (select 1 from pg_database where datname = $1)", inner).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after its test ended", inner)
	}
}

func TestDBName(t *testing.T) {
	valid := regexp.MustCompile(`^sdetl_t_[a-z0-9_]*_[0-9a-f]{12}$`)
	for _, test := range []string{"TestX", "TestDSN/sub test/#01", strings.Repeat("Long", 40), "Ünïcode"} {
		a, b := dbName(test), dbName(test)
		if !valid.MatchString(a) || len(a) > 63 || a == b {
			t.Errorf("dbName(%q) = %q, %q", test, a, b)
		}
	}
}

func TestWithDBName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"host=/run/pg user=u dbname=postgres", "host=/run/pg user=u dbname=postgres dbname=x"},
		{"postgres://u:p@h:5432/postgres?sslmode=disable", "postgres://u:p@h:5432/x?sslmode=disable"},
		{"postgresql://h", "postgresql://h/x"},
	} {
		got, err := withDBName(tt.in, "x")
		if err != nil || got != tt.want {
			t.Errorf("withDBName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		cfg, err := pgx.ParseConfig(got)
		if err != nil || cfg.Database != "x" {
			t.Errorf("%q parses to database %q (%v)", got, cfg.Database, err)
		}
	}
}

// The crash tests run this test binary again with crashEnv set; that child starts the cluster,
// records the server's pid and directory in the file crashEnv names, then dies. The parent
// checks the server stops and the directory goes away.
const crashEnv = "PGTEST_CRASH_REPORT"

func TestCrashChild(t *testing.T) {
	report := os.Getenv(crashEnv)
	if report == "" {
		t.Skip("only run as the child of TestClusterStoppedAfter*")
	}
	how := os.Getenv("PGTEST_CRASH_HOW")
	useWatchdog = how != "sigterm" // the signal handler alone must stop the cluster
	DSN(t)
	pidLine, err := os.ReadFile(filepath.Join(state.cluster.DataDir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.SplitN(string(pidLine), "\n", 2)[0]
	if err := os.WriteFile(report, []byte(pid+"\n"+state.cluster.Dir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	switch how {
	case "panic":
		panic("pgtest: deliberate panic")
	case "sigterm":
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		time.Sleep(time.Minute)
	}
}

func TestClusterStoppedAfterPanic(t *testing.T)   { testCrash(t, "panic") }
func TestClusterStoppedAfterSIGTERM(t *testing.T) { testCrash(t, "sigterm") }

func testCrash(t *testing.T, how string) {
	if os.Getenv(EnvDSN) != "" {
		t.Skip(EnvDSN + " is set: no cluster to stop")
	}
	report := filepath.Join(t.TempDir(), "report")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+report, "PGTEST_CRASH_HOW="+how)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the child survived its %s:\n%s", how, out)
	}
	b, rerr := os.ReadFile(report)
	f := strings.Fields(string(b))
	if rerr != nil || len(f) != 2 {
		t.Fatalf("no report from the child (%v); its output:\n%s", rerr, out)
	}
	pid, _ := strconv.Atoi(f[0])
	dir := f[1]
	t.Cleanup(func() { // if the check fails, do not leave the child's server behind
		if running(pid) {
			syscall.Kill(pid, syscall.SIGINT)
			for i := 0; i < 100 && running(pid); i++ {
				time.Sleep(100 * time.Millisecond)
			}
		}
		os.RemoveAll(dir)
	})
	deadline := time.Now().Add(time.Minute)
	for {
		alive := running(pid)
		_, statErr := os.Stat(dir)
		if !alive && os.IsNotExist(statErr) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the child's %s: server pid %d alive=%v, dir %s stat=%v", how, pid, alive, dir, statErr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// running reports whether pid is a live process; a zombie (exited, not yet reaped by init,
// which in some containers is slow) counts as gone.
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil // no /proc: trust kill
	}
	// The state follows the parenthesised command name, which may itself hold ") ".
	s := string(b)
	i := strings.LastIndex(s, ") ")
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
