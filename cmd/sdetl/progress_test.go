package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/synth"
)

// progressStages are the stages a run reports progress for, in order.
var progressStages = []string{"import", "profile", "score", "clean", "canary", "backup", "load", "swap", "reconcile"}

// TestProgressOnTerminal runs the real command on a pty (script from util-linux): every stage
// leaves its bar, and the long ones show rows/s and an ETA while they go. With --log-stderr
// the log lines are text, each on a line of its own between the bars.
func TestProgressOnTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script (util-linux) is not installed")
	}
	dir, _ := generate(t, synth.Options{Scale: 0.1, Seed: 3, Format: "xlsx", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	line := strings.Join([]string{shellQuote(os.Args[0]), "run", "--exports", shellQuote(dir), "--pg", shellQuote(dsn), "--workdir", shellQuote(work), "--log-stderr"}, " ")
	cmd := exec.Command("script", "-qefc", line, "/dev/null")
	cmd.Env = append(os.Environ(), "SDETL_TEST_AS_MAIN=1", "TERM=xterm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sdetl run on a pty: %v\n%s", err, out)
	}
	// Each stage's last draw is kept: "<stage> [####...] 100% N rows ..., done in 1.2s".
	kept := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimRight(l, "\r")
		if i := strings.LastIndex(l, "\r"); i >= 0 {
			l = l[i+1:]
		}
		l = strings.TrimPrefix(l, "\x1b[K")
		if m := regexp.MustCompile(`^(\w+) +\[#+\] 100%.*, done in `).FindStringSubmatch(l); m != nil {
			kept[m[1]] = true
		}
	}
	for _, s := range progressStages {
		if !kept[s] {
			t.Errorf("no finished bar for stage %s on the terminal", s)
		}
	}
	logged := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^time=\S+ level=INFO msg="stage started" run_id=\S+ stage=(\w+)\r?$`).FindAllSubmatch(out, -1) {
		logged[string(m[1])] = true
	}
	for _, s := range []string{"import", "clean", "load", "reconcile"} {
		if !logged[s] {
			t.Errorf("no text log line of its own for stage %s on the terminal (%v)", s, logged)
		}
	}
	// While a stage with rows goes, its bar shows the share, rows/s and an ETA.
	if !regexp.MustCompile(`(import|clean|load|canary) +\[#*-+\] +\d+% [\d/]+ rows, \d+ rows/s, ETA \d+s`).Match(out) {
		t.Errorf("no live bar with rows/s and ETA")
	}
	if t.Failed() {
		t.Logf("terminal output:\n%q", out)
	}
	if !strings.Contains(string(out), "staged = loaded + quarantined") {
		t.Errorf("the run's summary is missing:\n%q", out)
	}
}

// TestProgressJSON: piped, a run's stderr is JSON lines by default: every stage emits start and
// end progress events and the run's log lines come with them, each line one or the other (a
// consumer tells them apart by "event" and "msg"), and the summary on stdout is untouched.
// --log-stderr=false leaves stderr to the human lines again.
func TestProgressJSON(t *testing.T) {
	dir, _ := generate(t, synth.Options{Scale: 0.02, Seed: 3, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	code, out, errs := sdetlRaw(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	humanLines(t, errs) // every JSON line is a log line or an event, never both
	seen := map[string]map[string]bool{}
	logged := map[string]bool{}
	var last progressEvent
	sc := bufio.NewScanner(strings.NewReader(errs))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "sdetl: ") {
			continue // a message of the run's (the backup's path), not progress
		}
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("stderr line is not JSON: %q: %v", sc.Text(), err)
		}
		if line["msg"] != nil {
			if line["msg"] == "stage started" {
				logged[line["stage"].(string)] = true
			}
			continue
		}
		var ev progressEvent
		json.Unmarshal(sc.Bytes(), &ev)
		if ev.Stage == "" || ev.Time == "" || ev.Elapsed < 0 {
			t.Errorf("incomplete event %+v", ev)
		}
		if seen[ev.Stage] == nil {
			seen[ev.Stage] = map[string]bool{}
		}
		seen[ev.Stage][ev.Event] = true
		if ev.Event == "end" && ev.Stage == "load" {
			last = ev
		}
	}
	for _, s := range progressStages {
		if !seen[s]["start"] || !seen[s]["end"] {
			t.Errorf("stage %s: events %v, want start and end", s, seen[s])
		}
	}
	for _, s := range []string{"import", "clean", "load", "reconcile"} {
		if !logged[s] {
			t.Errorf("no log line on stderr for stage %s (%v)", s, logged)
		}
	}
	if last.Total == 0 || last.Done == 0 || last.Share != 1 {
		t.Errorf("load's end event %+v: want rows done of a known total", last)
	}
	if !strings.Contains(out, "staged = loaded + quarantined") {
		t.Errorf("stdout lacks the summary:\n%s", out)
	}
	// Without the log on stderr, auto draws nothing there either.
	if code, _, errs := sdetlRaw(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work, "--force", "--log-stderr=false"); code != 0 || strings.Contains(errs, "{") || strings.Contains(errs, "\r") {
		t.Errorf("run --log-stderr=false without a terminal: exit %d, stderr %q; want neither logs nor progress", code, errs)
	}
	if code, _, errs := sdetl(t, "run", "--exports", dir, "--workdir", work, "--progress", "fancy"); code != exitUsage || !strings.Contains(errs, "auto, bar, json or none") {
		t.Errorf("--progress fancy: exit %d, %q", code, errs)
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// TestProgressBar draws the model with a known share: the bar, rows/s and the ETA; and a step
// without rows shows its label and elapsed time.
func TestProgressBar(t *testing.T) {
	var b strings.Builder
	p := &progress{w: &b, mode: progressBar, stage: "clean", start: time.Now().Add(-10 * time.Second),
		rows: map[string]int64{}, totals: map[string]int64{}, shares: map[string]float64{}, stop: make(chan struct{})}
	p.expect("tickets", 1000)
	p.expect("comments", 3000)
	p.update("tickets", 1000)
	p.update("comments", 1000)
	p.drawBar(false)
	want := regexp.MustCompile(`^\r\x1b\[Kclean     \[############------------\]  50% 2000/4000 rows, 200 rows/s, ETA 10s  comments \(10s\)$`)
	if !want.MatchString(b.String()) {
		t.Errorf("bar: %q", b.String())
	}
	b.Reset()
	p.setPhase("index tickets")
	p.drawBar(false)
	if !strings.Contains(b.String(), "index tickets (10s)") {
		t.Errorf("phase: %q", b.String())
	}
	b.Reset()
	p.drawBar(true)
	if !strings.Contains(b.String(), "[########################] 100% 2000/4000 rows, 200 rows/s, done in 10s\n") {
		t.Errorf("final: %q", b.String())
	}
	b.Reset()
	p.finish(errors.New("boom")) // the ticker is not running: finish draws the end once
	if !strings.Contains(b.String(), "50% 2000/4000 rows, 200 rows/s, FAILED after 10s\n") {
		t.Errorf("failed: %q", b.String())
	}
}
