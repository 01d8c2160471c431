package clean_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
)

// TestCleanDiskFull: the clean store's file system fills up while it is written (a 64 KiB
// tmpfs): the error names clean.db, the previous clean.db is as it was and no temporary file
// is left.
func TestCleanDiskFull(t *testing.T) {
	s, err := contract.Parse([]byte(miniSpec))
	if err != nil {
		t.Fatal(err)
	}
	dir, work, disk := t.TempDir(), t.TempDir(), t.TempDir()
	for name, body := range miniFiles {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	stagePath := filepath.Join(work, "stage.db")
	if _, err := stage.Import(context.Background(), stage.Options{Spec: s, Dir: dir, Out: stagePath}); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=12k", "sdetl-test", disk).CombinedOutput(); err != nil {
		t.Fatalf("mount a 12 KiB tmpfs (the test needs root or CAP_SYS_ADMIN): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", disk).Run() })
	cleanPath := filepath.Join(disk, "clean.db")
	old := []byte("the previous clean store")
	if err := os.WriteFile(cleanPath, old, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = clean.Run(context.Background(), clean.Options{Spec: s, Stage: stagePath, Out: cleanPath})
	var full *store.DiskFullError
	if !errors.As(err, &full) || full.Path != cleanPath || !strings.HasPrefix(full.Error(), "disk full: writing "+cleanPath) {
		t.Fatalf("err = %v, want a disk-full error naming %s", err, cleanPath)
	}
	if b, _ := os.ReadFile(cleanPath); string(b) != string(old) {
		t.Fatal("the previous clean store changed")
	}
	if left, _ := filepath.Glob(filepath.Join(disk, ".*")); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}
