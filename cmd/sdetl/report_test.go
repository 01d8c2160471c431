package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestHTMLReportInChromium: a real run (small scale, real PostgreSQL) writes report.html and
// names it. After a second run on other exports has replaced the stores and the live schema,
// `sdetl report RUN` renders the first run's page byte for byte (its numbers, not the second
// run's), `sdetl report` the latest's, and an unknown run is one line and exit 1. The page
// sdetl report wrote is self-contained, shows every section, and headless Chromium renders it
// to a screenshot that is not blank, logging no console error. SDETL_REPORT_SCREENSHOT=FILE
// keeps the screenshot. Chromium (Debian package chromium) is required, as .ci/run installs it.
func TestHTMLReportInChromium(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium missing (apt-get install chromium; .ci/run installs it)")
	}
	dir, _ := generate(t, synth.Options{Scale: 0.02, Seed: 3, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dir2, _ := generate(t, synth.Options{Scale: 0.01, Seed: 4, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	out := mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work)
	path := filepath.Join(work, "report.html")
	if !strings.Contains(out, "report: "+path+"\n") {
		t.Errorf("run does not name its report %s:\n%s", path, out)
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep1 runReport
	if b, err := os.ReadFile(workdir(work).runJSON()); err != nil || json.Unmarshal(b, &rep1) != nil || rep1.RunID == 0 || rep1.ID == "" {
		t.Fatalf("run.json: %v, run %d, id %q", err, rep1.RunID, rep1.ID)
	}
	mustSdetl(t, "run", "--exports", dir2, "--pg", dsn, "--workdir", work, "--fresh")
	latest, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	past := filepath.Join(t.TempDir(), "past.html")
	if out := mustSdetl(t, "report", fmt.Sprint(rep1.RunID), "--out", past, "--workdir", work); out != "report: "+past+"\n" {
		t.Errorf("sdetl report says %q", out)
	}
	page, err := os.ReadFile(past)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(page, first) {
		t.Errorf("sdetl report %d is not the page that run wrote (%d bytes, want %d)", rep1.RunID, len(page), len(first))
	}
	// The first run's numbers, which the second run's exports do not have.
	read1 := thousands(rep1.Tables[0].Read)
	if !bytes.Contains(page, []byte(">"+read1+"<")) || bytes.Contains(latest, []byte(">"+read1+"<")) {
		t.Errorf("the past run's %s rows read (%s) are not told apart from the latest run's", rep1.Tables[0].Table, read1)
	}
	if _, stdout, _ := sdetl(t, "report", rep1.ID, "--out", "-", "--workdir", work); stdout != string(first) {
		t.Errorf("sdetl report %s --out - is not the first run's page", rep1.ID)
	}
	if _, stdout, _ := sdetl(t, "report", "--out", "-", "--workdir", work); stdout != string(latest) {
		t.Errorf("sdetl report (the latest) is not the second run's page")
	}
	code, stdout, stderr := sdetl(t, "report", "987654", "--workdir", work)
	if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "no run 987654") {
		t.Errorf("an unknown run: exit %d, stdout %q, stderr %q; want exit 1 and one line", code, stdout, stderr)
	}
	for _, want := range []string{"Outcome: ok", "Stages", "Quality score", "Rules that moved the score", "Date orders decided",
		"Quarantine by rule", "Change log by rule and column", "Tickets per month (KPI 11)", "SLA compliance", "<svg", `class="pill green"`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`(?i)<script|<link|\bsrc=|url\(|@import|href="http`).Find(page); m != nil {
		t.Errorf("report.html is not self-contained: %s", m)
	}

	shot := filepath.Join(t.TempDir(), "report.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--enable-logging=stderr", "--v=0", "--user-data-dir="+t.TempDir(),
		"--screenshot="+shot, "--window-size=1280,2000", "file://"+past)
	logs, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, logs)
	}
	for _, l := range strings.Split(string(logs), "\n") {
		if strings.Contains(l, "CONSOLE") || strings.Contains(l, "Uncaught") {
			t.Errorf("the page logged to the console: %s", l)
		}
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, logs)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// Not blank: the grey levels vary, and a fair share of the page is not background.
	var n, sum, sq, ink float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			v := float64(r+g+bl) / 3 / 257
			n, sum, sq = n+1, sum+v, sq+v*v
			if v < 200 {
				ink++
			}
		}
	}
	mean := sum / n
	if sd := math.Sqrt(sq/n - mean*mean); sd < 10 || ink/n < 0.01 {
		t.Errorf("the screenshot looks blank: %dx%d, grey sd %.1f, %.2f%% ink", b.Dx(), b.Dy(), sd, 100*ink/n)
	}
	if keep := os.Getenv("SDETL_REPORT_SCREENSHOT"); keep != "" {
		if data, err := os.ReadFile(shot); err == nil {
			os.WriteFile(keep, data, 0o644)
			os.WriteFile(strings.TrimSuffix(keep, filepath.Ext(keep))+".html", page, 0o644)
		}
	}
}
