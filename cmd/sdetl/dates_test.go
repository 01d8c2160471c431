package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/xlsx"
)

// Issue 12: exports from the wild, each spelling its dates its own way, drafted by spec init and
// run unedited into PostgreSQL. Every cell is compared with the time it was rendered from.

// dateCol is one column of a dates fixture: how it spells a time, and what it must load as.
type dateCol struct {
	header string
	pgType string // information_schema data_type
	clock  bool   // the spelling carries a time of day (else midnight: a date column)
	secs   bool   // ... with seconds
	frac   bool   // ... with microseconds
	zone   bool   // ... with a UTC offset (timestamptz)
	amb    bool   // every value has day and month <= 12: only a sibling column can decide
	from   int    // first year of the column's values
	render func(t time.Time) string
}

func monthAbbr(t time.Time) string { return t.Month().String()[:3] }

func ampm(t time.Time) (int, string) {
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	if t.Hour() < 12 {
		return h, "AM"
	}
	return h, "PM"
}

const dateRows = 30

// An Australian help desk's export: day-first with dashes (as Excel re-saves it), a dotted
// column whose days never pass 12 (its sibling decides), Jira's default, month names, and a
// Zendesk-style API timestamp with offsets.
var auCols = []dateCol{
	{header: "Logged", pgType: "timestamp without time zone", clock: true, from: 2016,
		render: func(t time.Time) string {
			return fmt.Sprintf("%02d-%02d-%d %02d:%02d", t.Day(), t.Month(), t.Year(), t.Hour(), t.Minute())
		}},
	{header: "Reviewed", pgType: "timestamp without time zone", clock: true, amb: true, from: 2024,
		render: func(t time.Time) string { return t.Format("02.01.2006 15:04") }},
	{header: "Jira Created", pgType: "timestamp without time zone", clock: true, from: 2024,
		render: func(t time.Time) string {
			h, ap := ampm(t)
			return fmt.Sprintf("%d/%s/%02d %d:%02d %s", t.Day(), monthAbbr(t), t.Year()%100, h, t.Minute(), ap)
		}},
	{header: "Due", pgType: "date", from: 2024,
		render: func(t time.Time) string { return fmt.Sprintf("%02d-%s-%d", t.Day(), monthAbbr(t), t.Year()) }},
	{header: "Noted", pgType: "timestamp without time zone", clock: true, secs: true, from: 2024,
		render: func(t time.Time) string {
			h, ap := ampm(t)
			return fmt.Sprintf("%s %d, %d %d:%02d:%02d %s", monthAbbr(t), t.Day(), t.Year(), h, t.Minute(), t.Second(), ap)
		}},
	{header: "Synced", pgType: "timestamp with time zone", clock: true, secs: true, frac: true, zone: true, from: 2024,
		render: func(t time.Time) string { return t.Format("2006-01-02T15:04:05.999999Z07:00") }},
}

// A ServiceNow list export: month-first with dashes, a US column whose days never pass 12,
// ISO with T, and 2-digit years.
var usCols = []dateCol{
	{header: "Opened", pgType: "timestamp without time zone", clock: true, secs: true, from: 2025,
		render: func(t time.Time) string { return t.Format("01-02-2006 15:04:05") }},
	{header: "Closed", pgType: "timestamp without time zone", clock: true, amb: true, from: 2025,
		render: func(t time.Time) string {
			h, ap := ampm(t)
			return fmt.Sprintf("%d/%d/%d %d:%02d %s", t.Month(), t.Day(), t.Year(), h, t.Minute(), ap)
		}},
	{header: "Updated", pgType: "timestamp without time zone", clock: true, secs: true, frac: true, from: 2025,
		render: func(t time.Time) string { return t.Format("2006-01-02T15:04:05.000000") }},
	{header: "Reported", pgType: "date", from: 2025,
		render: func(t time.Time) string { return fmt.Sprintf("%d/%d/%02d", t.Month(), t.Day(), t.Year()%100) }},
}

// dateRow is the times of one row, and their canonical texts.
type dateRow struct {
	id   int
	raw  []string
	want []string
}

func dateFixture(cols []dateCol, seed uint64) []dateRow {
	rng := rand.New(rand.NewPCG(seed, 12))
	var rows []dateRow
	for i := range dateRows {
		r := dateRow{id: 100 + i}
		for _, c := range cols {
			y := c.from + rng.IntN(2)
			m, d := 1+rng.IntN(12), 1+rng.IntN(28)
			switch {
			case c.amb:
				d = 1 + rng.IntN(12)
			case i == 0:
				d = 13 + rng.IntN(15) // evidence: a day that only fits one order
			}
			t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
			if c.clock {
				t = t.Add(time.Duration(rng.IntN(86400)) * time.Second)
				if !c.secs {
					t = t.Truncate(time.Minute)
				}
				if c.frac {
					t = t.Add(time.Duration(rng.IntN(1e6)) * time.Microsecond)
				}
			}
			src, want := t, t.Format("2006-01-02 15:04:05.999999")
			if !c.clock {
				want = t.Format(time.DateOnly)
			}
			if c.zone {
				src = t.In(time.FixedZone("", (rng.IntN(26*4+1)-12*4)*15*60)) // -12:00 .. +14:00 in quarter hours
				want += "+00"
			}
			r.raw, r.want = append(r.raw, c.render(src)), append(r.want, want)
		}
		rows = append(rows, r)
	}
	return rows
}

// writeDates writes an export of the fixture as csv or xlsx (every date as the text the source
// system wrote).
func writeDates(t *testing.T, path string, cols []dateCol, rows []dateRow) {
	t.Helper()
	header := []string{"Ticket"}
	for _, c := range cols {
		header = append(header, c.header)
	}
	if strings.HasSuffix(path, ".csv") {
		out := [][]string{header}
		for _, r := range rows {
			out = append(out, append([]string{fmt.Sprint(r.id)}, r.raw...))
		}
		writeCSV(t, path, out)
		return
	}
	out := [][]xlsx.Cell{strCells(header)}
	for _, r := range rows {
		out = append(out, append([]xlsx.Cell{xlsx.Num(fmt.Sprint(r.id))}, strCells(r.raw)...))
	}
	writeXLSX(t, path, out)
}

func TestDateSpellingsRunUnedited(t *testing.T) {
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			au, us := dateFixture(auCols, 1), dateFixture(usCols, 2)
			pa, pu := filepath.Join(dir, "au."+format), filepath.Join(dir, "us."+format)
			writeDates(t, pa, auCols, au)
			writeDates(t, pu, usCols, us)
			specPath := filepath.Join(t.TempDir(), "dates.yaml")
			mustSdetl(t, "spec", "init", "--from", pa, "--from", pu, "--out", specPath, "--name", "dates")
			yaml, err := os.ReadFile(specPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				`{name: Reviewed, type: timestamp, date_order: dmy}`,
				`day-first by the evidence of "Logged" in the same export`,
				`{name: Closed, type: timestamp, date_order: mdy}`,
				`month-first by the evidence of "Opened", "Reported" in the same export`,
				`{name: Synced, type: timestamptz}`,
				"format DD-MM-YYYY HH:mm (30)",
			} {
				if !strings.Contains(string(yaml), want) {
					t.Errorf("the draft lacks %q:\n%s", want, yaml)
				}
			}
			dsn := pgtest.DSN(t)
			work := t.TempDir()
			mustSdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", work)
			// The drafted date range is the data's own (from 2015, a year before the 2016
			// dates), so nothing here is out of range and the loaded schema scores 100.
			var rep runReport
			if b, err := os.ReadFile(workdir(work).runJSON()); err != nil || json.Unmarshal(b, &rep) != nil {
				t.Fatalf("run.json: %v", err)
			}
			if !strings.Contains(string(yaml), `dates: {min: "2015-01-01"`) || rep.Scores.Postgres == nil || rep.Scores.Postgres.Composite != 100 {
				t.Errorf("drafted range / score of the loaded schema: %v", rep.Scores.Postgres)
			}
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			checkDateTable(t, conn, "au", auCols, au)
			checkDateTable(t, conn, "us", usCols, us)
		})
	}
}

// checkDateTable compares the loaded types and every cell with the fixture's times.
func checkDateTable(t *testing.T, conn *pgx.Conn, table string, cols []dateCol, rows []dateRow) {
	t.Helper()
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "SET TimeZone = 'UTC'"); err != nil { // timestamptz::text in UTC
		t.Fatal(err)
	}
	for _, c := range cols {
		var typ string
		if err := conn.QueryRow(ctx, `SELECT data_type FROM information_schema.columns WHERE table_schema = 'dates' AND table_name = $1 AND column_name = $2`,
			table, c.header).Scan(&typ); err != nil || typ != c.pgType {
			t.Errorf("%s.%s: type %q (%v), want %q", table, c.header, typ, err, c.pgType)
		}
	}
	sel := []string{`"Ticket"`}
	for _, c := range cols {
		sel = append(sel, fmt.Sprintf("%s::text", pgx.Identifier{c.header}.Sanitize()))
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM dates." + table
	res, err := conn.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64][]string{}
	for res.Next() {
		vals := make([]any, len(sel))
		var id int64
		strs := make([]string, len(cols))
		vals[0] = &id
		for i := range strs {
			vals[i+1] = &strs[i]
		}
		if err := res.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		got[id] = strs
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Errorf("%s: %d rows loaded, want %d", table, len(got), len(rows))
	}
	for _, r := range rows {
		g := got[int64(r.id)]
		for i, c := range cols {
			if i >= len(g) || g[i] != r.want[i] {
				t.Errorf("%s row %d %s: %q loaded %q, want %q", table, r.id, c.header, r.raw[i], at(g, i), r.want[i])
			}
		}
	}
}

func at(xs []string, i int) string {
	if i < len(xs) {
		return xs[i]
	}
	return "(missing)"
}

// A month-first export whose every date is ambiguous: spec init writes the order unresolved,
// the run refuses the column in one line saying how to set it (never a day-first load with
// exit 0), and once the contract says mdy every value loads month-first. A column mixing
// offsets and wall clocks quarantines the odd one with its reason.
func TestAmbiguousDatesRefusedUntilStated(t *testing.T) {
	dir := t.TempDir()
	rows := [][]string{{"Ticket", "When", "Stamp", "Closed"}}
	for i := range 24 {
		stamp := fmt.Sprintf("2025-%02d-%02dT10:00:00+10:00", 1+i%12, 1+i)
		if i == 5 {
			stamp = "2025-06-06 10:00:00" // no offset: its zone is not known
		}
		rows = append(rows, []string{fmt.Sprint(1 + i), fmt.Sprintf("%02d/%02d/2025", 1+i%12, 1+i%12/2+i%3), stamp,
			fmt.Sprintf("%02d-%02d-2025 %02d:30", 1+i%3, 1+i%12, i%24)})
	}
	writeCSV(t, filepath.Join(dir, "amb.csv"), rows)
	specPath := filepath.Join(t.TempDir(), "amb.yaml")
	mustSdetl(t, "spec", "init", "--from", filepath.Join(dir, "amb.csv"), "--out", specPath, "--name", "dates")
	dsn := pgtest.DSN(t)
	code, _, stderr := sdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", t.TempDir())
	want := "amb.When: date order unresolved: every d/m value has day and month <= 12"
	if code != 4 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "amb.Closed: date order unresolved") ||
		!strings.Contains(stderr, "set date_order: dmy or mdy") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("run: exit %d, stderr %q; want exit 4 and one line saying %q", code, stderr, want)
	}
	b, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	// The two ways to state it: an order, or the column's one spelling.
	edited := strings.Replace(string(b), "{name: When, type: date}", "{name: When, type: date, date_order: mdy}", 1)
	edited = strings.Replace(edited, "{name: Closed, type: timestamp}", `{name: Closed, type: timestamp, format: "MM-DD-YYYY HH:mm"}`, 1)
	if strings.Count(edited, "date_order: mdy}") != 1 || !strings.Contains(edited, "format:") {
		t.Fatalf("no When or Closed column to edit in:\n%s", b)
	}
	if err := os.WriteFile(specPath, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := contract.Load(specPath)
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Table("amb").Column("Stamp"); c == nil || c.Type != contract.Timestamptz {
		t.Fatalf("Stamp drafted as %+v, want timestamptz", c)
	}
	mustSdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", t.TempDir())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	for i := range 24 {
		var when, stamp, closed string
		err := conn.QueryRow(ctx, `SELECT "When"::text, "Stamp"::text, "Closed"::text FROM dates.amb WHERE "Ticket" = $1`, 1+i).Scan(&when, &stamp, &closed)
		if i == 5 {
			var rule, reason string
			qerr := conn.QueryRow(ctx, `SELECT rule, reason FROM dates.quarantine WHERE source_row = 6`).Scan(&rule, &reason)
			if err == nil || qerr != nil || rule != "invalid_timestamptz" || !strings.Contains(reason, "has no UTC offset") {
				t.Errorf("the row without an offset: loaded %v; quarantine %q %q (%v)", err == nil, rule, reason, qerr)
			}
			continue
		}
		wantWhen := fmt.Sprintf("2025-%02d-%02d", 1+i%12, 1+i%12/2+i%3) // month-first
		wantStamp := time.Date(2025, time.Month(1+i%12), 1+i, 0, 0, 0, 0, time.UTC).Format("2006-01-02 15:04:05") + "+00"
		wantClosed := fmt.Sprintf("2025-%02d-%02d %02d:30:00", 1+i%3, 1+i%12, i%24) // MM-DD by its format
		if err != nil || when != wantWhen || stamp != wantStamp || closed != wantClosed {
			t.Errorf("ticket %d: %q %q %q (%v), want %q %q %q", 1+i, when, stamp, closed, err, wantWhen, wantStamp, wantClosed)
		}
	}
}
