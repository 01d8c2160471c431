package health

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// FreeDisk is the space an unprivileged writer may still use on dir's file system (f_bavail,
// which leaves out the blocks reserved for root).
func FreeDisk(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("free disk of %s: %w", dir, err)
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// MemAvailable is the kernel's estimate of memory available to a new process (MemAvailable).
func MemAvailable() (uint64, error) { return procKB("/proc/meminfo", "MemAvailable:") }

// ResidentMemory is this process's resident set size (VmRSS).
func ResidentMemory() (uint64, error) { return procKB("/proc/self/status", "VmRSS:") }

// procKB reads one "Key: N kB" line of a /proc file.
func procKB(path, key string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == key {
			kb, err := strconv.ParseUint(fields[1], 10, 64)
			return kb << 10, err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in %s", strings.TrimSuffix(key, ":"), path)
}
