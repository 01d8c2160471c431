package obs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/push"
)

// WriteTextfile writes reg's metrics to dir/name.prom for node_exporter's textfile
// collector: to a temporary name node_exporter ignores (it reads only *.prom), then renamed,
// so a scrape never sees half a file.
func WriteTextfile(dir, name string, reg prometheus.Gatherer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, name+".prom")
	tmp := path + ".tmp"
	if err := prometheus.WriteToTextfile(tmp, reg); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("metrics textfile %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Serve serves reg on http://addr/metrics until stop is called. addr must be a loopback
// address: the metrics say which exports and schemas exist, which is nobody else's business,
// and a run must not open a port to the network by a typo.
func Serve(addr string, reg prometheus.Gatherer) (bound string, stop func(), err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", nil, fmt.Errorf("--metrics-addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", nil, fmt.Errorf("--metrics-addr %q: only a loopback address is allowed (127.0.0.1:PORT or [::1]:PORT)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener closed under us: the run goes on without its endpoint
		}
	}()
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// Push sends reg to a Pushgateway under job "sdetl".
func Push(ctx context.Context, url string, reg prometheus.Gatherer) error {
	if err := push.New(url, "sdetl").Gatherer(reg).PushContext(ctx); err != nil {
		return fmt.Errorf("push metrics to %s: %w", url, err)
	}
	return nil
}
