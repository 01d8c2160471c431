package stage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/profile"
	"github.com/sdetl/sdetl/internal/stage"
)

const miniSpec = `
name: mini
schema: mini
sentinels: ["nan", "NULL", "-"]
tables:
  - name: tickets
    key: [id]
    columns:
      - {name: id, type: integer}
      - {name: created, type: timestamp}
      - {name: met, type: flag}
      - {name: title, type: text}
  - name: hours
    columns:
      - {name: day, type: date}
      - {name: hours, type: decimal}
      - {name: note, type: text}
`

// stageStore imports files (name -> CSV body) into a new staging store.
func stageStore(t *testing.T, s *contract.Spec, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "stage.db")
	if _, err := stage.Import(context.Background(), stage.Options{Spec: s, Dir: dir, Out: out}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFromStage(t *testing.T) {
	s, err := contract.Parse([]byte(miniSpec))
	if err != nil {
		t.Fatal(err)
	}
	var tickets, hours strings.Builder
	tickets.WriteString("id,created,met,title\n")
	for i := 1; i <= 1000; i++ {
		id := fmt.Sprint(i)
		if i%10 == 0 {
			id = fmt.Sprintf("T-%d", i) // 10% text ids: the integer contract is not supported
		}
		created := fmt.Sprintf("%d/%02d/2025 8:%02d", i%28+1, i%12+1, i%60) // day-first evidence from day 13 on
		fmt.Fprintf(&tickets, "%s,%s,%s,title %d\n", id, created, []string{"yes", "no", "nan"}[i%3], i)
	}
	hours.WriteString("day,hours,note\n")
	for i := 1; i <= 100; i++ {
		day := fmt.Sprintf("2025-07-%02d", i%28+1)
		if i%4 == 0 {
			day = "someday" // 25% unparseable dates
		}
		fmt.Fprintf(&hours, "%s,%d.50,\n", day, i%8)
	}
	path := stageStore(t, s, map[string]string{"tickets.csv": tickets.String(), "hours.csv": hours.String()})

	r, err := stage.Profile(context.Background(), s, path, 0)
	if err != nil {
		t.Fatal(err)
	}
	type col struct {
		Inferred string
		Support  float64
		Mismatch bool
		NonNull  int64
		Min, Max string
	}
	got := map[string]col{}
	for _, tr := range r.Tables {
		for _, c := range tr.Columns {
			got[tr.Table+"."+c.Name] = col{c.InferredType, c.Support, c.Mismatch, c.NonNull, c.Min, c.Max}
		}
	}
	want := map[string]col{
		"tickets.id":      {"text", 0.9, true, 1000, "1", "T-990"}, // 90% integers: not enough to infer
		"tickets.created": {"timestamp", 1, false, 1000, "2025-01-01 08:00:00", "2025-12-28 08:59:00"},
		"tickets.met":     {"boolean", 1, false, 667, "no", "yes"},
		"tickets.title":   {"text", 1, false, 1000, "title 1", "title 999"},
		"hours.day":       {"text", 0.75, true, 100, "2025-07-02", "someday"},
		"hours.hours":     {"decimal", 1, false, 100, "0.5", "7.5"},
		"hours.note":      {"empty", 1, false, 0, "", ""},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("columns (-want +got):\n%s", d)
	}
	if o := r.Tables[0].Columns[1].DateOrder; o == nil || o.Order != contract.DMY || o.Basis != profile.BasisEvidence {
		t.Errorf("created date order %+v, want dmy from evidence", o)
	}

	var trips []string
	for _, tr := range r.Breaker.Trips {
		trips = append(trips, fmt.Sprintf("%s %s %v %.2f", tr.Rule, tr.Table, tr.Columns, tr.Share))
	}
	wantTrips := []string{
		"mismatch_columns tickets [id] 0.25",
		"mismatch_columns hours [day] 0.33",
		"date_unparseable hours [day] 0.25",
	}
	if d := cmp.Diff(wantTrips, trips); d != "" {
		t.Errorf("breaker trips (-want +got):\n%s", d)
	}
	if !r.Breaker.Halt || r.Breaker.Err() == nil {
		t.Error("breaker did not halt")
	}
	if ex := r.Breaker.Trips[0].Examples; len(ex) == 0 || ex[0] != "id: T-10" {
		t.Errorf("trip examples %q, want to start with \"id: T-10\"", ex)
	}

	var buf bytes.Buffer
	if err := profile.Print(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"tickets: 1000 rows, 1 of 4 columns mismatch", "MISMATCH", "circuit breaker: HALT"} {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("printed profile lacks %q:\n%s", w, buf.String())
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"inferred_type":"boolean"`, `"date_order":{"order":"dmy","basis":"evidence","contract":"dmy"`, `"min_support":0.95`} {
		if !bytes.Contains(b, []byte(w)) {
			t.Errorf("JSON lacks %s", w)
		}
	}
}

func TestFromStageSampleSpreads(t *testing.T) {
	s, err := contract.Parse([]byte(miniSpec))
	if err != nil {
		t.Fatal(err)
	}
	var tickets strings.Builder
	tickets.WriteString("id,created,met,title\n")
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&tickets, "%d,2025-07-01 08:00,yes,t\n", i)
	}
	path := stageStore(t, s, map[string]string{"tickets.csv": tickets.String(), "hours.csv": "day,hours,note\n"})
	tests := []struct {
		sample   int
		rows     int64
		min, max string
	}{
		{0, 1000, "1", "1000"},
		{100, 100, "1", "991"},
		{999, 500, "1", "999"}, // stride 2
		{5000, 1000, "1", "1000"},
	}
	for _, tt := range tests {
		r, err := stage.Profile(context.Background(), s, path, tt.sample)
		if err != nil {
			t.Fatal(err)
		}
		tr := r.Tables[0]
		id := tr.Columns[0]
		if tr.Rows != tt.rows || tr.TotalRows != 1000 || id.Min != tt.min || id.Max != tt.max {
			t.Errorf("sample %d: %d of %d rows, ids %s..%s; want %d of 1000, %s..%s", tt.sample, tr.Rows, tr.TotalRows, id.Min, id.Max, tt.rows, tt.min, tt.max)
		}
	}
	if _, err := stage.Profile(context.Background(), s, path, -1); err == nil {
		t.Error("negative sample accepted")
	}
	if _, err := stage.Profile(context.Background(), s, filepath.Join(t.TempDir(), "none.db"), 0); err == nil {
		t.Error("missing store accepted")
	}
}
