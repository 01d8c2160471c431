package quality_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/quality"
	"github.com/sdetl/sdetl/internal/store"
)

// TestKeysExamples: the key metrics count every keyed row once and name the five largest
// duplicated groups, ties by the smaller key text (bytewise), whatever order the groups come in.
func TestKeysExamples(t *testing.T) {
	s := quality.Mini(t)
	ctx := context.Background()
	b, err := store.Create(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	if _, err := b.DB.ExecContext(ctx, `CREATE TABLE tickets (id TEXT)`); err != nil {
		t.Fatal(err)
	}
	// Groups: z x2, m x4, b x3, a x3, d x2, c x2, Z x2 (upper case sorts first), singletons, nulls.
	for _, v := range []string{"z", "m", "b", "z", "a", "m", "d", "c", "b", "a", "m", "d", "a", "Z", "c", "m", "b", "1", "2", "", "nan", "Z"} {
		if _, err := b.DB.ExecContext(ctx, `INSERT INTO tickets VALUES (?)`, v); err != nil {
			t.Fatal(err)
		}
	}
	src := quality.NewSQLSource(quality.SQLStore{Name: "t", Q: store.Querier{DB: b.DB}, Table: func(t *contract.Table) string { return t.Name },
		Quote: store.Quote, RawNulls: true})
	got, err := src.Keys(ctx, s, s.Table("tickets"))
	if err != nil {
		t.Fatal(err)
	}
	want := &quality.KeyMetrics{Keyed: 20, Duplicates: 11, Groups: 7, Examples: []string{"m", "a", "b", "Z", "c"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("key metrics (-want +got):\n%s", d)
	}
}

// TestRawNullsTrim: in a raw store a sentinel or nothing padded with any of space, \t, \n,
// \v, \f, \r is null; other characters (a no-break space) are kept, and a padded value is a
// key of its own.
func TestRawNullsTrim(t *testing.T) {
	s := quality.Mini(t)
	ctx := context.Background()
	b, err := store.Create(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	if _, err := b.DB.ExecContext(ctx, `CREATE TABLE tickets (id TEXT)`); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{" \t\n\v\f\rNaN\r\f\v\n\t ", "\v-\f", "\r", " ", "\t\n", "x\v", "x", "x", "\u00a0nan"} {
		if _, err := b.DB.ExecContext(ctx, `INSERT INTO tickets VALUES (?)`, v); err != nil {
			t.Fatal(err)
		}
	}
	src := quality.NewSQLSource(quality.SQLStore{Name: "t", Q: store.Querier{DB: b.DB}, Table: func(t *contract.Table) string { return t.Name },
		Quote: store.Quote, RawNulls: true})
	got, err := src.Keys(ctx, s, s.Table("tickets"))
	if err != nil {
		t.Fatal(err)
	}
	want := &quality.KeyMetrics{Keyed: 4, Duplicates: 1, Groups: 1, Examples: []string{"x"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("key metrics (-want +got):\n%s", d)
	}
}
