package health

import (
	"fmt"
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
func MemAvailable() (uint64, error) { return memAvailable() }
