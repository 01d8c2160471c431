package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPty opens a pseudo-terminal pair: what is written to tty is read from master.
func openPty(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock, n int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatal(e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatal(e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// TestLogStderrModes: the documented --log-stderr rule. Not a terminal: every line as JSON
// (auto, all), none with none. A terminal: warnings and errors as text (auto), every line as
// text (all). The file always has every line.
func TestLogStderrModes(t *testing.T) {
	lines := func(e *env, mode logMode) (file string) {
		t.Helper()
		w := workdir(t.TempDir())
		l, err := openRunLog(w, e, mode)
		if err != nil {
			t.Fatal(err)
		}
		l.enter("import")
		l.Info("an info line")
		l.warn("a warning", "k", "v")
		l.close()
		b, _ := os.ReadFile(l.path)
		return string(b)
	}
	for _, mode := range []logMode{logAuto, logAll, logNone} {
		var errb bytes.Buffer
		file := lines(&env{stderr: &lockedWriter{w: &errb}}, mode)
		if strings.Count(file, "\n") != 3 {
			t.Errorf("%s: the file has %q, want the three lines", mode, file)
		}
		got := errb.String()
		if mode == logNone {
			if got != "" {
				t.Errorf("none, piped: stderr %q", got)
			}
			continue
		}
		if got != file {
			t.Errorf("%s, piped: stderr\n%s\nwant the file's JSON lines\n%s", mode, got, file)
		}
		for _, l := range strings.Split(strings.TrimSpace(got), "\n") {
			if !json.Valid([]byte(l)) {
				t.Errorf("%s, piped: not JSON: %q", mode, l)
			}
		}
	}
	for mode, want := range map[logMode][]string{logAuto: {"level=WARN msg=\"a warning\""}, logAll: {"level=INFO msg=\"stage started\"", "level=INFO msg=\"an info line\"", "level=WARN msg=\"a warning\""}} {
		master, tty := openPty(t)
		lines(&env{stderr: &lockedWriter{w: tty}}, mode)
		tty.Close()
		master.SetReadDeadline(time.Now().Add(5 * time.Second))
		var out bytes.Buffer
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				break
			}
		}
		got := strings.Split(strings.TrimSpace(strings.ReplaceAll(out.String(), "\r\n", "\n")), "\n")
		if len(got) != len(want) {
			t.Errorf("%s, terminal: %d lines %q, want %d", mode, len(got), got, len(want))
			continue
		}
		for i, w := range want {
			if !strings.Contains(got[i], w) || !strings.Contains(got[i], "run_id=") || strings.HasPrefix(got[i], "{") {
				t.Errorf("%s, terminal: line %d is %q, want text with %s", mode, i, got[i], w)
			}
		}
	}
}
