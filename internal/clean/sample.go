package clean

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
)

// Sample is the canary's sample of a clean store: per table, the rowids of the sampled rows.
//
// How it is drawn (the contract's `sample` of each table): every row gets a rank, the FNV-64a
// hash of the seed and its natural key, so the same seed draws the same rows from any clean
// store holding them, whatever their order, and no row's place in the export decides. Within
// every stratum (each combination of the strata values; NULL is a value of its own) the
// ceil(share x n) rows of lowest rank are taken: every stratum is represented, one of 10 rows by
// one row, and none is the first rows of the file. A table that follows another takes every row
// whose column holds the key of a sampled row of that table (the comments of the sampled
// tickets). Memory: one (rank, rowid) entry per row of the table being sampled.
type Sample struct {
	Seed   uint64             `json:"seed"`
	Share  float64            `json:"share"`
	Tables map[string][]int64 `json:"-"`      // sorted rowids
	Rows   map[string]int     `json:"rows"`   // sampled rows per table
	Strata map[string]int     `json:"strata"` // strata per table (follow tables: 0)
}

// Where is the clean-store row filter selecting table's sampled rows, in the form the loader's
// filter takes (" WHERE ..."); a table the sample does not know is not filtered.
func (sm *Sample) Where(table string) string {
	ids, ok := sm.Tables[table]
	if !ok {
		return ""
	}
	if len(ids) == 0 {
		return " WHERE 0"
	}
	var b strings.Builder
	b.Grow(len(ids) * 8)
	b.WriteString(" WHERE rowid IN (")
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(')')
	return b.String()
}

// DrawSample draws the canary's sample of every contract table from the clean store db.
func DrawSample(ctx context.Context, db *sql.DB, s *contract.Spec, seed uint64) (*Sample, error) {
	sm := &Sample{Seed: seed, Share: s.Canary.Share, Tables: map[string][]int64{}, Rows: map[string]int{}, Strata: map[string]int{}}
	for _, t := range s.Tables {
		var ids []int64
		var strata int
		var err error
		if t.Sample != nil && t.Sample.Follow != nil {
			ids, err = sm.follow(ctx, db, s, t)
		} else {
			ids, strata, err = sm.stratified(ctx, db, t)
		}
		if err != nil {
			return nil, fmt.Errorf("sample %s: %w", t.Name, err)
		}
		slices.Sort(ids)
		sm.Tables[t.Name], sm.Rows[t.Name], sm.Strata[t.Name] = ids, len(ids), strata
	}
	return sm, nil
}

type ranked struct {
	rank  uint64
	rowid int64
}

func (sm *Sample) stratified(ctx context.Context, db *sql.DB, t *contract.Table) ([]int64, int, error) {
	var strata []string
	if t.Sample != nil {
		for _, st := range t.Sample.Strata {
			e := store.Quote(st.Column)
			if st.By == "month" { // canonical dates, timestamps and months all start YYYY-MM
				e = "substr(" + e + ", 1, 7)"
			}
			strata = append(strata, e)
		}
	}
	key := t.Key
	if len(key) == 0 { // no natural key: the whole row identifies it
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
	var groups [][]ranked // by stratum
	n := 0
	var sk []byte // the row's strata values, as appendValue writes them
	seeded := sm.seeded()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, err
		}
		sk = sk[:0]
		for _, v := range vals[len(key):] {
			sk = appendValue(sk, v)
		}
		id, ok := stratumOf[string(sk)]
		if !ok {
			id = len(stratumOf)
			stratumOf[string(sk)] = id
			groups = append(groups, nil)
		}
		groups[id] = append(groups[id], ranked{rank: rankFrom(seeded, vals[:len(key)]), rowid: *dest[0].(*int64)})
		if n++; n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return sm.pick(groups), len(stratumOf), nil
}

// pick takes the ceil(share x n) rows of lowest rank (rowid breaking ties) of each stratum's
// rows, in stratum order (each stratum sorted in place).
func (sm *Sample) pick(groups [][]ranked) []int64 {
	var ids []int64
	for _, g := range groups {
		slices.SortFunc(g, func(a, b ranked) int { return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.rowid, b.rowid)) })
		take := int(math.Ceil(sm.Share*float64(len(g)) - 1e-9))
		for _, r := range g[:take] {
			ids = append(ids, r.rowid)
		}
	}
	return ids
}

// follow takes the rows of t whose follow column holds the key of a sampled row of the
// followed table (sampled before it: the contract declares that table first).
func (sm *Sample) follow(ctx context.Context, db *sql.DB, s *contract.Spec, t *contract.Table) ([]int64, error) {
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

// rank is the row's place in the seeded random order: FNV-64a of the seed and its key values.
func (sm *Sample) rank(key []sql.NullString) uint64 { return rankFrom(sm.seeded(), key) }

// FNV-64a's offset basis and prime.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

// seeded is FNV-64a's state after the seed (its 8 bytes, little-endian), where every rank starts.
func (sm *Sample) seeded() uint64 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], sm.Seed)
	return fnvAdd(fnvOffset, b[:])
}

// rankFrom is rank, FNV-64a continued from seeded over the key values as appendValue writes
// them (hash/fnv's New64a over the same bytes gives the same sum, with no allocation here).
func rankFrom(seeded uint64, key []sql.NullString) uint64 {
	x := seeded
	var num [20]byte
	for _, v := range key {
		if !v.Valid {
			x = fnvAdd(x, "\x00N")
			continue
		}
		x = fnvAdd(x, "\x00V")
		x = fnvAdd(x, strconv.AppendInt(num[:0], int64(len(v.String)), 10))
		x = fnvAdd(fnvAdd(x, ":"), v.String)
	}
	// FNV's last multiply leaves keys differing in one digit close: finish with murmur3's mix
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	return x ^ x>>33
}

// fnvAdd is FNV-64a's state h after the bytes of b.
func fnvAdd[T string | []byte](h uint64, b T) uint64 {
	for i := 0; i < len(b); i++ {
		h ^= uint64(b[i])
		h *= fnvPrime
	}
	return h
}

// appendValue appends one value so that NULL, "" and any text stay distinct.
func appendValue(b []byte, v sql.NullString) []byte {
	if !v.Valid {
		return append(b, "\x00N"...)
	}
	b = append(b, "\x00V"...)
	b = strconv.AppendInt(b, int64(len(v.String)), 10)
	b = append(b, ':')
	return append(b, v.String...)
}
