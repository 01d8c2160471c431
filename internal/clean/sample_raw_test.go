package clean

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
)

// oldDraw is DrawSample as it was before it read through store.RawRows, two tables at a time:
// one table after another, each value scanned by database/sql into a sql.NullString (a REAL
// rendered by strconv's 'g', an INTEGER by its decimal digits, TEXT and BLOB bytes as they
// are). Kept to prove the new draw takes the same rows.
func oldDraw(ctx context.Context, db *sql.DB, s *contract.Spec, seed uint64) (*Sample, error) {
	sm := &Sample{Seed: seed, Share: s.Canary.Share, Tables: map[string][]int64{}, Rows: map[string]int{}, Strata: map[string]int{}}
	for _, t := range s.Tables {
		var ids []int64
		var strata int
		var err error
		if t.Sample != nil && t.Sample.Follow != nil {
			ids, err = oldFollow(ctx, db, s, t, sm)
		} else {
			ids, strata, err = oldStratified(ctx, db, t, sm)
		}
		if err != nil {
			return nil, fmt.Errorf("sample %s: %w", t.Name, err)
		}
		slices.Sort(ids)
		sm.Tables[t.Name], sm.Rows[t.Name], sm.Strata[t.Name] = ids, len(ids), strata
	}
	return sm, nil
}

func oldStratified(ctx context.Context, db *sql.DB, t *contract.Table, sm *Sample) ([]int64, int, error) {
	var strata []string
	if t.Sample != nil {
		for _, st := range t.Sample.Strata {
			e := store.Quote(st.Column)
			if st.By == "month" {
				e = "substr(" + e + ", 1, 7)"
			}
			strata = append(strata, e)
		}
	}
	key := t.Key
	if len(key) == 0 {
		for _, c := range t.Columns {
			key = append(key, c.Name)
		}
	}
	sel := []string{"rowid"}
	for _, k := range key {
		sel = append(sel, store.Quote(k))
	}
	sel = append(sel, strata...)
	rows, err := db.QueryContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+store.Quote(t.Name))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	vals := make([]sql.NullString, len(key)+len(strata))
	dest := []any{new(int64)}
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	stratumOf := map[string]int{}
	var groups [][]ranked
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, err
		}
		var sk []byte
		for _, v := range vals[len(key):] {
			sk = appendValue(sk, v)
		}
		id, ok := stratumOf[string(sk)]
		if !ok {
			id = len(stratumOf)
			stratumOf[string(sk)] = id
			groups = append(groups, nil)
		}
		groups[id] = append(groups[id], ranked{rank: oldRank(sm.Seed, vals[:len(key)]), rowid: *dest[0].(*int64)})
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return sm.pick(groups), len(stratumOf), nil
}

func oldFollow(ctx context.Context, db *sql.DB, s *contract.Spec, t *contract.Table, sm *Sample) ([]int64, error) {
	f := t.Sample.Follow
	parent := s.Table(f.Table)
	q := fmt.Sprintf("SELECT c.rowid FROM %s c WHERE c.%s IN (SELECT p.%s FROM %s p%s)",
		store.Quote(t.Name), store.Quote(f.Column), store.Quote(parent.Key[0]), store.Quote(parent.Name), sm.Where(parent.Name))
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// adversarial are values of every storage class that database/sql and SQLite render apart or
// that only just differ: REALs whose texts by strconv's 'g' and by SQLite may differ (0.1+0.2,
// 1e21, 1e-7, 2^53+2 as a double, 123456789.123456789), integral REALs (SQLite writes "1.0",
// strconv "1"), integers, NULL, the empty text, texts that spell a NULL or a separator,
// non-UTF-8 bytes, NULs and BLOBs.
var adversarial = []any{nil, "", "x", "\x00N", "\x00V1:x", "a\x00b", "\xff\xfe\xfd", "é✓", "2025-07-01", "2025-07", "2025-13-99 bad",
	int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64), 0.1 + 0.2, 1.0, -0.0, 1e21, 1e-7, 123456789.123456789,
	float64(1<<53 + 2), math.MaxFloat64, math.SmallestNonzeroFloat64, 2.5, []byte{}, []byte("blob"), []byte{0, 0xff}, "1.0", "1"}

// TestDrawSampleAsBefore: the draw through store.RawRows, two tables at a time, takes exactly
// the rows, strata and counts the draw through database/sql took, over columns without
// affinity holding every storage class (REALs rendered apart by SQLite and strconv, NULLs,
// non-UTF-8, NULs, BLOBs), keys repeated so that ranks tie (rowid decides), strata by value
// and by month of such values, a table without a key, a table following another (and one
// following that), for several seeds and shares.
func TestDrawSampleAsBefore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "adv.db")
	w, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// No declared type: each value keeps the storage class it was bound with. p's k is
	// INTEGER-affine, as the clean's integer columns are, and holds REALs and texts as well.
	for _, ddl := range []string{
		`CREATE TABLE "a t" (k1, k2, st, m, extra)`,
		`CREATE TABLE p (k INTEGER, st TEXT, r)`,
		`CREATE TABLE c (pk, v)`,
		`CREATE TABLE g (ck, v)`,
	} {
		if _, err := w.Exec(ddl); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(7, 8))
	pickV := func() any { return adversarial[r.IntN(len(adversarial))] }
	tx, _ := w.Begin()
	for range 3000 {
		// few distinct keys: many rows share a key and so a rank
		if _, err := tx.Exec(`INSERT INTO "a t" VALUES (?, ?, ?, ?, ?)`, adversarial[r.IntN(6)], pickV(), pickV(), pickV(), pickV()); err != nil {
			t.Fatal(err)
		}
	}
	for range 1500 {
		if _, err := tx.Exec(`INSERT INTO p VALUES (?, ?, ?)`, pickV(), pickV(), pickV()); err != nil {
			t.Fatal(err)
		}
	}
	for range 2500 {
		if _, err := tx.Exec(`INSERT INTO c VALUES (?, ?)`, pickV(), pickV()); err != nil {
			t.Fatal(err)
		}
	}
	for range 2500 {
		if _, err := tx.Exec(`INSERT INTO g VALUES (?, ?)`, pickV(), pickV()); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	cols := func(names ...string) []*contract.Column {
		var cs []*contract.Column
		for _, n := range names {
			cs = append(cs, &contract.Column{Name: n, Type: contract.Text})
		}
		return cs
	}
	s := &contract.Spec{Tables: []*contract.Table{
		{Name: "a t", Key: []string{"k1", "k2"}, Columns: cols("k1", "k2", "st", "m", "extra"),
			Sample: &contract.Sample{Strata: []contract.Stratum{{Column: "m", By: "month"}, {Column: "st"}}}},
		{Name: "p", Columns: cols("k", "st", "r"), Key: []string{"k"}, Sample: &contract.Sample{Strata: []contract.Stratum{{Column: "r"}}}},
		{Name: "c", Columns: cols("pk", "v"), Key: []string{"pk"}, Sample: &contract.Sample{Follow: &contract.Follow{Column: "pk", Table: "p"}}},
		{Name: "g", Columns: cols("ck", "v"), Sample: &contract.Sample{Follow: &contract.Follow{Column: "ck", Table: "c"}}},
	}}
	s.Tables = append(s.Tables, &contract.Table{Name: "nokey", Columns: cols("k1", "k2", "st", "m", "extra")}) // the whole row is the key
	if _, err := w.Exec(`CREATE TABLE nokey AS SELECT * FROM "a t"`); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, share := range []float64{0.1, 0.33, 1} {
		s.Canary.Share = share
		for _, seed := range []uint64{0, 1, 42, math.MaxUint64} {
			want, err := oldDraw(ctx, db, s, seed)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DrawSample(ctx, db, s, seed)
			if err != nil {
				t.Fatal(err)
			}
			for _, tb := range s.Tables {
				if !slices.Equal(got.Tables[tb.Name], want.Tables[tb.Name]) {
					t.Errorf("share %g seed %d: %s: drew %d rows, %v..., the old draw %d, %v...", share, seed, tb.Name,
						len(got.Tables[tb.Name]), head(got.Tables[tb.Name]), len(want.Tables[tb.Name]), head(want.Tables[tb.Name]))
				}
			}
			if !reflect.DeepEqual(got.Rows, want.Rows) || !reflect.DeepEqual(got.Strata, want.Strata) {
				t.Errorf("share %g seed %d: rows %v strata %v, the old draw rows %v strata %v", share, seed, got.Rows, got.Strata, want.Rows, want.Strata)
			}
			if share == 0.1 && seed == 1 && (want.Strata["a t"] < 50 || want.Strata["p"] < 10 || want.Rows["c"] == 0 || want.Rows["g"] == 0) {
				t.Fatalf("the fixture does not exercise the draw: %v strata, %v rows", want.Strata, want.Rows)
			}
		}
	}
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 5)] }

// TestDrawSampleError: a table's error is reported as that table's, whatever else was drawn
// beside it, and a follow table of a failed one does not hide it.
func TestDrawSampleError(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "e.db")
	w, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(`CREATE TABLE ok (k); INSERT INTO ok VALUES (1), (2)`); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := &contract.Spec{Canary: contract.Canary{Share: 0.1}, Tables: []*contract.Table{
		{Name: "ok", Key: []string{"k"}, Columns: []*contract.Column{{Name: "k"}}},
		{Name: "missing", Key: []string{"k"}, Columns: []*contract.Column{{Name: "k"}}},
		{Name: "child", Key: []string{"k"}, Columns: []*contract.Column{{Name: "k"}}, Sample: &contract.Sample{Follow: &contract.Follow{Column: "k", Table: "missing"}}},
	}}
	_, err = DrawSample(ctx, db, s, 1)
	if err == nil || !strings.Contains(err.Error(), "sample missing:") || !strings.Contains(err.Error(), "no such table") {
		t.Fatalf("err = %v, want the missing table's", err)
	}
}
