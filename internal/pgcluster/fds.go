package pgcluster

import (
	"os"
	"strconv"
	"syscall"
)

// closeInheritedFDs marks every descriptor above stderr close-on-exec. Go opens its own that way,
// but a descriptor sdetl inherited (`flock /var/lock/etl sdetl run` passes the lock as fd 3)
// would otherwise pass through pg_ctl to the server it starts, which outlives sdetl and would
// hold the caller's lock until the cluster stops.
func closeInheritedFDs() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return // no /proc: nothing to find them by
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
