package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/xlsx"
)

// Fidelity through the whole pipeline into a real PostgreSQL: what is loaded is exactly what
// the export said, to the microsecond, and what cannot be kept exactly is quarantined with its
// rule, never rounded, truncated or guessed.

const fidelitySpec = `
name: fid
schema: fid
tables:
  - name: events
    key: [id]
    columns:
      - {name: id, type: integer, required: true}
      - {name: at, type: timestamp}
      - {name: day, type: date}
      - {name: clock, type: time}
      - {name: qty, type: integer}
`

// fidelityRow is one export row and what must come of it: the loaded values (at, day, clock,
// qty as PostgreSQL prints them, "" = NULL), or the quarantine rule.
type fidelityRow struct {
	id                    int
	at, day, clock, qty   string    // raw text cells
	atCell, clockCell     time.Time // XLSX only: written as date cells instead of text when set
	atNum                 bool      // XLSX only: at is a number cell (General format)
	wantAt, wantDay       string
	wantClock, wantQty    string
	quarantine, quarantCo string // rule and column
}

func fidelityRows() []fidelityRow {
	rows := []fidelityRow{
		{id: 1, at: "2024-12-31 23:59:59.999", day: "2024-12-31", clock: "09:00:00.5", qty: "+5",
			wantAt: "2024-12-31 23:59:59.999", wantDay: "2024-12-31", wantClock: "09:00:00.5", wantQty: "5"},
		{id: 2, at: "2025-07-02 16:21:00.123456", clock: "23:59:59.999999",
			wantAt: "2025-07-02 16:21:00.123456", wantClock: "23:59:59.999999"},
		{id: 3, at: "2/07/2025 8:42:05.250", clock: "8:30:15.25 pm",
			wantAt: "2025-07-02 08:42:05.25", wantClock: "20:30:15.25"},
		{id: 4, at: "45678.351390335645", // the float64 serial of 2025-01-21 08:26:00.125
			wantAt: "2025-01-21 08:26:00.125"},
		{id: 5, day: "2024-12-31 23:59:59.999", quarantine: "invalid_date", quarantCo: "day"},
		{id: 6, at: "2025-07-02 16:21:00.1234567", quarantine: "invalid_timestamp", quarantCo: "at"},
		{id: 7, clock: "09:00:00.0000001", quarantine: "invalid_time", quarantCo: "clock"},
		// A bare number among date text is not an Excel serial (1 would be 1900-01-01); the
		// serial of id 4 falls among the column's dates and is one.
		{id: 8, at: "1", quarantine: "invalid_timestamp", quarantCo: "at"},
		{id: 9, day: "1", quarantine: "invalid_date", quarantCo: "day"},
	}
	// Enough ordinary rows that the few bad ones stay under the profile's mismatch threshold.
	for id := 10; id < 70; id++ {
		rows = append(rows, fidelityRow{id: id, at: "2025-03-01 10:00:00", day: "2025-03-01", clock: "10:00",
			wantAt: "2025-03-01 10:00:00", wantDay: "2025-03-01", wantClock: "10:00:00"})
	}
	return rows
}

// writeFidelityExport writes the rows as events.csv or events.xlsx; in XLSX the rows with a
// cell time get real date cells (a serial with a date format), the rest string cells.
func writeFidelityExport(t *testing.T, dir, format string, rows []fidelityRow) {
	t.Helper()
	header := []string{"id", "at", "day", "clock", "qty"}
	if format == "csv" {
		recs := [][]string{header}
		for _, r := range rows {
			recs = append(recs, []string{fmt.Sprint(r.id), r.at, r.day, r.clock, r.qty})
		}
		writeCSV(t, filepath.Join(dir, "events.csv"), recs)
		return
	}
	recs := [][]xlsx.Cell{strCells(header)}
	for _, r := range rows {
		c := []xlsx.Cell{xlsx.Num(fmt.Sprint(r.id)), xlsx.Str(r.at), xlsx.Str(r.day), xlsx.Str(r.clock), xlsx.Str(r.qty)}
		if !r.atCell.IsZero() {
			c[1] = xlsx.DateCell(r.atCell, xlsx.DateTime)
		}
		if r.atNum {
			c[1] = xlsx.Num(r.at)
		}
		if !r.clockCell.IsZero() {
			c[3] = xlsx.DateCell(r.clockCell, xlsx.TimeOnly)
		}
		recs = append(recs, c)
	}
	writeXLSX(t, filepath.Join(dir, "events.xlsx"), recs)
}

// runFidelity runs the whole pipeline on rows and checks every loaded value and quarantine
// entry in PostgreSQL.
func runFidelity(t *testing.T, format string, rows []fidelityRow) {
	t.Helper()
	dir := t.TempDir()
	specPath := filepath.Join(t.TempDir(), "fid.yaml")
	if err := os.WriteFile(specPath, []byte(fidelitySpec), 0o644); err != nil {
		t.Fatal(err)
	}
	writeFidelityExport(t, dir, format, rows)
	dsn := pgtest.DSN(t)
	mustSdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", t.TempDir())

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	got := map[int64][4]string{}
	q, err := conn.Query(ctx, `SELECT id, coalesce(at::text, ''), coalesce(day::text, ''), coalesce(clock::text, ''), coalesce(qty::text, '') FROM fid.events`)
	if err != nil {
		t.Fatal(err)
	}
	for q.Next() {
		var id int64
		var v [4]string
		if err := q.Scan(&id, &v[0], &v[1], &v[2], &v[3]); err != nil {
			t.Fatal(err)
		}
		got[id] = v
	}
	if err := q.Err(); err != nil {
		t.Fatal(err)
	}
	quar := map[int64][2]string{}
	q, err = conn.Query(ctx, `SELECT source_row, rule, column_name FROM fid.quarantine WHERE table_name = 'events'`)
	if err != nil {
		t.Fatal(err)
	}
	for q.Next() {
		var row int64
		var v [2]string
		if err := q.Scan(&row, &v[0], &v[1]); err != nil {
			t.Fatal(err)
		}
		quar[row] = v
	}
	if err := q.Err(); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		id, row := int64(r.id), int64(i+1)
		if r.quarantine != "" {
			if want := [2]string{r.quarantine, r.quarantCo}; quar[row] != want {
				t.Errorf("id %d (%q %q %q): quarantined as %q, want %q", r.id, r.at, r.day, r.clock, quar[row], want)
			}
			if _, loaded := got[id]; loaded {
				t.Errorf("id %d: loaded %q, want it quarantined", r.id, got[id])
			}
			continue
		}
		if want := [4]string{r.wantAt, r.wantDay, r.wantClock, r.wantQty}; got[id] != want {
			t.Errorf("id %d (%q %q %q %q): loaded %q, want %q (quarantine %q)", r.id, r.at, r.day, r.clock, r.qty, got[id], want, quar[row])
		}
	}
}

// TestFractionalSecondsLoadExactly: fractional seconds survive clean and load to the
// microsecond, in CSV text and in XLSX text and date cells; a date with a time of day and a
// fraction finer than PostgreSQL's are quarantined, not rounded; a stray number among date
// text is quarantined, a serial among the column's dates loads; a contracted integer +5 is 5.
func TestFractionalSecondsLoadExactly(t *testing.T) {
	t.Run("csv", func(t *testing.T) {
		t.Parallel()
		runFidelity(t, "csv", fidelityRows())
	})
	t.Run("xlsx", func(t *testing.T) {
		t.Parallel()
		rows := fidelityRows()
		rows[0].atCell = time.Date(2024, 12, 31, 23, 59, 59, 999e6, time.UTC) // a date cell with milliseconds
		rows[0].clockCell = time.Date(1899, 12, 30, 9, 0, 0, 5e8, time.UTC)
		rows[1].atCell = time.Date(2025, 7, 2, 16, 21, 0, 123e6, time.UTC)
		rows[1].wantAt = "2025-07-02 16:21:00.123" // a serial carries milliseconds
		rows[3].atNum, rows[7].atNum = true, true  // the serial and the stray 1 as number cells
		// One instant as a date-formatted cell and as a General number cell holding its serial:
		// the reader and the clean stage read serials alike, to the millisecond.
		at := time.Date(2025, 3, 1, 10, 0, 0, 123e6, time.UTC)
		rows[20].atCell, rows[20].wantAt = at, "2025-03-01 10:00:00.123"
		rows[21].at, rows[21].atNum, rows[21].wantAt = strconv.FormatFloat(45717+(36000000+123)/86400000.0, 'f', -1, 64), true, "2025-03-01 10:00:00.123"
		runFidelity(t, "xlsx", rows)
	})
}

// TestLeadingPlusLoadsAsWritten: a phone number written with a leading + is drafted as text
// (not integer, not the key) and loads exactly as written; the id column is the key.
func TestLeadingPlusLoadsAsWritten(t *testing.T) {
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			rows := [][]string{{"Contact ID", "Phone"}}
			for i := 1; i <= 30; i++ {
				rows = append(rows, []string{strconv.Itoa(i), fmt.Sprintf("+3188554%05d", i)})
			}
			file := filepath.Join(dir, "contacts."+format)
			if format == "csv" {
				writeCSV(t, file, rows)
			} else {
				var cells [][]xlsx.Cell
				for _, r := range rows {
					cells = append(cells, strCells(r))
				}
				writeXLSX(t, file, cells)
			}
			specPath := filepath.Join(t.TempDir(), "c.yaml")
			mustSdetl(t, "spec", "init", "--from", file, "--out", specPath, "--name", "contacts")
			dsn := pgtest.DSN(t)
			mustSdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", t.TempDir())
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			var typ, phone string
			if err := conn.QueryRow(ctx, `SELECT data_type FROM information_schema.columns
				WHERE table_schema = 'contacts' AND table_name = 'contacts' AND column_name = 'Phone'`).Scan(&typ); err != nil {
				t.Fatal(err)
			}
			if err := conn.QueryRow(ctx, `SELECT "Phone" FROM contacts.contacts WHERE "Contact ID" = 1`).Scan(&phone); err != nil {
				t.Fatal(err)
			}
			if typ != "text" || phone != "+318855400001" {
				t.Errorf("phone typed %s, loaded as %q; want text +318855400001", typ, phone)
			}
			var key string
			if err := conn.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = 'contacts' AND indexname LIKE '%natural_key'`).Scan(&key); err != nil || !strings.Contains(key, `"Contact ID"`) {
				t.Errorf("natural key index %q (%v), want it on \"Contact ID\"", key, err)
			}
		})
	}
}
