package quality_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestMeasureWorkdir times profile and score on a work dir (stage.db and clean.db) and checks
// that the loaded schema scores what the clean store scores. By default it builds a small work
// dir itself (generate, import, clean), so it runs everywhere; SDETL_MEASURE_WORKDIR=/path
// measures a real one instead (e.g. scale 1). V=1 prints the reports.
func TestMeasureWorkdir(t *testing.T) {
	s := contract.ServiceDesk()
	ctx := context.Background()
	dir := os.Getenv("SDETL_MEASURE_WORKDIR")
	if dir == "" {
		dir = smallWorkdir(t, s)
	}
	now := time.Now()
	start := time.Now()
	pr, err := stage.Profile(ctx, s, filepath.Join(dir, "stage.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("profile stage: %v", time.Since(start))
	if os.Getenv("V") != "" {
		profile.Print(os.Stdout, pr)
	}
	reports := map[string]*quality.Report{}
	for _, name := range []string{"stage", "clean"} {
		db, err := store.OpenReadOnly(filepath.Join(dir, name+".db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		src := clean.QualitySource(db)
		if name == "stage" {
			src = stage.QualitySource(db)
		}
		start = time.Now()
		r, err := quality.Score(ctx, s, src, now)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("score %s: %.2f in %v", name, r.Composite, time.Since(start))
		reports[name] = r
		if os.Getenv("V") != "" {
			quality.Print(os.Stdout, r)
		}
	}
	if os.Getenv("V") != "" {
		quality.PrintDiff(os.Stdout, reports["stage"], reports["clean"])
	}
	dsn := pgtest.DSN(t)
	start = time.Now()
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: filepath.Join(dir, "clean.db"), DSN: dsn, Want: cleanMeasures(t, s, filepath.Join(dir, "clean.db"))}); err != nil {
		t.Fatal(err)
	}
	t.Logf("load: %v", time.Since(start))
	conn, err := postgres.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	start = time.Now()
	r, err := quality.Score(ctx, s, postgres.QualitySource(conn, s.Schema), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("score postgres: %.2f in %v", r.Composite, time.Since(start))
	if d := cmp.Diff(reports["clean"], r, cmpopts.IgnoreFields(quality.Report{}, "Source")); d != "" {
		t.Errorf("postgres differs from clean (-clean +postgres):\n%s", d)
	}
}

// smallWorkdir generates a small quarter of exports and stages and cleans it.
func smallWorkdir(t *testing.T, s *contract.Spec) string {
	t.Helper()
	ctx, exports, dir := context.Background(), t.TempDir(), t.TempDir()
	if _, err := synth.Generate(ctx, exports, synth.Options{Scale: 0.02, Seed: 3, Format: "csv"}); err != nil {
		t.Fatal(err)
	}
	stagePath, cleanPath := filepath.Join(dir, "stage.db"), filepath.Join(dir, "clean.db")
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Dir: exports, Out: stagePath}); err != nil {
		t.Fatal(err)
	}
	if _, err := clean.Run(ctx, clean.Options{Spec: s, Stage: stagePath, Out: cleanPath}); err != nil {
		t.Fatal(err)
	}
	return dir
}
