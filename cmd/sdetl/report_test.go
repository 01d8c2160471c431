package main

import (
	"bytes"
	"context"
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
// names it; the file is self-contained, shows every section, and headless Chromium renders it
// to a screenshot that is not blank, logging no console error. SDETL_REPORT_SCREENSHOT=FILE
// keeps the screenshot. Chromium (Debian package chromium) is required, as .ci/run installs it.
func TestHTMLReportInChromium(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium missing (apt-get install chromium; .ci/run installs it)")
	}
	dir, _ := generate(t, synth.Options{Scale: 0.02, Seed: 3, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	out := mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work)
	path := filepath.Join(work, "report.html")
	if !strings.Contains(out, "report: "+path+"\n") {
		t.Errorf("run does not name its report %s:\n%s", path, out)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
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
		"--screenshot="+shot, "--window-size=1280,2000", "file://"+path)
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
