package postgres_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
)

// TestHealthStopsLoad: a health check failing during the COPY (sdetl's memory above a ceiling
// set absurdly low; free disk below a floor set absurdly high) stops the load with its own
// error naming the stage, the generation is dropped and live is byte for byte as before.
func TestHealthStopsLoad(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	s, first := genClean(t, 1)
	if _, err := genLoad(t, dsn, s, first, nil); err != nil {
		t.Fatal(err)
	}
	before := liveHash(t, conn, "gen")
	_, second := genClean(t, 2)
	for _, c := range []struct {
		name   string
		limits health.Limits
		want   string
	}{
		{"memory ceiling", health.Limits{Dir: t.TempDir(), MaxRSS: 1 << 20, Every: 10}, "above the ceiling of 1 MiB"},
		{"disk floor", health.Limits{Dir: t.TempDir(), MinFreeDisk: 1 << 62, Every: 10}, "stopping before the disk fills"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := genLoad(t, dsn, s, second, func(o *postgres.LoadOptions) { o.Health = c.limits })
			if !errors.Is(err, outcome.ErrHealth) || !strings.Contains(err.Error(), "health check failed in load") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a health failure in load: %q", err, c.want)
			}
			liveUntouched(t, conn, before)
		})
	}
	// Bounds a healthy machine meets: the load goes through, checked every 10 rows and pinging.
	if _, err := genLoad(t, dsn, s, second, func(o *postgres.LoadOptions) {
		o.Health = health.Limits{Dir: t.TempDir(), MinFreeDisk: 1, MinFreeMem: 1, MaxRSS: 1 << 40, Every: 10}
	}); err != nil {
		t.Fatalf("healthy load: %v", err)
	}
	if liveHash(t, conn, "gen") == before {
		t.Fatal("the healthy load did not go live")
	}
}
