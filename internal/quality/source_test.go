package quality_test

import (
	"context"
	"database/sql"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sdetl/sdetl/internal/clean"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/stage"
	"github.com/sdetl/sdetl/internal/store"
)

// Raw exports for the mini contract, with the dirt the clean stage removes.
var miniFiles = map[string]string{
	"tickets.csv": "id,created,closed,month,met,title\n" +
		"1,20/05/2025 8:42,2025-06-01 10:00,2025-05,yes,first\n" +
		"2,2025-05-21 09:00,,2025-05,No,second\n" +
		"3.0,2025-05-22 09:00,2025-05-23,2025-5,Y,third\n" + // float-looking id: valid, but does not join "3"
		"2,2025-05-21 09:00,2025-05-22,2025-05,no,second again\n" + // duplicate key
		"4,45800.5,,2025-05,yes,fourth\n",
	"comments.csv": "id,ticket,body\n" +
		"10,1,hello\n" +
		"11,3,\"nul\x00byte\"\n" + // joins ticket 3 only once cleaned
		"12,2,\"run\n\n\n\n\n\nof newlines\"\n" +
		"x13,1,garbage id\n" +
		"nan,1,no id\n" +
		"-,2,no id either\n" +
		"14,99,orphan\n",
	"hours.csv": "user,day,from,hours,crm\n" +
		"ann,1/07/2025,8:30,7.50,0\n" +
		"ann,2/07/2025,9:00,8,1\n" +
		"bob,1/07/2025,8:30,1,99\n" +
		"bob,2/07/2025,8:30 AM,2,0\n" +
		"bob,3/07/2025,8:30,0.5,99\n",
	"roster.csv": "username\nann\nbob\n",
}

// buildStores imports miniFiles and cleans them; it returns the two store paths.
func buildStores(t *testing.T, s *contract.Spec) (stagePath, cleanPath string) {
	t.Helper()
	return buildStoresFrom(t, s, miniFiles)
}

// buildStoresFrom imports files (name -> CSV body) and cleans them.
func buildStoresFrom(t *testing.T, s *contract.Spec, files map[string]string) (stagePath, cleanPath string) {
	t.Helper()
	dir, work := t.TempDir(), t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	stagePath, cleanPath = filepath.Join(work, "stage.db"), filepath.Join(work, "clean.db")
	if _, err := stage.Import(ctx, stage.Options{Spec: s, Dir: dir, Out: stagePath}); err != nil {
		t.Fatal(err)
	}
	if _, err := clean.Run(ctx, clean.Options{Spec: s, Stage: stagePath, Out: cleanPath}); err != nil {
		t.Fatal(err)
	}
	return stagePath, cleanPath
}

func scoreStore(t *testing.T, s *contract.Spec, path string, open func(*testing.T, string) quality.Source) *quality.Report {
	t.Helper()
	r, err := quality.Score(context.Background(), s, open(t, path), quality.Now)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func openStage(t *testing.T, path string) quality.Source { return stage.QualitySource(openDB(t, path)) }
func openClean(t *testing.T, path string) quality.Source { return clean.QualitySource(openDB(t, path)) }

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStageScoresLowerThanClean(t *testing.T) {
	s := quality.Mini(t)
	stagePath, cleanPath := buildStores(t, s)
	raw := scoreStore(t, s, stagePath, openStage)
	cln := scoreStore(t, s, cleanPath, openClean)
	if raw.Source != "stage" || cln.Source != "clean" {
		t.Errorf("sources %s, %s", raw.Source, cln.Source)
	}
	if !(raw.Composite < cln.Composite) {
		t.Errorf("stage scores %.2f, clean %.2f: want stage lower", raw.Composite, cln.Composite)
	}
	type verdict struct {
		Score  float64
		Pass   bool
		Counts map[string]int64
	}
	tests := []struct {
		id         string
		stage, cln verdict
	}{
		// "3.0" is a valid id, but the raw key text does not join comment 11's "3"; 99 never joins
		{"orphans(comments.ticket -> tickets.id)",
			verdict{(1 - 2.0/7) / 0.95, false, map[string]int64{"values": 7, "orphans": 2}},
			verdict{(1 - 1.0/4) / 0.95, false, map[string]int64{"values": 4, "orphans": 1}}},
		// the sentinels "nan" and "-" are no key; ticket 2 is there twice until cleaned
		{"key_unique(tickets.id)",
			verdict{0.8, false, map[string]int64{"judged": 5, "bad": 1, "groups": 1}},
			verdict{1, true, map[string]int64{"judged": 4, "bad": 0, "groups": 0}}},
		{"key_unique(comments.id)",
			verdict{1, true, map[string]int64{"judged": 5, "bad": 0, "groups": 0}},
			verdict{1, true, map[string]int64{"judged": 4, "bad": 0, "groups": 0}}},
		{"ids(comments)",
			verdict{1 - 1.0/12, false, map[string]int64{"judged": 12, "bad": 1}},
			verdict{1, true, map[string]int64{"judged": 8, "bad": 0}}},
		{"one_type(tickets)",
			verdict{0.8, false, map[string]int64{"judged": 5, "bad": 1}},
			verdict{1, true, map[string]int64{"judged": 4, "bad": 0}}},
		{"populated(comments.id)",
			verdict{5.0 / 7, false, map[string]int64{"rows": 7, "populated": 5}},
			verdict{1, true, map[string]int64{"rows": 4, "populated": 4}}},
		{"nul_bytes(comments)",
			verdict{1 - 1.0/7, false, map[string]int64{"judged": 7, "bad": 1}},
			verdict{1, true, map[string]int64{"judged": 4, "bad": 0}}},
		{"newline_runs(comments)",
			verdict{1 - 1.0/7, false, map[string]int64{"judged": 7, "bad": 1}},
			verdict{1, true, map[string]int64{"judged": 4, "bad": 0}}},
		// 2 of 5 is above the 30% band: (1 - 0.4) / (1 - 0.3); "0" and "0" alike raw and clean
		{"share(admin)",
			verdict{0.6 / 0.7, false, map[string]int64{"values": 5, "matches": 2}},
			verdict{0.6 / 0.7, false, map[string]int64{"values": 5, "matches": 2}}},
		{"column_count(comments)",
			verdict{1, true, map[string]int64{"columns": 3, "min": 3, "max": 4}},
			verdict{1, true, map[string]int64{"columns": 4, "min": 3, "max": 4}}},
	}
	approx := cmpopts.EquateApprox(0, 1e-9)
	for _, tt := range tests {
		for _, side := range []struct {
			r    *quality.Report
			want verdict
		}{{raw, tt.stage}, {cln, tt.cln}} {
			rr := quality.RuleFor(side.r, tt.id)
			if rr == nil {
				t.Errorf("%s: no rule %s", side.r.Source, tt.id)
				continue
			}
			if d := cmp.Diff(side.want, verdict{rr.Score, rr.Pass, rr.Counts}, approx); d != "" {
				t.Errorf("%s %s (-want +got):\n%s", side.r.Source, tt.id, d)
			}
		}
	}
	if ex := quality.RuleFor(raw, "orphans(comments.ticket -> tickets.id)").Examples; !cmp.Equal(ex, []string{"3", "99"}) {
		t.Errorf("stage orphan examples %q, want [3 99]", ex)
	}
	if ex := quality.RuleFor(raw, "key_unique(tickets.id)").Examples; !cmp.Equal(ex, []string{"2"}) {
		t.Errorf("stage duplicate keys %q, want [2]", ex)
	}
}

func TestMissingTableIsAnError(t *testing.T) {
	s := quality.Mini(t)
	_, cleanPath := buildStores(t, s)
	s.Tables = append(s.Tables, &contract.Table{Name: "absent", Columns: []*contract.Column{{Name: "a", Type: contract.Text}}})
	if _, err := quality.Score(context.Background(), s, openClean(t, cleanPath), quality.Now); err == nil {
		t.Error("a contract table missing from the store was scored")
	}
}

// The loaded schema scores exactly what the clean store it was loaded from scores.
func TestPostgresScoreEqualsClean(t *testing.T) {
	s := quality.Mini(t)
	_, cleanPath := buildStores(t, s)
	want := scoreStore(t, s, cleanPath, openClean)

	ctx := context.Background()
	dsn := pgtest.DSN(t)
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanPath, DSN: dsn, Want: cleanMeasures(t, s, cleanPath)}); err != nil {
		t.Fatal(err)
	}
	conn, err := postgres.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// A DateStyle other than ISO must not change the rendering of dates.
	if _, err := conn.Exec(ctx, "SET DateStyle = 'SQL, DMY'"); err != nil {
		t.Fatal(err)
	}
	got, err := quality.Score(ctx, s, postgres.QualitySource(conn, s.Schema), quality.Now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != "postgres" {
		t.Errorf("source %q, want postgres", got.Source)
	}
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(quality.Report{}, "Source")); d != "" {
		t.Errorf("PostgreSQL report differs from the clean store's (-clean +postgres):\n%s", d)
	}
	if _, err := quality.Score(ctx, s, postgres.QualitySource(conn, "no_such_schema"), quality.Now); err == nil {
		t.Error("a missing schema was scored")
	}

	// The loaded schema's unique index forbids duplicates, so copy a table without it to see
	// PostgreSQL's duplicate SQL at work, and compare with SQLite's on the same rows.
	if _, err := conn.Exec(ctx, `CREATE SCHEMA dup; CREATE TABLE dup.hours AS SELECT * FROM mini.hours;
		INSERT INTO dup.hours SELECT * FROM mini.hours WHERE "user" = 'ann'`); err != nil {
		t.Fatal(err)
	}
	km, err := postgres.QualitySource(conn, "dup").Keys(ctx, s, s.Table("hours"))
	if err != nil {
		t.Fatal(err)
	}
	wantKeys := &quality.KeyMetrics{Keyed: 7, Duplicates: 2, Groups: 2, Examples: []string{"ann | 2025-07-01", "ann | 2025-07-02"}}
	if d := cmp.Diff(wantKeys, km); d != "" {
		t.Errorf("PostgreSQL duplicate keys (-want +got):\n%s", d)
	}
}

// TestPostgresScoreKeepsFractions: the loaded schema is scored on the same canonical text as
// the clean store, fractions of a second included: a ticket closed half a second before it
// was created breaks the order rule in both (PostgreSQL's text must not drop the fraction).
func TestPostgresScoreKeepsFractions(t *testing.T) {
	s := quality.Mini(t)
	files := maps.Clone(miniFiles)
	files["tickets.csv"] += "5,2025-05-24 09:00:00.9,2025-05-24 09:00:00.5,2025-05,no,closed half a second early\n"
	_, cleanPath := buildStoresFrom(t, s, files)
	want := scoreStore(t, s, cleanPath, openClean)
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	if _, err := postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: cleanPath, DSN: dsn, Want: cleanMeasures(t, s, cleanPath)}); err != nil {
		t.Fatal(err)
	}
	conn, err := postgres.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	got, err := quality.Score(ctx, s, postgres.QualitySource(conn, s.Schema), quality.Now)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(quality.Report{}, "Source")); d != "" {
		t.Errorf("PostgreSQL report differs from the clean store's (-clean +postgres):\n%s", d)
	}
	order := quality.RuleFor(want, "date_order(tickets.created <= closed)")
	if order == nil || order.Counts["bad"] != 1 {
		t.Errorf("the clean store's order rule %+v: want ticket 5 as its one violation", order)
	}
}

// cleanMeasures is what a load reconciles its generation against.
func cleanMeasures(t testing.TB, s *contract.Spec, path string) *reconcile.Measures {
	t.Helper()
	m, err := clean.Measure(context.Background(), s, path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
