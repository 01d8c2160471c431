package clean_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestSampleStratified: on generated exports, the canary's sample takes ceil(10%) of every
// month x status stratum of the tickets (so every stratum with >= 10 rows is represented) and
// about 10% overall; the comments are exactly those of the sampled tickets; the same seed draws
// the same rows and another seed others; and the sample is not the first rows.
func TestSampleStratified(t *testing.T) {
	ctx := context.Background()
	dir, work := t.TempDir(), t.TempDir()
	if _, err := synth.Generate(ctx, dir, synth.Options{Scale: 0.1, Seed: 5, Format: "csv", Dialect: "legacy", Dirt: "realistic"}); err != nil {
		t.Fatal(err)
	}
	s := contract.ServiceDesk()
	cleanPath := filepath.Join(work, "clean.db")
	cleanDir(t, s, dir, filepath.Join(work, "stage.db"), cleanPath)
	db, err := store.OpenReadOnly(cleanPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sm, err := clean.DrawSample(ctx, db, s, 1)
	if err != nil {
		t.Fatal(err)
	}

	// Every stratum: sampled = ceil(10% of its rows).
	strata := query(t, db, `SELECT substr("TKT-Created Time", 1, 7), coalesce("TKT-Status", '<null>'), count(*),
		sum(rowid IN (`+idList(sm.Tables["tickets"])+`)) FROM tickets GROUP BY 1, 2`)
	big := 0
	for _, r := range strata {
		var n, got int
		fmt.Sscan(r[2], &n)
		fmt.Sscan(r[3], &got)
		if want := int(math.Ceil(0.1*float64(n) - 1e-9)); got != want {
			t.Errorf("stratum %s x %s: %d of %d rows sampled, want %d", r[0], r[1], got, n, want)
		}
		if n >= 10 {
			big++
		}
	}
	if big < 5 || len(strata) != sm.Strata["tickets"] {
		t.Fatalf("%d strata (%d with >= 10 rows), the sample counted %d: the fixture does not exercise stratification", len(strata), big, sm.Strata["tickets"])
	}
	for _, table := range []string{"tickets", "comments", "timesheets"} {
		var all int
		if err := db.QueryRow("SELECT count(*) FROM " + store.Quote(table)).Scan(&all); err != nil {
			t.Fatal(err)
		}
		if share := float64(sm.Rows[table]) / float64(all); share < 0.09 || share > 0.13 {
			t.Errorf("%s: %d of %d rows sampled (%.3f), want about 10%%", table, sm.Rows[table], all, share)
		}
		if ids := sm.Tables[table]; len(ids) > 0 && ids[len(ids)-1] == int64(len(ids)) {
			t.Errorf("%s: the sample is the first %d rows", table, len(ids))
		}
	}

	// Comments: exactly those of the sampled tickets.
	var wrong int
	if err := db.QueryRow(`SELECT count(*) FROM comments WHERE (rowid IN (` + idList(sm.Tables["comments"]) + `)) <>
		(ticket_id IN (SELECT "TKT-Ticket ID" FROM tickets WHERE rowid IN (` + idList(sm.Tables["tickets"]) + `)))`).Scan(&wrong); err != nil {
		t.Fatal(err)
	}
	if wrong != 0 {
		t.Errorf("%d comments sampled without their ticket, or left out with it", wrong)
	}

	again, err := clean.DrawSample(ctx, db, s, 1)
	if err != nil {
		t.Fatal(err)
	}
	other, err := clean.DrawSample(ctx, db, s, 2)
	if err != nil {
		t.Fatal(err)
	}
	for table, ids := range sm.Tables {
		if !slices.Equal(ids, again.Tables[table]) {
			t.Errorf("%s: the same seed drew other rows", table)
		}
	}
	if slices.Equal(sm.Tables["tickets"], other.Tables["tickets"]) {
		t.Error("seed 2 drew the same tickets as seed 1")
	}
}

func idList(ids []int64) string {
	if len(ids) == 0 {
		return "NULL"
	}
	b := make([]byte, 0, len(ids)*6)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%d", id)
	}
	return string(b)
}
