package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sdetl/sdetl/internal/health"
)

// healthFlags are the health checks' bounds (health.Limits), for the commands with long stages.
type healthFlags struct {
	minDisk, minMem, maxRSS byteSize
	every                   int
}

// withHealth adds --health-min-disk, --health-min-mem, --health-max-rss and --health-every,
// defaulting to health.Defaults.
func (f *flags) withHealth() *healthFlags {
	d := health.Defaults("")
	h := &healthFlags{minDisk: byteSize(d.MinFreeDisk), minMem: byteSize(d.MinFreeMem), maxRSS: byteSize(d.MaxRSS), every: d.Every}
	f.Var(&h.minDisk, "health-min-disk", "stop the run (exit 7) when free disk on the work dir falls below `SIZE` (e.g. 512MiB, 2GiB; 0: no check)")
	f.Var(&h.minMem, "health-min-mem", "stop the run (exit 7) when the machine's available memory falls below `SIZE` (0: no check)")
	f.Var(&h.maxRSS, "health-max-rss", "stop the run (exit 7) when sdetl's own resident memory rises above `SIZE` (0: no ceiling)")
	f.IntVar(&h.every, "health-every", d.Every, "run the health checks every `N` rows of each long stage (and when each starts)")
	return h
}

// limits are the bounds for the work dir w.
func (h *healthFlags) limits(w workdir) health.Limits {
	return health.Limits{Dir: string(w), MinFreeDisk: uint64(h.minDisk), MinFreeMem: uint64(h.minMem), MaxRSS: uint64(h.maxRSS), Every: h.every}
}

// byteSize is a flag of bytes written with a binary or decimal unit: 512MiB, 2GiB, 100MB, 4096.
type byteSize uint64

var sizeUnits = []struct {
	suffix string
	n      uint64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}

func (b *byteSize) String() string {
	if b == nil || *b == 0 {
		return "0"
	}
	for _, u := range sizeUnits[:4] {
		if v := uint64(*b); v%u.n == 0 && v/u.n < 1024 {
			return strconv.FormatUint(v/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatUint(uint64(*b), 10)
}

func (b *byteSize) Set(s string) error {
	t := strings.TrimSpace(s)
	mult := uint64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(strings.ToUpper(t), strings.ToUpper(u.suffix)) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.n
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a size (e.g. 512MiB, 2GiB, 0)", s)
	}
	*b = byteSize(v * float64(mult))
	return nil
}
