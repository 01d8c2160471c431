package backup

import (
	"os"

	"golang.org/x/sys/unix"
)

// dropCache asks the kernel to let go of path's cached pages. A finished backup is synced,
// hashed and checked, and nothing in the run reads it again, so its pages (the size of the
// staging store) are better spent on the clean store and the load written next: on a VM whose
// host takes back idle guest memory, a page the kernel must fill for the first time costs
// ~0.9 s/GB more than one it just freed (docs/benchmarks.md, tenth round). Advice only: a
// failure changes nothing but the cache.
func dropCache(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
