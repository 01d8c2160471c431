package clean

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"hash/fnv"
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
// tickets). Memory: one (stratum, rank, rowid) entry per row of the table being sampled.
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
	stratum int
	rank    uint64
	rowid   int64
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
	var all []ranked
	var sk strings.Builder
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, err
		}
		sk.Reset()
		for _, v := range vals[len(key):] {
			writeValue(&sk, v)
		}
		id, ok := stratumOf[sk.String()]
		if !ok {
			id = len(stratumOf)
			stratumOf[sk.String()] = id
		}
		all = append(all, ranked{stratum: id, rank: sm.rank(vals[:len(key)]), rowid: *dest[0].(*int64)})
		if len(all)%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	slices.SortFunc(all, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.stratum, b.stratum), cmp.Compare(a.rank, b.rank), cmp.Compare(a.rowid, b.rowid))
	})
	var ids []int64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].stratum == all[i].stratum {
			j++
		}
		take := int(math.Ceil(sm.Share*float64(j-i) - 1e-9))
		for _, r := range all[i : i+take] {
			ids = append(ids, r.rowid)
		}
		i = j
	}
	return ids, len(stratumOf), nil
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
func (sm *Sample) rank(key []sql.NullString) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], sm.Seed)
	h.Write(b[:])
	var sb strings.Builder
	for _, v := range key {
		writeValue(&sb, v)
	}
	h.Write([]byte(sb.String()))
	x := h.Sum64() // FNV's last multiply leaves keys differing in one digit close: finish with murmur3's mix
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	return x ^ x>>33
}

// writeValue appends one value so that NULL, "" and any text stay distinct.
func writeValue(b *strings.Builder, v sql.NullString) {
	if !v.Valid {
		b.WriteString("\x00N")
		return
	}
	b.WriteString("\x00V")
	b.WriteString(strconv.Itoa(len(v.String)))
	b.WriteByte(':')
	b.WriteString(v.String)
}
