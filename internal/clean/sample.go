package clean

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

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
	return whereIDs(ids)
}

// whereIDs is the row filter selecting the rows of rowids ids.
func whereIDs(ids []int64) string {
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

// drawConns is how many tables are drawn at once, each on a read connection of its own: the
// draw reads every page of its tables (their key and strata columns sit behind long texts) and
// is alone in the run when it runs, so a second table's read takes the otherwise idle core.
const drawConns = 2

// drawn is one table's part of the sample.
type drawn struct {
	ids    []int64
	strata int
	err    error
	done   chan struct{} // closed once ids, strata and err are set
}

// DrawSample draws the canary's sample of every contract table from the clean store db, two
// tables at a time (a table that follows another waits for that one's rows). Each table's
// sample depends only on its rows and the seed (and a follow table's on its parent's sample),
// not on which connection drew it or when.
func DrawSample(ctx context.Context, db *sql.DB, s *contract.Spec, seed uint64) (*Sample, error) {
	sm := &Sample{Seed: seed, Share: s.Canary.Share, Tables: map[string][]int64{}, Rows: map[string]int{}, Strata: map[string]int{}}
	if n := db.Stats().MaxOpenConnections; n > 0 && n < drawConns { // store.OpenReadOnly's 1
		db.SetMaxOpenConns(drawConns)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res := make([]drawn, len(s.Tables))
	at := map[string]int{}
	for i, t := range s.Tables {
		res[i].done, at[t.Name] = make(chan struct{}), i
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range drawConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := &res[i]
				r.ids, r.strata, r.err = sm.drawTable(ctx, db, s, s.Tables[i], res, at)
				if r.err != nil {
					cancel()
				}
				close(r.done)
			}
		}()
	}
	for i := range s.Tables { // in contract order: a followed table is handed out before its followers
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if i, err := firstErr(res); err != nil {
		return nil, fmt.Errorf("sample %s: %w", s.Tables[i].Name, err)
	}
	for i, t := range s.Tables {
		sm.Tables[t.Name], sm.Rows[t.Name], sm.Strata[t.Name] = res[i].ids, len(res[i].ids), res[i].strata
	}
	return sm, nil
}

// firstErr is the first table's error in contract order that is not a cancellation another
// table's error caused (or, when all are, the first), and that table's index.
func firstErr(res []drawn) (int, error) {
	first := -1
	for i, r := range res {
		if r.err == nil {
			continue
		}
		if !errors.Is(r.err, context.Canceled) {
			return i, r.err
		}
		if first < 0 {
			first = i
		}
	}
	if first < 0 {
		return 0, nil
	}
	return first, res[first].err
}

// drawTable draws one table's sorted rowids (and its strata) on a connection of db taken for it
// (after the followed table is drawn, so a waiting table holds no connection).
func (sm *Sample) drawTable(ctx context.Context, db *sql.DB, s *contract.Spec, t *contract.Table, res []drawn, at map[string]int) (ids []int64, strata int, err error) {
	var where string
	follow := t.Sample != nil && t.Sample.Follow != nil
	if follow {
		p := &res[at[t.Sample.Follow.Table]] // declared before t (contract.Validate)
		select {
		case <-p.done:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
		if p.err != nil {
			return nil, 0, context.Canceled // the parent's error is the one reported
		}
		where = whereIDs(p.ids)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		rc, err := store.OpenRaw(dc)
		if err != nil {
			return err
		}
		defer rc.Close()
		if follow {
			ids, err = sm.follow(ctx, rc, s, t, where)
		} else {
			ids, strata, err = sm.stratified(ctx, rc, t)
		}
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	slices.Sort(ids)
	return ids, strata, nil
}

type ranked struct {
	rank  uint64
	rowid int64
}

// stratified draws a table's sample by strata. Its rows are read through SQLite's C API
// (store.RawRows), each value's text as database/sql gave it before: SQLite's text for TEXT,
// INTEGER and BLOB values, and for a REAL strconv's 'g' of its double (rawText), so the ranks
// and strata, and so the rows drawn, are those drawn through database/sql.
func (sm *Sample) stratified(ctx context.Context, rc *store.RawConn, t *contract.Table) ([]int64, int, error) {
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
	rows, err := rc.Query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+store.Quote(t.Name))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	stratumOf := map[string]int{}
	var groups [][]ranked // by stratum
	var sk, num []byte    // the row's strata values, as appendValue writes them; a REAL's text
	seeded := sm.seeded()
	nk := len(key)
	for rows.Next() {
		rowid, err := rows.Int64(0)
		if err != nil {
			return nil, 0, err
		}
		sk = sk[:0]
		for i := 1 + nk; i < rows.Columns(); i++ {
			var v []byte
			v, num = rawText(rows, i, num)
			sk = appendRaw(sk, rows.Null(i), v)
		}
		id, ok := stratumOf[string(sk)]
		if !ok {
			id = len(stratumOf)
			stratumOf[string(sk)] = id
			groups = append(groups, nil)
		}
		x := seeded
		for i := 1; i <= nk; i++ {
			var v []byte
			v, num = rawText(rows, i, num)
			x = rankAdd(x, rows.Null(i), v)
		}
		groups[id] = append(groups[id], ranked{rank: rankMix(x), rowid: rowid})
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return sm.pick(groups), len(stratumOf), rows.Close()
}

// rawText is value i of rows' current row as text the way database/sql scans it into a
// string: a REAL as strconv's 'g' of its double (written into num, returned for reuse),
// anything else as it was read.
func rawText(rows *store.RawRows, i int, num []byte) (v, buf []byte) {
	if f, ok := rows.Real(i); ok {
		num = strconv.AppendFloat(num[:0], f, 'g', -1, 64)
		return num, num
	}
	return rows.Bytes(i), num
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
// followed table, whose sample parentWhere selects (drawn before it: the contract declares that
// table first).
func (sm *Sample) follow(ctx context.Context, rc *store.RawConn, s *contract.Spec, t *contract.Table, parentWhere string) ([]int64, error) {
	f := t.Sample.Follow
	parent := s.Table(f.Table)
	q := fmt.Sprintf("SELECT c.rowid FROM %s c WHERE c.%s IN (SELECT p.%s FROM %s p%s)",
		store.Quote(t.Name), store.Quote(f.Column), store.Quote(parent.Key[0]), store.Quote(parent.Name), parentWhere)
	rows, err := rc.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		id, err := rows.Int64(0)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return ids, rows.Close()
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
	for _, v := range key {
		x = rankAdd(x, !v.Valid, v.String)
	}
	return rankMix(x)
}

// rankAdd is the rank's FNV-64a state x after one key value (null, or the text v), as
// appendRaw writes it.
func rankAdd[T string | []byte](x uint64, null bool, v T) uint64 {
	if null {
		return fnvAdd(x, "\x00N")
	}
	var num [20]byte
	x = fnvAdd(x, "\x00V")
	x = fnvAdd(x, strconv.AppendInt(num[:0], int64(len(v)), 10))
	return fnvAdd(fnvAdd(x, ":"), v)
}

// rankMix finishes a rank: FNV's last multiply leaves keys differing in one digit close, so
// murmur3's mix follows it.
func rankMix(x uint64) uint64 {
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
func appendValue(b []byte, v sql.NullString) []byte { return appendRaw(b, !v.Valid, v.String) }

// appendRaw is appendValue of a value given as null or its text v.
func appendRaw[T string | []byte](b []byte, null bool, v T) []byte {
	if null {
		return append(b, "\x00N"...)
	}
	b = append(b, "\x00V"...)
	b = strconv.AppendInt(b, int64(len(v)), 10)
	b = append(b, ':')
	return append(b, v...)
}
