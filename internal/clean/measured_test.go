package clean_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestMeasuredWhileCleaningEqualsMeasure: the reconciliation's measures the cleaner takes as it
// writes equal clean.Measure over the finished store, and measuring changes nothing in it. On
// generated dirty data (duplicates whose losers are taken back out, quarantine of every kind,
// NULLs, dates, decimals) and on a small export with odd text (NUL, newlines, tabs, emoji,
// accents, a row of the wrong width) whose only older duplicate holds a min, so that table is
// read back.
func TestMeasuredWhileCleaningEqualsMeasure(t *testing.T) {
	ctx := context.Background()
	generated := t.TempDir()
	if _, err := synth.Generate(ctx, generated, synth.Options{Scale: 0.03, Seed: 5, Format: "csv", Dialect: "2026", Dirt: "realistic"}); err != nil {
		t.Fatal(err)
	}
	odd := t.TempDir()
	files := map[string]string{
		"roster.csv": "username\nalice\n BOB\n",
		"comments.csv": "ID,Ticket,Author,Created,Kind\n" +
			"10,1,\"al\x00ice\",2/07/2025 9:00,comments\n" +
			"11,1,\"b\u00f6t \U0001F916\",3/07/2025 9:00,system\n" +
			"\"x\x0012\",1,bot,3/07/2025 9:00,system\n" + // NUL in the quarantined raw value
			"13,1,\"two\nlines\tand a tab\",4/07/2025 9:00,comments\n" +
			"14,1,bot,4/07/2025 9:00,comments,one field too many\n" + // rejected by the import
			"16,1,bot,5/07/2025 10:30,comments\n" + // older duplicate, every value tied
			"16,1,bot,6/07/2025 10:30,comments\n" +
			"17,1,Bob,7/07/2025 10:30,worknotes\n",
		"tickets.csv": "id,created,modified,met\n" +
			"1,2025-07-03 08:00:00,2025-07-04 08:00:00,Yes\n" +
			"2,2025-07-01 08:00:00,,no\n" +
			"1,2025-06-01 08:00:00,2025-06-02 08:00:00,no\n" + // older duplicate: the only min of created
			"3,2025-07-02 08:00:00,,-\n",
		"timesheets.csv": "user,day,hours\nalice,1/07/2025,1.50\nalice,2/07/2025,0.25\nbob,2/07/2025,\n" +
			"bob,3/07/2025,1.5\n" + // older duplicate, every value tied
			"bob,3/07/2025,2\nbob,4/07/2025,24\ncarol,3/07/2025,25\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(odd, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mini, err := contract.Parse([]byte(miniSpec))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir  string
		spec       *contract.Spec
		remeasured []string // the tables that cannot be known as written
	}{
		{"generated", generated, contract.ServiceDesk(), nil},
		{"odd text", odd, mini, []string{"tickets"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			stagePath, cleanPath := filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
			if _, err := stage.Import(ctx, stage.Options{Spec: tc.spec, Dir: tc.dir, Out: stagePath}); err != nil {
				t.Fatal(err)
			}
			rep, err := clean.Run(ctx, clean.Options{Spec: tc.spec, Stage: stagePath, Out: cleanPath, ScoreAt: time.Now(), Measure: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, rule := range []string{contract.RuleDuplicateKey, contract.RuleFieldCount} {
				if rep.Quarantine[rule] == 0 {
					t.Fatalf("no %s in the quarantine: the test would not cover it (%v)", rule, rep.Quarantine)
				}
			}
			want, err := clean.Measure(ctx, tc.spec, cleanPath)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Measures == nil {
				t.Fatal("no measures with Measure set")
			}
			if d := cmp.Diff(want, rep.Measures); d != "" {
				t.Errorf("measures taken while cleaning differ from clean.Measure over the store (-want +got):\n%s", d)
			}
			if got := clean.Remeasured(rep); !slices.Equal(got, tc.remeasured) {
				t.Errorf("read back from the store: %v, want %v", got, tc.remeasured)
			}
			again := filepath.Join(work, "again.db")
			if _, err := clean.Run(ctx, clean.Options{Spec: tc.spec, Stage: stagePath, Out: again, ScoreAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if a, b := storeDigest(t, cleanPath), storeDigest(t, again); a != b {
				t.Error("measuring while cleaning changed the clean store")
			}
		})
	}
}
