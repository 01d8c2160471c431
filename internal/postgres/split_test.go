package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/health"
	"github.com/sdetl/sdetl/internal/outcome"
	"github.com/sdetl/sdetl/internal/pgtest"
	"github.com/sdetl/sdetl/internal/postgres"
	"github.com/sdetl/sdetl/internal/reconcile"
	"github.com/sdetl/sdetl/internal/store"
)

// TestSplitLoadIsTheUnsplitOne: the same clean store loaded whole and in parts (four per
// table; one, with the free worker taking over the rest of the running part, a rowid claimed
// at a time, while health checks on every row slow the copy enough for it to; four on one
// connection) gives the same measures exactly, taken by the COPY (no Want; the fingerprint is a
// hash of all of them: counts, nulls, min and max with their ties, sums, row hashes), equal to
// the clean store's own and to the generation's (the load fails on any difference), and byte
// for byte the same rows.
func TestSplitLoadIsTheUnsplitOne(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	s, cleanPath := genClean(t, 2900) // 3000 rows: hours, status, due and at repeat across parts
	want := measured(t, s, cleanPath)
	type split struct {
		parts    int
		steal    bool
		parallel int
		health   bool
	}
	load := func(c split) *postgres.LoadResult {
		t.Helper()
		defer postgres.SetSplit(c.parts, c.steal)()
		res, err := genLoad(t, dsn, s, cleanPath, func(o *postgres.LoadOptions) {
			o.Force, o.Parallel = true, c.parallel
			if c.health {
				o.Health = health.Limits{Dir: t.TempDir(), MinFreeMem: 1, Every: 1}
			}
		})
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if res.Fingerprint != reconcile.Fingerprint(want) {
			t.Fatalf("%+v: the COPY's measures differ from the clean store's", c)
		}
		return res
	}
	whole := load(split{1, false, 2, false})
	if p := whole.Tables[0].Parts; p != 0 {
		t.Fatalf("the unsplit load copied tickets in %d parts", p)
	}
	hash := liveHash(t, conn, "gen")
	for _, c := range []split{{4, false, 2, false}, {1, true, 2, true}, {4, true, 1, false}} {
		res := load(c)
		if tl := res.Tables[0]; tl.Table != "tickets" || tl.Parts < max(c.parts, 2) || tl.Rows != 3000 {
			t.Fatalf("%+v: tickets %+v, want 3000 rows in %d parts or more", c, tl, max(c.parts, 2))
		}
		if res.Fingerprint != whole.Fingerprint {
			t.Fatalf("%+v: the measures of the split load differ from the unsplit one's", c)
		}
		if h := liveHash(t, conn, "gen"); h != hash {
			t.Fatalf("%+v: live rows %s, unsplit %s", c, h, hash)
		}
	}
}

// TestSplitPartFails: a part that PostgreSQL refuses (a NUL in a text value of the last rows)
// fails the load naming the table, a health check failing in a part stops it as its own error,
// and so does a cancellation after the first part; the generation is dropped each time and
// live is as it was.
func TestSplitPartFails(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	s, first := genClean(t, 1)
	if _, err := genLoad(t, dsn, s, first, nil); err != nil {
		t.Fatal(err)
	}
	before := liveHash(t, conn, "gen")
	_, second := genClean(t, 2900)
	defer postgres.SetSplit(4, true)()
	check := func(err error, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Fatalf("err = %v, want it to say %q", err, w)
			}
		}
		liveUntouched(t, conn, before)
	}
	_, err := genLoad(t, dsn, s, second, func(o *postgres.LoadOptions) {
		o.Health = health.Limits{Dir: t.TempDir(), MaxRSS: 1 << 20, Every: 10}
	})
	if !errors.Is(err, outcome.ErrHealth) {
		t.Fatalf("err = %v, want a health failure", err)
	}
	check(err, "health check failed in load")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = postgres.Load(ctx, postgres.LoadOptions{Spec: s, Clean: second, DSN: dsn, Force: true,
		Progress: func(string, int) { cancel() }}) // at the end of the first part
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the cancellation", err)
	}
	check(err, "canceled")

	b, _, err := store.Update(context.Background(), second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.DB.Exec(`UPDATE tickets SET status = 'a' || char(0) || 'b' WHERE rowid = (SELECT max(rowid) FROM tickets)`); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	_, err = genLoad(t, dsn, s, second, nil)
	check(err, "load tickets into gen__g", "0x00")
}
