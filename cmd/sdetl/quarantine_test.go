package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/synth"
)

// TestQuarantineRoundTrip: export the quarantined comments, fix every one by hand (as an
// operator would in a spreadsheet), release them, clean and load: they are all loaded, the
// quarantine is empty for comments, and every count still reconciles.
func TestQuarantineRoundTrip(t *testing.T) {
	dir, truth := generate(t, synth.Options{Scale: 0.02, Seed: 13, Format: "csv", Dialect: "legacy", Dirt: "realistic"})
	dsn, work := pgtest.DSN(t), t.TempDir()
	mustSdetl(t, "run", "--exports", dir, "--pg", dsn, "--workdir", work)
	c := truth.Counts["comments"]
	if c.Quarantined == 0 {
		t.Fatal("the generator quarantined no comments")
	}
	if out := mustSdetl(t, "quarantine", "list", "--workdir", work, "--table", "comments", "--limit", "3"); !strings.Contains(out, "comments.csv:") {
		t.Errorf("list output lacks source positions:\n%s", out)
	}
	var listed struct {
		Rows     []json.RawMessage `json:"rows"`
		Total    int               `json:"total"`
		Outcome  string            `json:"outcome"`
		ExitCode *int              `json:"exit_code"`
	}
	out := mustSdetl(t, "quarantine", "list", "--workdir", work, "--table", "comments", "--limit", "3", "--json")
	if err := json.Unmarshal([]byte(out), &listed); err != nil || len(listed.Rows) != 3 || listed.Total != c.Quarantined ||
		listed.Outcome != "ok" || listed.ExitCode == nil || *listed.ExitCode != 0 {
		t.Errorf("list --json = %d rows of %d, outcome %q (%v); want 3 of %d, ok:\n%s", len(listed.Rows), listed.Total, listed.Outcome, err, c.Quarantined, out)
	}

	fix := filepath.Join(t.TempDir(), "fix.csv")
	mustSdetl(t, "quarantine", "export", "--workdir", work, "--table", "comments", "--out", fix)
	f, err := os.Open(fix)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != c.Quarantined {
		t.Fatalf("exported %d rows, truth quarantined %d", len(rows)-1, c.Quarantined)
	}
	// Fix: a fresh id, a ticket that exists, a date and a text wherever one is missing.
	tickets := contract.ServiceDesk().Table("comments")
	col := func(name string) int { return tickets.ColumnIndex(name) }
	var someTicket string
	for _, r := range rows[1:] {
		if v := r[col("ticket_id")]; v != "" && strings.Trim(v, "0123456789") == "" {
			someTicket = v
			break
		}
	}
	for i, r := range rows[1:] {
		r[col("comment_id")] = strconv.Itoa(880000000 + i)
		if strings.Trim(r[col("ticket_id")], "0123456789") != "" || r[col("ticket_id")] == "" {
			r[col("ticket_id")] = someTicket
		}
		if strings.TrimSpace(r[col("created_time")]) == "" {
			r[col("created_time")] = "5/07/2025 10:00"
		}
		if t := strings.TrimSpace(r[col("comment_text")]); t == "" || strings.EqualFold(t, "nan") {
			r[col("comment_text")] = "fixed by the operator"
		}
	}
	f, err = os.Create(fix)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows)
	f.Close()

	mustSdetl(t, "quarantine", "release", "--workdir", work, "--table", "comments", "--file", fix)
	mustSdetl(t, "clean", "--workdir", work)
	mustSdetl(t, "load", "--workdir", work, "--pg", dsn)
	live, err := postgres.Counts(context.Background(), dsn, contract.ServiceDesk())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := live.Rows["comments"], int64(c.Loaded+c.Quarantined); got != want || live.Quarantined["comments"] != 0 {
		t.Errorf("after release: comments loaded %d (want %d), quarantined %d (want 0)", got, want, live.Quarantined["comments"])
	}
	// Releasing the same fixes twice fails closed: the rows it names are no longer quarantined.
	if code, _, errs := sdetl(t, "quarantine", "release", "--workdir", work, "--table", "comments", "--file", fix); code == 0 || !strings.Contains(errs, "not in the staging store") {
		t.Errorf("second release: exit %d, %s", code, errs)
	}
}
