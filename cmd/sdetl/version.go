package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

func cmdVersion(_ context.Context, e *env, args []string) error {
	f := newFlags(e, "version", "", "Print the version: module version, commit, whether the tree was modified, Go version.")
	if _, err := f.parse(args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, versionLine())
	return nil
}

// versionLine describes the binary from its build info, e.g.
// "sdetl v1.2.0 (commit 1a2b3c4d5e6f, modified) go1.26.8".
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "sdetl (no build info)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	vcs := ""
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		vcs = " (commit " + rev
		if modified == "true" {
			vcs += ", modified"
		}
		vcs += ")"
	}
	return fmt.Sprintf("sdetl %s%s %s", v, vcs, bi.GoVersion)
}
