package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestPushgatewayAndPreflightMetrics: a run that stops at preflight (an unreachable database)
// still writes its .prom file (promtool accepts it) and pushes to a real Pushgateway, both
// saying preflight_failed and exit 3; a run that succeeds then replaces the group with its
// own metrics, whose counters are the run report's numbers. The Pushgateway is the Debian
// package prometheus-pushgateway: under CI (CI=true, as .ci/run installs it) its absence
// fails the test, elsewhere it skips in one line.
func TestPushgatewayAndPreflightMetrics(t *testing.T) {
	gw, err := exec.LookPath("prometheus-pushgateway")
	if err != nil {
		const msg = "prometheus-pushgateway missing (apt-get install prometheus-pushgateway; .ci/run installs it)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is missing (Debian package prometheus; .ci/run installs it)")
	}
	addr := freePort(t)
	var gwLog bytes.Buffer
	cmd := exec.Command(gw, "--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = &gwLog, &gwLog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := "http://" + addr
	scrape := func() map[string]*dto.MetricFamily {
		t.Helper()
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatalf("scrape the Pushgateway: %v\n%s", err, gwLog.String())
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return parseMetrics(t, bytes.NewReader(b))
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Pushgateway did not come up on %s:\n%s", addr, gwLog.String())
		}
	}

	exports, _ := generate(t, synth.Options{Scale: 0.01, Seed: 23, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	work, textdir := t.TempDir(), t.TempDir()
	code, _, errs := sdetl(t, "run", "--exports", exports, "--pg", "host=127.0.0.1 port=1 user=nobody dbname=nowhere connect_timeout=1",
		"--workdir", work, "--push", url, "--metrics-textfile", textdir)
	if code != exitPreflight {
		t.Fatalf("run against an unreachable database: exit %d, want %d\n%s", code, exitPreflight, errs)
	}
	b, err := os.ReadFile(filepath.Join(textdir, "sdetl.prom"))
	if err != nil {
		t.Fatalf("a run stopped at preflight wrote no .prom file: %v", err)
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = bytes.NewReader(b)
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	for src, mf := range map[string]map[string]*dto.MetricFamily{"sdetl.prom": parseMetrics(t, bytes.NewReader(b)), "the Pushgateway": scrape()} {
		if v, ok := value(mf, "sdetl_run_outcome", map[string]string{"outcome": "preflight_failed"}); !ok || v != 1 {
			t.Errorf("%s: sdetl_run_outcome{outcome=\"preflight_failed\"} = %v (%v), want 1", src, v, ok)
		}
		if v, _ := value(mf, "sdetl_run_exit_code", nil); v != exitPreflight {
			t.Errorf("%s: sdetl_run_exit_code = %v, want %d", src, v, exitPreflight)
		}
		if v, ok := value(mf, "sdetl_last_success_timestamp_seconds", nil); !ok || v != 0 {
			t.Errorf("%s: sdetl_last_success_timestamp_seconds = %v (%v), want 0", src, v, ok)
		}
		if v, ok := value(mf, "sdetl_stage_duration_seconds", map[string]string{"stage": "preflight"}); !ok || v <= 0 {
			t.Errorf("%s: no preflight stage duration (%v, %v)", src, v, ok)
		}
	}

	out := mustSdetl(t, "run", "--exports", exports, "--pg", pgtest.DSN(t), "--workdir", work, "--push", url, "--json")
	var rep runReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Tables) == 0 {
		t.Fatalf("run --json: %v, %d tables", err, len(rep.Tables))
	}
	mf := scrape()
	if v, ok := value(mf, "sdetl_run_outcome", map[string]string{"job": "sdetl", "outcome": "ok"}); !ok || v != 1 {
		t.Errorf("the Pushgateway has no outcome ok for job sdetl (%v, %v)", v, ok)
	}
	if _, ok := value(mf, "sdetl_run_outcome", map[string]string{"outcome": "preflight_failed"}); ok {
		t.Error("the successful run's push did not replace the failed run's group")
	}
	for _, tb := range rep.Tables {
		for step, want := range map[string]int64{"read": int64(tb.Read), "staged": int64(tb.Staged), "quarantined": tb.Quarantined, "loaded": tb.Loaded} {
			if got, ok := value(mf, "sdetl_rows_total", map[string]string{"table": tb.Table, "step": step}); !ok || got != float64(want) {
				t.Errorf("pushed sdetl_rows_total{table=%q,step=%q} = %v (%v), the report says %d", tb.Table, step, got, ok, want)
			}
		}
	}
}
