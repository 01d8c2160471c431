package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// account is the unprivileged user the binaries run as when we are root.
type account struct {
	name     string
	uid, gid uint32
	groups   []uint32 // all its groups, the primary one included
}

// serviceAccount picks 'postgres' (the packages' own user), else 'nobody'.
func serviceAccount() (*account, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		a := &account{name: name, uid: uint32(uid), gid: uint32(gid), groups: []uint32{uint32(gid)}}
		if ids, err := u.GroupIds(); err == nil {
			for _, id := range ids {
				if g, err := strconv.ParseUint(id, 10, 32); err == nil && !slices.Contains(a.groups, uint32(g)) {
					a.groups = append(a.groups, uint32(g))
				}
			}
		}
		return a, nil
	}
	return nil, errors.New("pgcluster: running as root, but there is no 'postgres' or 'nobody' user " +
		"to run PostgreSQL as (initdb refuses root): create one, or run sdetl as an ordinary user")
}

func (a *account) credential() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: a.groups}}
}

// chown gives path to the account; only paths inside the cluster (or its own socket dir) are
// passed here.
func (a *account) chown(paths ...string) error {
	for _, p := range paths {
		if err := os.Lchown(p, int(a.uid), int(a.gid)); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
	}
	return nil
}

// checkReachable returns an error naming the first ancestor of dir that the account cannot
// traverse. We do not chmod it: it is outside the cluster and not ours to open up.
func (a *account) checkReachable(dir string) error {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if !a.canSearch(fi) {
			return fmt.Errorf("pgcluster: PostgreSQL runs as user %q because initdb refuses root, "+
				"and %s (mode %#o) is not traversable by that user: put the cluster under a directory it can reach",
				a.name, d, fi.Mode().Perm())
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// canSearch applies the permission bits the kernel would: owner, else group, else other.
func (a *account) canSearch(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true // cannot tell; let the binaries report it
	}
	perm := fi.Mode().Perm()
	switch {
	case st.Uid == a.uid:
		return perm&0o100 != 0
	case slices.Contains(a.groups, st.Gid):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}
