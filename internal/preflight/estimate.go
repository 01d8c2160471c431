package preflight

import "fmt"

// The disk model, measured on the generator's exports (scale 0.1: 9.6 MB of XLSX gave a 36 MB
// staging store and a 35 MB clean store; 28 MB of CSV gave the same 36 MB) and rounded up:
// the staging store grows by about 5x the XLSX bytes (XLSX is zipped XML) and 1.6x the CSV
// bytes (lineage and indexes on top of the raw text); the clean store is as big as the staging
// store; a backup of the staging store is its size again; PostgreSQL (heap, indexes, WAL)
// takes about 1.5x the clean store, counted here only when its data directory is under the
// work dir (the local cluster).
const (
	xlsxFactor = 5.0
	csvFactor  = 1.6
	pgFactor   = 1.5
)

// Need is the disk a run is estimated to take on the work dir's file system, and why.
type Need struct {
	Staging  uint64 `json:"staging_bytes"`  // the new staging store, built beside the old one
	Clean    uint64 `json:"clean_bytes"`    // the new clean store, built beside the old one
	Backups  uint64 `json:"backup_bytes"`   // a backup of the staging store
	Postgres uint64 `json:"postgres_bytes"` // growth of the local cluster (0 for a remote server)
	Total    uint64 `json:"total_bytes"`
}

func (n Need) String() string {
	return fmt.Sprintf("staging %s + clean %s + backup %s + postgres %s", MiB(n.Staging), MiB(n.Clean), MiB(n.Backups), MiB(n.Postgres))
}

// Estimate applies the disk model to the facts. Stores are rebuilt under a temporary name
// while the old file still exists, so the old sizes count again until the rename.
func Estimate(f Facts) Need {
	var growth float64
	for _, in := range f.Inputs {
		switch in.Format {
		case "xlsx":
			growth += xlsxFactor * float64(in.Bytes)
		default:
			growth += csvFactor * float64(in.Bytes)
		}
	}
	stage := float64(f.StageBytes) + growth // the store after this import
	n := Need{
		Staging: uint64(stage), // the copy being built; the old file already uses its space
		Clean:   uint64(stage),
		Backups: uint64(stage),
	}
	if f.LocalPGDir {
		n.Postgres = uint64(pgFactor * stage)
	}
	n.Total = n.Staging + n.Clean + n.Backups + n.Postgres
	return n
}

func checkDisk(f Facts, n Need, l Limits) Check {
	if f.DiskErr != nil {
		return fail("disk", fmt.Sprintf("cannot read free space on %s: %v", f.WorkDir, f.DiskErr), "pass --workdir DIR on a mounted, readable file system")
	}
	d := fmt.Sprintf("%s free on %s, the run needs about %s (%s)", MiB(f.FreeDisk), f.WorkDir, MiB(n.Total), n)
	fix := "free space on " + f.WorkDir + " or pass --workdir DIR on a larger file system (old backups: sdetl backup prune)"
	switch {
	case f.FreeDisk < n.Total:
		return fail("disk", d, fix)
	case float64(f.FreeDisk) < float64(n.Total)*l.DiskHeadroom:
		return warn("disk", d+"; less than 1.5x headroom", fix)
	}
	return pass("disk", d)
}
