package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestDashboardPanelsReturnRows (scale 0.05: teams need 50 resolved tickets): every panel query of dashboards/*.json, read from the JSON
// as Grafana would, executes against a schema the real pipeline loaded (search_path as
// docs/dashboards.md sets it for the Grafana role) and returns rows.
func TestDashboardPanelsReturnRows(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "dashboards", "*.json"))
	if err != nil || len(files) < 4 {
		t.Fatalf("dashboards: %v %v", files, err)
	}
	dir, _ := generate(t, synth.Options{Scale: 0.05, Seed: 4, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", t.TempDir())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// The tier panel needs scored comments to show rows.
	if _, err := conn.Exec(ctx, `INSERT INTO servicedesk_ext.comment_quality
		(comment_id, ticket_id, clarity, completeness, empathy, professionalism, overall, tier)
		SELECT comment_id, ticket_id, 4, 4, 4, 4, 4, 'good' FROM servicedesk.comments LIMIT 10`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SET search_path TO servicedesk, servicedesk_ext`); err != nil {
		t.Fatal(err)
	}
	panels := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					RawSQL string `json:"rawSql"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				panels++
				rows, err := conn.Query(ctx, tg.RawSQL, pgx.QueryExecModeSimpleProtocol)
				if err != nil {
					t.Errorf("%s / %s: %v", filepath.Base(f), p.Title, err)
					continue
				}
				n := 0
				for rows.Next() {
					n++
				}
				if err := rows.Err(); err != nil {
					t.Errorf("%s / %s: %v", filepath.Base(f), p.Title, err)
				} else if n == 0 {
					t.Errorf("%s / %s: no rows", filepath.Base(f), p.Title)
				}
			}
		}
	}
	if panels < 25 {
		t.Errorf("%d panel queries, want every KPI and the data-quality panels", panels)
	}
}
