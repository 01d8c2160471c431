package postgres

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// EnvTestPause is for tests only: when it names a point of the migration (canary, copy,
// index, reconcile, swap, drop), the process writes "sdetl-test-paused: <point>" to stderr there and
// sleeps forever, so a test can SIGKILL it at exactly that point; "<point>:<duration>" sleeps
// that long and goes on (a test restarts PostgreSQL meanwhile). Never set it in production.
const EnvTestPause = "SDETL_TEST_PAUSE_AT"

func testPoint(name string) {
	v := os.Getenv(EnvTestPause)
	if v == "" {
		return
	}
	point, wait, timed := strings.Cut(v, ":")
	if point != name {
		return
	}
	fmt.Fprintf(os.Stderr, "sdetl-test-paused: %s\n", name)
	if d, err := time.ParseDuration(wait); timed && err == nil {
		time.Sleep(d)
		return
	}
	for {
		time.Sleep(time.Hour)
	}
}
