package postgres

import (
	"fmt"
	"os"
	"time"
)

// EnvTestPause is for tests only: when it names a point of the migration (copy, index,
// reconcile, swap, drop), the process writes "sdetl-test-paused: <point>" to stderr there and
// sleeps, so a test can SIGKILL it at exactly that point. Never set it in production.
const EnvTestPause = "SDETL_TEST_PAUSE_AT"

func testPoint(name string) {
	if os.Getenv(EnvTestPause) != name {
		return
	}
	fmt.Fprintf(os.Stderr, "sdetl-test-paused: %s\n", name)
	for {
		time.Sleep(time.Hour)
	}
}
