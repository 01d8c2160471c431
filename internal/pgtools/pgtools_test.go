package pgtools

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindReadsTheMajor(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "pg_dump")
	os.WriteFile(fake, []byte("#!/bin/sh\necho 'pg_dump (PostgreSQL) 15.5 (Debian 15.5-0+deb12u1)'\n"), 0o755)
	t.Setenv("PATH", dir)
	tool, err := Find(context.Background(), "pg_dump")
	if err != nil || tool.Major != 15 || tool.Path != fake || !strings.HasPrefix(tool.Version, "15.5") {
		t.Fatalf("%+v %v", tool, err)
	}
	if _, err := Find(context.Background(), "pg_restore"); err == nil || !strings.Contains(err.Error(), "not found on PATH") {
		t.Errorf("missing tool: %v", err)
	}
}
