package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/xlsx"
)

// The spec init fixture: exports the tool has never seen. A help-desk case list with an integer
// id, month-first timestamps (some only fit m/d, some are ambiguous), "?" as a null marker, a
// yes/no column, a decimal, an ISO date and a time of day; and an agent list keyed by a text
// login with a true/false column.

const fixtureCases = 40

type fixtureCase struct {
	id                                   int
	opened, customer, escalated, hours   string
	due, priority, shift                 string
	wantOpened, wantDue, wantHours, wEsc string // canonical clean values ("" = NULL)
}

var caseHeaders = []string{"Case Number", "Opened At", "Customer", "Escalated?", "Hours Spent", "Due Date", "Priority ", "Shift Start"}

func fixture() []fixtureCase {
	var cs []fixtureCase
	esc := []string{"Yes", "No", "Y", "n"}
	for i := range fixtureCases {
		m, d := 1+i%12, 1+(i*7)%28 // days above 12 prove month-first; the rest are ambiguous
		h, mi := 8+i%10, (i*13)%60
		c := fixtureCase{
			id:         5001 + i,
			opened:     fmt.Sprintf("%02d/%02d/2025 %02d:%02d", m, d, h, mi),
			wantOpened: fmt.Sprintf("2025-%02d-%02d %02d:%02d:00", m, d, h, mi),
			customer:   []string{"Acme", `Stark, Inc "East"`, "Globex", "Initech", "Umbrella"}[i%5] + fmt.Sprint(i%7),
			escalated:  esc[i%4],
			wEsc:       map[string]string{"Yes": "yes", "Y": "yes", "No": "no", "n": "no"}[esc[i%4]],
			hours:      fmt.Sprintf("%d.%d0", i%9, i%10),
			wantHours:  strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%d.%d", i%9, i%10), "0"), "."),
			due:        fmt.Sprintf("2025-%02d-%02d", 1+(i+2)%12, 1+(i*5)%28),
			wantDue:    fmt.Sprintf("2025-%02d-%02d", 1+(i+2)%12, 1+(i*5)%28),
			priority:   fmt.Sprintf("P%d", 1+i%4),
			shift:      fmt.Sprintf("%02d:%02d", 6+i%3, 30*(i%2)),
		}
		if i%9 == 4 {
			c.opened, c.wantOpened = "?", ""
		}
		if i%7 == 3 {
			c.due, c.wantDue = "?", ""
		}
		cs = append(cs, c)
	}
	return cs
}

var agents = [][]string{{"Login", "Full Name", "Active"}, {"ann", "Ann Smith", "true"}, {"bob", "Bob Jones", "false"}, {"cy", "Cy Young", "TRUE"}}

// writeFixture writes the two exports into dir as csv or xlsx and returns their paths.
func writeFixture(t *testing.T, dir, format string) []string {
	t.Helper()
	cases := fixture()
	p1, p2 := filepath.Join(dir, "Help Desk Cases."+format), filepath.Join(dir, "agents."+format)
	if format == "csv" {
		rows := [][]string{caseHeaders}
		for _, c := range cases {
			rows = append(rows, []string{fmt.Sprint(c.id), c.opened, c.customer, c.escalated, c.hours, c.due, c.priority, c.shift})
		}
		writeCSV(t, p1, rows)
		writeCSV(t, p2, agents)
		return []string{p1, p2}
	}
	// XLSX as a spreadsheet holds it: numbers as numbers, the ISO date and the time as styled
	// date cells, the month-first timestamps as the text the source system wrote, booleans as
	// boolean cells.
	rows := [][]xlsx.Cell{strCells(caseHeaders)}
	for _, c := range cases {
		due := xlsx.Str("?")
		if c.due != "?" {
			tm, _ := time.Parse(time.DateOnly, c.due)
			due = xlsx.DateCell(tm, xlsx.DateOnly)
		}
		shift, _ := time.Parse("15:04", c.shift)
		rows = append(rows, []xlsx.Cell{xlsx.Num(fmt.Sprint(c.id)), xlsx.Str(c.opened), xlsx.Str(c.customer), xlsx.Str(c.escalated),
			xlsx.Num(c.hours), due, xlsx.Str(c.priority), xlsx.DateCell(shift, xlsx.TimeOnly)})
	}
	writeXLSX(t, p1, rows)
	arows := [][]xlsx.Cell{strCells(agents[0])}
	for _, a := range agents[1:] {
		b := "0"
		if strings.EqualFold(a[2], "true") {
			b = "1"
		}
		arows = append(arows, []xlsx.Cell{xlsx.Str(a[0]), xlsx.Str(a[1]), {Kind: xlsx.Bool, Text: b}})
	}
	writeXLSX(t, p2, arows)
	return []string{p1, p2}
}

func strCells(ss []string) []xlsx.Cell {
	out := make([]xlsx.Cell, len(ss))
	for i, s := range ss {
		out[i] = xlsx.Str(s)
	}
	return out
}

func writeCSV(t *testing.T, path string, rows [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.UseCRLF = true
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeXLSX(t *testing.T, path string, rows [][]xlsx.Cell) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := xlsx.NewWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSpecInitRunsUnedited: a contract drafted from exports the tool has never seen runs,
// unedited, through import, clean and a real PostgreSQL load, with the right column types, the
// month-first dates read month-first, and every row loaded.
func TestSpecInitRunsUnedited(t *testing.T) {
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files := writeFixture(t, dir, format)
			specPath := filepath.Join(t.TempDir(), "f.yaml")
			mustSdetl(t, "spec", "init", "--from", files[0], "--from", files[1], "--out", specPath, "--name", "helpdesk")

			s, err := contract.Load(specPath)
			if err != nil {
				t.Fatal(err)
			}
			checkDraftedSpec(t, s)

			dsn := pgtest.DSN(t)
			mustSdetl(t, "run", "--spec", specPath, "--exports", dir, "--pg", dsn, "--workdir", t.TempDir())

			ctx := context.Background()
			live, err := postgres.Counts(ctx, dsn, s)
			if err != nil {
				t.Fatal(err)
			}
			for table, want := range map[string]int64{"help_desk_cases": fixtureCases, "agents": int64(len(agents) - 1)} {
				if live.Rows[table] != want || live.Quarantined[table] != 0 {
					t.Errorf("%s: loaded %d, quarantined %d; want %d and 0", table, live.Rows[table], live.Quarantined[table], want)
				}
			}
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			checkPGTypes(t, conn, map[string]string{
				"Case Number": "bigint", "Opened At": "timestamp without time zone", "Customer": "text", "Escalated?": "text",
				"Hours Spent": "numeric", "Due Date": "date", "Priority": "text", "Shift Start": "time without time zone",
				"Login": "text", "Active": "boolean",
			})
			checkPGValues(t, conn)
		})
	}
}

func checkDraftedSpec(t *testing.T, s *contract.Spec) {
	t.Helper()
	if s.Name != "helpdesk" || s.Schema != "helpdesk" || s.DateOrder != contract.Unresolved || s.Scope != nil {
		t.Errorf("name %q schema %q date_order %q scope %v", s.Name, s.Schema, s.DateOrder, s.Scope)
	}
	if !strings.Contains(strings.Join(s.Sentinels, " "), "?") {
		t.Errorf("sentinels %q lack ?", s.Sentinels)
	}
	cases, ag := s.Table("help_desk_cases"), s.Table("agents")
	if cases == nil || ag == nil {
		t.Fatalf("tables %v", s.Tables)
	}
	if cases.File != "Help Desk Cases" || ag.File != "agents" || cases.Optional || ag.Optional {
		t.Errorf("files %q %q optional %v %v", cases.File, ag.File, cases.Optional, ag.Optional)
	}
	if got := strings.Join(cases.Key, ","); got != "Case Number" {
		t.Errorf("cases key %q, want Case Number", got)
	}
	if got := strings.Join(ag.Key, ","); got != "Login" {
		t.Errorf("agents key %q, want Login", got)
	}
	type col struct {
		typ      contract.Type
		order    contract.DateOrder
		required bool
	}
	u := contract.Unresolved // nothing states an order; only Opened At holds d/m values, and its own decide
	want := map[string]col{
		"Case Number": {contract.Integer, u, true}, "Opened At": {contract.Timestamp, contract.MDY, false},
		"Customer": {contract.Text, u, false}, "Escalated?": {contract.Flag, u, false},
		"Hours Spent": {contract.Decimal, u, false}, "Due Date": {contract.Date, u, false},
		"Priority": {contract.Text, u, false}, "Shift Start": {contract.Time, u, false},
		"Login": {contract.Text, u, true}, "Full Name": {contract.Text, u, false}, "Active": {contract.Boolean, u, false},
	}
	for _, tb := range s.Tables {
		for _, c := range tb.Columns {
			w, ok := want[c.Name]
			if !ok {
				t.Errorf("unexpected column %q", c.Name)
				continue
			}
			if got := (col{c.Type, c.DateOrder, c.Required}); got != w {
				t.Errorf("%s: got %+v, want %+v", c.Name, got, w)
			}
		}
	}
}

func checkPGTypes(t *testing.T, conn *pgx.Conn, want map[string]string) {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'helpdesk' AND column_name NOT LIKE '\_%'`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for rows.Next() {
		var c, ty string
		if err := rows.Scan(&c, &ty); err != nil {
			t.Fatal(err)
		}
		got[c] = ty
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for c, w := range want {
		if got[c] != w {
			t.Errorf("column %q: PostgreSQL type %q, want %q", c, got[c], w)
		}
	}
}

// checkPGValues compares every loaded case with its canonical values: the ambiguous month-first
// dates (03/04/2025) must have been read as 4 March, not 3 April.
func checkPGValues(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT "Case Number", coalesce("Opened At"::text, ''), coalesce("Due Date"::text, ''),
		"Hours Spent"::text, "Escalated?" FROM helpdesk.help_desk_cases`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64][4]string{}
	for rows.Next() {
		var id int64
		var v [4]string
		if err := rows.Scan(&id, &v[0], &v[1], &v[2], &v[3]); err != nil {
			t.Fatal(err)
		}
		got[id] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range fixture() {
		want := [4]string{c.wantOpened, c.wantDue, c.wantHours, c.wEsc}
		if got[int64(c.id)] != want {
			t.Errorf("case %d: got %q, want %q", c.id, got[int64(c.id)], want)
		}
	}
}

// TestSpecInitCommandLine: the output rules of spec init — stdout without --out, an existing
// --out kept unless --force, usage errors.
func TestSpecInitCommandLine(t *testing.T) {
	dir := t.TempDir()
	files := writeFixture(t, dir, "csv")
	out := filepath.Join(t.TempDir(), "spec.yaml")

	stdout := mustSdetl(t, "spec", "init", "--from", files[1], "--schema", "team")
	if _, err := contract.Parse([]byte(stdout)); err != nil || !strings.Contains(stdout, "schema: team") {
		t.Errorf("stdout is not the contract (%v):\n%s", err, stdout)
	}

	var js struct {
		Spec   string `json:"spec"`
		Tables []struct {
			Table string `json:"table"`
			Key   string `json:"key"`
		} `json:"tables"`
	}
	if err := json.Unmarshal([]byte(mustSdetl(t, "spec", "init", "--from", files[1], "--json")), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Tables) != 1 || js.Tables[0].Table != "agents" || js.Tables[0].Key != "Login" || !strings.Contains(js.Spec, "key: [Login]") {
		t.Errorf("--json: %+v", js)
	}

	if err := os.WriteFile(out, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		stderr   string // substring
		contents string // prefix of out afterwards
	}{
		{"existing out is kept", []string{"--from", files[1], "--out", out}, exitError, "exists; pass --force", "keep me"},
		{"force replaces it", []string{"--from", files[1], "--out", out, "--force"}, exitOK, "", "# Drafted by"},
		{"no --from", []string{"--out", out}, exitUsage, "--from FILE is required", "# Drafted by"},
		{"bad schema", []string{"--from", files[1], "--schema", "Bad-Name"}, exitUsage, "lower-case identifier", "# Drafted by"},
		{"missing file", []string{"--from", filepath.Join(dir, "nope.csv")}, exitError, "nope.csv", "# Drafted by"},
		{"two exports of one name", []string{"--from", files[1], "--from", filepath.Join(t.TempDir(), "agents.csv")}, exitError, "are both export", "# Drafted by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := sdetl(t, append([]string{"spec", "init"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
			b, _ := os.ReadFile(out)
			if !strings.HasPrefix(string(b), tt.contents) {
				t.Errorf("%s now starts %q, want %q", out, firstLine(string(b)), tt.contents)
			}
		})
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
