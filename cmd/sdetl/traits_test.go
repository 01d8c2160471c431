package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/xlsx"
)

// Issue 12's file-shape traits, in exports nobody on the project wrote by hand for the tool: a
// Jira issue list repeating "Labels" once per label, with a vote count of 0..8 (mostly 0 and 1),
// and an event log whose only key is incident number + modification count. Each runs unedited
// through spec init and run into PostgreSQL, as CSV and as XLSX, with headers as names and with
// --names snake: the right types, the composite key's unique index, every cell as written.

const traitIssues, traitEvents = 30, 45

// traitExports returns the two exports' rows (header first) and what PostgreSQL must hold,
// per export, as text in header order.
func traitExports() (issues, events [][]string, wantIssues, wantEvents [][]string) {
	issues = [][]string{{"Issue key", "Summary", "Labels", "Labels", "Labels", "Votes", "Created"}}
	for i := range traitIssues {
		labels := []string{"backend", "", ""}
		if i%2 == 0 {
			labels[1] = "urgent"
		}
		if i%5 == 0 {
			labels[2] = "customer"
		}
		votes := []int{0, 1, 0, 1, 1, 0, 8, 0, 1, 2}[i%10]
		created := fmt.Sprintf("2025-03-%02d %02d:%02d:00", 1+i%28, 8+i%10, (i*7)%60)
		row := []string{fmt.Sprintf("PRJ-%d", 100+i), fmt.Sprintf("Summary, with a comma %d", i), labels[0], labels[1], labels[2], strconv.Itoa(votes), created}
		issues = append(issues, row)
		want := slices.Clone(row)
		for j := 3; j <= 4; j++ {
			if want[j] == "" {
				want[j] = "NULL"
			}
		}
		wantIssues = append(wantIssues, want)
	}
	events = [][]string{{"Number", "Mod Count", "State", "Sys Updated On"}}
	for i := range traitEvents {
		n, mod := i/3, i%3
		row := []string{fmt.Sprintf("INC%07d", 10+n), strconv.Itoa(mod), []string{"New", "In Progress", "Resolved"}[mod],
			fmt.Sprintf("2016-02-%02d %02d:16:%02d", 1+n, 1+mod, i)}
		events = append(events, row)
		wantEvents = append(wantEvents, row)
	}
	return issues, events, wantIssues, wantEvents
}

func writeTraitExport(t *testing.T, path string, rows [][]string, numeric ...int) {
	t.Helper()
	if strings.HasSuffix(path, ".csv") {
		writeCSV(t, path, rows)
		return
	}
	var cells [][]xlsx.Cell
	for r, row := range rows {
		cs := strCells(row)
		for _, c := range numeric {
			if r > 0 {
				cs[c] = xlsx.Num(row[c])
			}
		}
		for i := range cs {
			if row[i] == "" {
				cs[i] = xlsx.Cell{} // an empty cell, as Excel leaves it
			}
		}
		cells = append(cells, cs)
	}
	writeXLSX(t, path, cells)
}

func TestFileShapeTraitsRunUnedited(t *testing.T) {
	issues, events, wantIssues, wantEvents := traitExports()
	for _, tt := range []struct{ format, names string }{{"csv", "headers"}, {"xlsx", "snake"}} {
		t.Run(tt.format+"/"+tt.names, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			pi, pe := filepath.Join(dir, "issues."+tt.format), filepath.Join(dir, "events."+tt.format)
			writeTraitExport(t, pi, issues, 5)
			writeTraitExport(t, pe, events, 1)
			specPath := filepath.Join(t.TempDir(), "traits.yaml")
			mustSdetl(t, "spec", "init", "--from", pi, "--from", pe, "--out", specPath, "--name", "traits", "--names", tt.names)
			s, err := contract.Load(specPath)
			if err != nil {
				t.Fatal(err)
			}
			name := func(h string) string { return h }
			if tt.names == "snake" {
				name = func(h string) string {
					return map[string]string{"Issue key": "issue_key", "Summary": "summary", "Labels": "labels", "Labels (2)": "labels_2",
						"Labels (3)": "labels_3", "Votes": "votes", "Created": "created", "Number": "number", "Mod Count": "mod_count",
						"State": "state", "Sys Updated On": "sys_updated_on"}[h]
				}
			}
			it, et := s.Table("issues"), s.Table("events")
			if it == nil || et == nil {
				t.Fatalf("tables %v", s.Tables)
			}
			if got, want := et.Key, []string{name("Number"), name("Mod Count")}; !slices.Equal(got, want) {
				t.Errorf("events key %q, want %q", got, want)
			}
			if got, want := it.Key, []string{name("Issue key")}; !slices.Equal(got, want) {
				t.Errorf("issues key %q, want %q", got, want)
			}
			wantTypes := map[string]string{"Issue key": "text", "Summary": "text", "Labels": "text", "Labels (2)": "text", "Labels (3)": "text",
				"Votes": "bigint", "Created": "timestamp without time zone", "Number": "text", "Mod Count": "bigint", "State": "text",
				"Sys Updated On": "timestamp without time zone"}
			for _, tb := range s.Tables {
				for _, c := range tb.Columns {
					if want := name(c.Headers[0]); c.Name != want {
						t.Errorf("column %q headed %q, want it named %q", c.Name, c.Headers[0], want)
					}
				}
			}
			b, _ := readFileString(specPath)
			for _, note := range []string{`repeated headers "Labels" (3 times)`, fmt.Sprintf("%q 30 duplicates", name("Number"))} {
				if !strings.Contains(b, note) {
					t.Errorf("the draft does not say %q", note)
				}
			}
			if strings.Contains(b, "only 0 and 1") {
				t.Errorf("the draft says \"only 0 and 1\" of a column holding 0..8")
			}

			dsn := pgtest.DSN(t)
			mustSdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", t.TempDir())
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			for h, ty := range wantTypes {
				var got string
				if err := conn.QueryRow(ctx, `SELECT data_type FROM information_schema.columns WHERE table_schema = 'traits' AND column_name = $1`, name(h)).Scan(&got); err != nil || got != ty {
					t.Errorf("%s: type %q (%v), want %q", name(h), got, err, ty)
				}
			}
			sel := func(table string, headers []string) string {
				var cols []string
				for _, h := range headers {
					cols = append(cols, fmt.Sprintf("%s::text", pgx.Identifier{name(h)}.Sanitize()))
				}
				return fmt.Sprintf("SELECT %s FROM traits.%s ORDER BY 1, 2", strings.Join(cols, ", "), table)
			}
			issueCols := []string{"Issue key", "Summary", "Labels", "Labels (2)", "Labels (3)", "Votes", "Created"}
			if d := cmp.Diff(sortRows(wantIssues), pgRows(t, conn, sel("issues", issueCols))); d != "" {
				t.Errorf("issues (-want +got):\n%s", d)
			}
			if d := cmp.Diff(sortRows(wantEvents), pgRows(t, conn, sel("events", []string{"Number", "Mod Count", "State", "Sys Updated On"}))); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
			var idx string
			if err := conn.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = 'traits' AND indexname = 'events_natural_key'`).Scan(&idx); err != nil ||
				!strings.Contains(idx, "UNIQUE") || !strings.Contains(idx, name("Number")) || !strings.Contains(idx, name("Mod Count")) {
				t.Errorf("events key index %q (%v), want a unique index on both key columns", idx, err)
			}
			var quarantined int
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM traits.quarantine`).Scan(&quarantined); err != nil || quarantined != 0 {
				t.Errorf("quarantined %d (%v), want 0", quarantined, err)
			}
		})
	}
}

// sortRows orders rows as the queries do: by their first two cells, as text.
func sortRows(rows [][]string) [][]string {
	out := slices.Clone(rows)
	slices.SortFunc(out, func(a, b []string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	return out
}

func readFileString(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
