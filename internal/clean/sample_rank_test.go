package clean

import (
	"cmp"
	"database/sql"
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// oldRank is the rank as first written (hash/fnv over a built string), kept to prove rankFrom
// gives the same sums.
func oldRank(seed uint64, key []sql.NullString) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	var sb strings.Builder
	for _, v := range key {
		if !v.Valid {
			sb.WriteString("\x00N")
			continue
		}
		sb.WriteString("\x00V")
		sb.WriteString(strconv.Itoa(len(v.String)))
		sb.WriteByte(':')
		sb.WriteString(v.String)
	}
	h.Write([]byte(sb.String()))
	x := h.Sum64()
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	return x ^ x>>33
}

// TestRankAsBefore: the allocation-free rank is the FNV-64a rank it replaced, for NULLs, empty
// texts, texts that spell the separators, non-ASCII and long values, and any seed.
func TestRankAsBefore(t *testing.T) {
	vals := []sql.NullString{{}, {Valid: true}, {String: "x"}, {String: "0", Valid: true}, {String: "\x00N", Valid: true},
		{String: "\x00V3:abc", Valid: true}, {String: "é✓\U0001F600", Valid: true}, {String: strings.Repeat("long ", 400), Valid: true},
		{String: "2025-07-01 08:00:00", Valid: true}, {String: "-12.50", Valid: true}, {String: "\xff\xfe", Valid: true}}
	for _, seed := range []uint64{0, 1, 42, math.MaxUint64} {
		sm := &Sample{Seed: seed}
		for i := range vals {
			for j := range vals {
				for _, key := range [][]sql.NullString{nil, {vals[i]}, {vals[i], vals[j]}, {vals[j], vals[i], vals[i]}} {
					if got, want := sm.rank(key), oldRank(seed, key); got != want {
						t.Fatalf("seed %d key %v: rank %d, was %d", seed, key, got, want)
					}
				}
			}
		}
	}
}

// TestPickAsBefore: picking each stratum's lowest ranks from per-stratum groups takes the rows
// one sort of every row by (stratum, rank, rowid) took, ties of rank included.
func TestPickAsBefore(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		strata := 1 + r.IntN(20)
		type old struct {
			stratum int
			rank    uint64
			rowid   int64
		}
		var all []old
		groups := make([][]ranked, strata)
		for rowid := int64(1); rowid <= int64(r.IntN(500)); rowid++ {
			o := old{stratum: r.IntN(strata), rank: uint64(r.IntN(50)), rowid: rowid} // many equal ranks
			if trial%2 == 0 {
				o.rank = r.Uint64()
			}
			all = append(all, o)
			groups[o.stratum] = append(groups[o.stratum], ranked{rank: o.rank, rowid: o.rowid})
		}
		share := []float64{0.1, 0.25, 0.5, 1}[trial%4]
		slices.SortFunc(all, func(a, b old) int {
			return cmp.Or(cmp.Compare(a.stratum, b.stratum), cmp.Compare(a.rank, b.rank), cmp.Compare(a.rowid, b.rowid))
		})
		var want []int64
		for i := 0; i < len(all); {
			j := i
			for j < len(all) && all[j].stratum == all[i].stratum {
				j++
			}
			take := int(math.Ceil(share*float64(j-i) - 1e-9))
			for _, o := range all[i : i+take] {
				want = append(want, o.rowid)
			}
			i = j
		}
		got := (&Sample{Share: share}).pick(groups)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: picked %v, was %v", trial, got, want)
		}
	}
}
