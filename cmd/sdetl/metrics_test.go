package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/synth"
)

func parseMetrics(t *testing.T, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mf, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return mf
}

// value is the sample of family name whose labels include want.
func value(mf map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := mf[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		}
	}
	return 0, false
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestRunMetrics: /metrics answers while a run goes; the run's .prom file passes promtool
// and its counters are the run report's numbers.
func TestRunMetrics(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is missing (Debian package prometheus; .ci/run installs it)")
	}
	exports, _ := generate(t, synth.Options{Scale: 0.02, Seed: 21, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work, textdir := t.TempDir(), t.TempDir()
	addr := freePort(t)

	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"run", "--exports", exports, "--pg", dsn, "--workdir", work, "--json",
			"--metrics-textfile", textdir, "--metrics-addr", addr}, &out, &errb)
		done <- result{code, out.String(), errb.String()}
	}()
	var scraped map[string]*dto.MetricFamily
	var res result
	for res.out == "" && res.err == "" {
		select {
		case res = <-done:
			continue
		case <-time.After(20 * time.Millisecond):
		}
		if scraped != nil {
			continue
		}
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if mf := parseMetrics(t, bytes.NewReader(body)); mf["sdetl_run_in_progress"] != nil {
			if v, _ := value(mf, "sdetl_run_in_progress", nil); v == 1 {
				scraped = mf
			}
		}
	}
	if res.code != 0 {
		t.Fatalf("run: exit %d\n%s", res.code, res.err)
	}
	if scraped == nil {
		t.Error("/metrics never answered while the run went")
	}
	if _, err := http.Get("http://" + addr + "/metrics"); err == nil {
		t.Error("/metrics still answers after the run")
	}

	prom := filepath.Join(textdir, "sdetl.prom")
	b, err := os.ReadFile(prom)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(b)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	var rep runReport
	if err := json.Unmarshal([]byte(res.out), &rep); err != nil {
		t.Fatal(err)
	}
	mf := parseMetrics(t, bytes.NewReader(b))
	if len(rep.Tables) == 0 {
		t.Fatal("no tables in the report")
	}
	for _, tb := range rep.Tables {
		for step, want := range map[string]int64{"read": int64(tb.Read), "in_scope": int64(tb.InScope), "staged": int64(tb.Staged), "quarantined": tb.Quarantined, "loaded": tb.Loaded} {
			got, ok := value(mf, "sdetl_rows_total", map[string]string{"table": tb.Table, "step": step})
			if !ok || got != float64(want) {
				t.Errorf("sdetl_rows_total{table=%q,step=%q} = %v (%v), report says %d", tb.Table, step, got, ok, want)
			}
		}
	}
	if got, _ := value(mf, "sdetl_quality_score", map[string]string{"store": "clean"}); got != rep.Scores.Clean.Composite {
		t.Errorf("clean score %v, report %v", got, rep.Scores.Clean.Composite)
	}
	if got, _ := value(mf, "sdetl_run_outcome", map[string]string{"outcome": "ok"}); got != 1 {
		t.Error("outcome ok not 1")
	}
	if got, _ := value(mf, "sdetl_last_success_timestamp_seconds", nil); got < float64(time.Now().Add(-time.Hour).Unix()) {
		t.Errorf("last success %v", got)
	}
	for _, st := range []string{"import", "profile", "clean", "load", "reconcile"} {
		if got, ok := value(mf, "sdetl_stage_duration_seconds", map[string]string{"stage": st}); !ok || got <= 0 {
			t.Errorf("stage %s duration %v %v", st, got, ok)
		}
	}
	if strings.Contains(string(b), "password") {
		t.Error("the metrics mention a password")
	}
	checkKPIGauges(t, mf, dsn, work)
	checkShippedPromQL(t, promtool, mf)
}

func TestMetricsAddrLoopbackOnly(t *testing.T) {
	code, _, errs := sdetl(t, "run", "--exports", t.TempDir(), "--pg", "host=/nonexistent", "--workdir", t.TempDir(), "--skip-preflight", "--metrics-addr", "0.0.0.0:9464")
	if code != exitUsage || !strings.Contains(errs, "loopback") {
		t.Errorf("exit %d %q", code, errs)
	}
}

// TestAlertRulesValid: promtool accepts the shipped alerting rules.
func TestAlertRulesValid(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is missing (Debian package prometheus; .ci/run installs it)")
	}
	if out, err := exec.Command(promtool, "check", "rules", "../../deploy/prometheus/alerts.yml").CombinedOutput(); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
}
