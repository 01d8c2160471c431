package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestRunGenerationsRollback drives the commands: a second run over unchanged exports says
// nothing to do, --force builds a generation with the same rows, generations lists both runs'
// generations, and rollback makes the previous one live (and is listed so).
func TestRunGenerationsRollback(t *testing.T) {
	dir, _ := generate(t, synth.Options{Scale: 0.02, Seed: 9, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn := pgtest.DSN(t)
	work := t.TempDir()
	base := []string{"run", "--exports", dir, "--pg", dsn, "--workdir", work}
	if out := mustSdetl(t, base...); !strings.Contains(out, "loaded generation servicedesk__g1 (run 1)") {
		t.Fatalf("first run: %s", out)
	}
	before := liveRowHash(t, dsn)
	if out := mustSdetl(t, base...); !strings.Contains(out, "nothing to do") {
		t.Fatalf("second run over unchanged exports: %s", out)
	}
	out := mustSdetl(t, append(base, "--force")...)
	if !strings.Contains(out, "loaded generation servicedesk__g3") || !strings.Contains(out, "retained as servicedesk__g1") {
		t.Fatalf("forced run: %s", out)
	}
	if liveRowHash(t, dsn) != before {
		t.Fatal("--force changed the rows")
	}
	var gens []struct {
		Run    int64            `json:"run_id"`
		Live   bool             `json:"live"`
		Rows   map[string]int64 `json:"rows"`
		Score  *float64         `json:"score"`
		Inputs []struct {
			SHA256 string `json:"sha256"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(mustSdetl(t, "generations", "--json", "--pg", dsn, "--workdir", work)), &gens); err != nil {
		t.Fatal(err)
	}
	if len(gens) != 2 || gens[0].Run != 3 || !gens[0].Live || gens[1].Run != 1 || gens[1].Live ||
		gens[0].Rows["tickets"] == 0 || gens[0].Score == nil || len(gens[1].Inputs) == 0 || gens[1].Inputs[0].SHA256 == "" {
		t.Fatalf("generations: %+v", gens)
	}
	if out := mustSdetl(t, "rollback", "--pg", dsn, "--workdir", work); !strings.Contains(out, "is now run 1's generation") {
		t.Fatalf("rollback: %s", out)
	}
	if out := mustSdetl(t, "generations", "--pg", dsn, "--workdir", work); !strings.Contains(out, "1      yes  servicedesk ") {
		t.Fatalf("generations after rollback:\n%s", out)
	}
	if code, _, errs := sdetl(t, "rollback", "--to", "99", "--pg", dsn, "--workdir", work); code != exitError || !strings.Contains(errs, "run 99 has no retained generation") {
		t.Fatalf("rollback to a missing run: exit %d, %s", code, errs)
	}
}
