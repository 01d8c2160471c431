package xlsx

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// setSSTMemLimit lowers the spill threshold (and cache budget) for one test.
func setSSTMemLimit(t *testing.T, n int) {
	old := sstMemLimit
	sstMemLimit = n
	t.Cleanup(func() { sstMemLimit = old })
}

// randomStrings: mostly short, some empty, some longer than a chunk.
func randomStrings(rng *rand.Rand, n int) []string {
	out := make([]string, n)
	for i := range out {
		switch k := rng.IntN(100); {
		case k < 5:
			out[i] = ""
		case k < 7:
			out[i] = strings.Repeat(string(rune('a'+i%26)), sstChunkSize+rng.IntN(3*sstChunkSize))
		default:
			out[i] = fmt.Sprintf("s%d-%s", i, strings.Repeat("x", rng.IntN(300)))
		}
	}
	return out
}

// The table returns every string, in memory and spilled (with a cache far
// smaller than the table, read in random order so that chunks are evicted
// and read back many times).
func TestSSTBuilder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	strs := randomStrings(rng, 5000)
	strs = append(strs, "", "", "") // empty strings last: a chunk of their own
	for _, limit := range []int{1 << 30, 64 << 10, 1} {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			b := sstBuilder{limit: limit, chunkSize: sstChunkSize, lim: DefaultLimits}
			for _, s := range strs {
				if err := b.add([]byte(s), false); err != nil {
					t.Fatal(err)
				}
			}
			if err := b.finish(); err != nil {
				t.Fatal(err)
			}
			tab := &b.t
			defer tab.close()
			if spilled := tab.sp != nil; spilled != (limit < 1<<30) {
				t.Fatalf("spilled = %v with limit %d", spilled, limit)
			}
			if tab.len() != len(strs) {
				t.Fatalf("len %d, want %d", tab.len(), len(strs))
			}
			got := make([]string, len(strs)) // kept across evictions
			for range 3 {
				for _, i := range rng.Perm(len(strs)) {
					s, err := tab.get(i)
					if err != nil {
						t.Fatal(err)
					}
					if s != strs[i] {
						t.Fatalf("string %d: got %.20q (%d bytes), want %.20q (%d bytes)", i, s, len(s), strs[i], len(strs[i]))
					}
					got[i] = s
					if sp := tab.sp; sp != nil && sp.used > max(sp.budget, 4*sstChunkSize) {
						t.Fatalf("cache holds %d bytes, budget %d", sp.used, sp.budget)
					}
				}
			}
			if !slices.Equal(got, strs) {
				t.Fatal("a string returned earlier changed")
			}
			if sp := tab.sp; sp != nil {
				if ents, _ := os.ReadDir(os.Getenv("TMPDIR")); len(ents) != 0 {
					t.Fatalf("temporary file left visible: %v", ents)
				}
			}
		})
	}
}

// A workbook whose shared strings are spilled reads exactly like one whose
// strings are in memory, and leaves no temporary file.
func TestSpilledSharedStrings(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cats := []string{"Open", "Closed", " PendingAssignment", ""}
	var rows [][]Cell
	for i := range 8000 {
		rows = append(rows, []Cell{
			Num(strconv.Itoa(i)),
			Str(cats[rng.IntN(len(cats))]),
			Str(fmt.Sprintf("unique title %d %s", i, strings.Repeat("y", rng.IntN(80)))),
			Str(fmt.Sprintf("account %d", rng.IntN(3000))), // scattered re-use
			{},
			Str(fmt.Sprintf("customer %d", i/7)),
		})
	}
	path := writeRows(t, rows)
	want := readAll(t, path)

	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	setSSTMemLimit(t, 40<<10)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.sst.sp == nil {
		t.Fatal("shared strings not spilled")
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Fatalf("temporary file visible: %v", ents)
	}
	var got []readRow
	for {
		row, n, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, readRow{n, append([]string(nil), row...), append([]CellKind(nil), r.Kinds()...)})
	}
	r.Close()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].num != want[i].num || !slices.Equal(got[i].cells, want[i].cells) || !slices.Equal(got[i].kinds, want[i].kinds) {
			t.Fatalf("row %d: got %q, want %q", i, got[i].cells, want[i].cells)
		}
	}
	if r.sst.sp.f != nil {
		t.Fatal("temporary file not closed")
	}
}

// If the temporary file cannot be created the table stays in memory; if a
// spilled chunk cannot be read back, Read fails naming the file and row.
func TestSpillFailures(t *testing.T) {
	var rows [][]Cell
	for i := range 3000 {
		rows = append(rows, []Cell{Str("row " + strconv.Itoa(i) + strings.Repeat("z", 50))})
	}
	path := writeRows(t, rows)
	setSSTMemLimit(t, 20<<10)

	t.Run("no temp dir", func(t *testing.T) {
		t.Setenv("TMPDIR", "/nonexistent/sdetl-test")
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if r.sst.sp != nil {
			t.Fatal("spilled without a temporary directory")
		}
		if got := readAll(t, path); len(got) != len(rows) || got[2999].cells[0] != rows[2999][0].Text {
			t.Fatalf("got %d rows", len(got))
		}
	})

	t.Run("read back fails", func(t *testing.T) {
		t.Setenv("TMPDIR", t.TempDir())
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if r.sst.sp == nil {
			t.Fatal("not spilled")
		}
		r.sst.sp.f.Close() // the next chunk read fails
		for {
			_, _, err := r.Read()
			if err == nil {
				continue
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "row ") || !strings.Contains(err.Error(), "temporary file") {
				t.Fatalf("got %v", err)
			}
			t.Log(err)
			break
		}
	})
}

func TestSSTCountHint(t *testing.T) {
	for _, c := range []struct {
		attrs string
		size  uint64
		want  int
	}{
		{` count="10" uniqueCount="4"`, 1000, 4},
		{` uniqueCount="999999999"`, 1000, 200},
		{` count="10"`, 1000, 0},
		{` uniqueCount="x"`, 1000, 0},
	} {
		if got := sstCountHint([]byte(c.attrs), c.size); got != c.want {
			t.Errorf("%q: got %d, want %d", c.attrs, got, c.want)
		}
	}
}
