// Package health owns the run's health checks: free disk on the work dir and available memory,
// checked every N rows by the long stages so that a run stops cleanly, with a clear reason,
// instead of failing half-way when the machine runs out.
package health

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Limits are the minimums a run needs to go on.
type Limits struct {
	Dir         string // the work dir whose file system must keep MinFreeDisk
	MinFreeDisk uint64 // bytes
	MinFreeMem  uint64 // bytes of MemAvailable
	Every       int    // check every this many rows
}

// Defaults: 512 MiB of disk and 256 MiB of memory, every 10,000 rows.
func Defaults(dir string) Limits {
	return Limits{Dir: dir, MinFreeDisk: 512 << 20, MinFreeMem: 256 << 20, Every: 10000}
}

// Check fails when the work dir's file system or the machine's memory is below the limits.
// A check that cannot be made is an error too: gates fail closed.
func (l Limits) Check() error {
	if l.MinFreeDisk > 0 {
		var st syscall.Statfs_t
		if err := syscall.Statfs(l.Dir, &st); err != nil {
			return fmt.Errorf("health: free disk of %s: %w", l.Dir, err)
		}
		if free := st.Bavail * uint64(st.Bsize); free < l.MinFreeDisk {
			return fmt.Errorf("health: only %s free on %s, need %s: stopping before the disk fills", mib(free), l.Dir, mib(l.MinFreeDisk))
		}
	}
	if l.MinFreeMem > 0 {
		avail, err := memAvailable()
		if err != nil {
			return fmt.Errorf("health: available memory: %w", err)
		}
		if avail < l.MinFreeMem {
			return fmt.Errorf("health: only %s of memory available, need %s: stopping before the system runs out", mib(avail), mib(l.MinFreeMem))
		}
	}
	return nil
}

// Ticker returns a function to call once per row: it runs Check every l.Every rows.
func (l Limits) Ticker() func() error {
	n := 0
	return func() error {
		if n++; l.Every <= 0 || n%l.Every != 0 {
			return nil
		}
		return l.Check()
	}
}

func memAvailable() (uint64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseUint(fields[1], 10, 64)
			return kb << 10, err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no MemAvailable in /proc/meminfo")
}

func mib(b uint64) string { return fmt.Sprintf("%d MiB", b>>20) }
