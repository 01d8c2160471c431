package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
)

// A row is rendered from the model in two halves per cell: the canonical clean value (what the
// cleaner must produce) and the raw rendering (what the export holds). A clean cell's raw is the
// column's normal source format; a dirty cell replaces only the raw half and records a Defect
// whose expected value is read from the canonical half, so expectations are never hand-written.

// cellKind says how a raw value is written.
type cellKind uint8

const (
	kNone cellKind = iota // missing: no XLSX cell, empty CSV field
	kStr                  // text (XLSX string cell)
	kNum                  // number (XLSX number cell)
	kTime                 // timestamp (XLSX date-time cell; CSV ISO text)
)

// cell is one value of a row.
type cell struct {
	val  string    // canonical clean value
	null bool      // canonical NULL
	kind cellKind  // how raw is written
	raw  string    // as written: the CSV field; the XLSX string/number text; ISO text for kTime
	t    time.Time // kTime only
}

// Canonical layouts (docs/design.md, "Canonical clean values").
const (
	isoStamp = "2006-01-02 15:04:05.999999" // a fraction only when there is one
	isoDate  = "2006-01-02"
	isoClock = "15:04:05"
	isoMonth = "2006-01"
)

func nullCell() cell { return cell{null: true} }

// textCell is a text value already in canonical form; "" is a missing value.
func textCell(s string) cell {
	if s == "" {
		return nullCell()
	}
	return cell{val: s, kind: kStr, raw: s}
}

func intCell(n int64) cell {
	s := strconv.FormatInt(n, 10)
	return cell{val: s, kind: kNum, raw: s}
}

// optInt is an integer column whose zero means missing.
func optInt(n int64) cell {
	if n == 0 {
		return nullCell()
	}
	return intCell(n)
}

// stampCell is a timestamp written the way the tickets export writes them (ISO text in CSV, a
// date cell in XLSX). The zero time is a missing value.
func stampCell(t time.Time) cell {
	if t.IsZero() {
		return nullCell()
	}
	s := t.Format(isoStamp)
	return cell{val: s, kind: kTime, raw: s, t: t}
}

// dayFirstStampCell is a timestamp written as day-first text without seconds (comments); the
// model time must have zero seconds.
func dayFirstStampCell(t time.Time) cell {
	return cell{val: t.Format(isoStamp), kind: kStr, raw: dayFirst(t, true)}
}

// dayFirstDateCell is a date written as day-first text (timesheets).
func dayFirstDateCell(t time.Time) cell {
	return cell{val: t.Format(isoDate), kind: kStr, raw: dayFirst(t, false)}
}

// clockCell is a time of day (minutes since midnight) written as "8:30".
func clockCell(min int) cell {
	return cell{
		val:  fmt.Sprintf("%02d:%02d:00", min/60, min%60),
		kind: kStr,
		raw:  strconv.Itoa(min/60) + ":" + fmt.Sprintf("%02d", min%60),
	}
}

// flagCell renders a yes/no flag: -1 missing, 0 no, 1 yes.
func flagCell(v int8) cell {
	switch v {
	case 0:
		return textCell("no")
	case 1:
		return textCell("yes")
	}
	return nullCell()
}

func monthCell(t time.Time) cell {
	if t.IsZero() {
		return nullCell()
	}
	return textCell(t.Format(isoMonth))
}

// quarterHours renders q quarter hours in canonical decimal form ("0.25", "1.5", "8"); q == 0
// is a missing value.
func quarterHours(q int) cell {
	if q <= 0 {
		return nullCell()
	}
	s := strconv.Itoa(q / 4)
	s += [...]string{"", ".25", ".5", ".75"}[q%4]
	return cell{val: s, kind: kNum, raw: s}
}

// rowState is what the importer and cleaner do with a row.
type rowState uint8

const (
	loaded      rowState = iota // in scope and loaded (possibly after fixable defects)
	quarantined                 // in scope and quarantined
	outOfScope                  // dropped by the scope filter (Raw only)
)

// rowMode says which kind of row a renderer is asked for.
type rowMode uint8

const (
	rowLoaded rowMode = iota // an in-scope row (loaded unless its dirt quarantines it)
	rowLoser                 // the older row of a duplicate key: quarantined
	rowOut                   // out of scope (Raw)
)

// row is one data row of an export, reused between rows by the generators: a sink must copy
// what it keeps.
type row struct {
	tbl     *contract.Table
	cells   []cell
	state   rowState
	key     string   // the natural key as text ("" when it does not parse)
	defects []Defect // Row is filled in by the driver
	line    string   // CSV only: written verbatim instead of the cells (field_count)
}

func (r *row) reset(t *contract.Table) {
	r.tbl = t
	if cap(r.cells) < len(t.Columns) {
		r.cells = make([]cell, len(t.Columns))
	}
	r.cells = r.cells[:len(t.Columns)]
	for i := range r.cells {
		r.cells[i] = nullCell() // a column the renderer does not set is missing
	}
	r.state = loaded
	r.key = ""
	r.defects = r.defects[:0]
	r.line = ""
}

// dirty replaces the raw of column i by raw (a string cell) and records a fixable defect whose
// expectation is the model's canonical value.
func (r *row) dirty(i int, kind, raw string) {
	c := &r.cells[i]
	c.kind, c.raw = kStr, raw
	d := Defect{Table: r.tbl.Name, Key: r.key, Column: r.tbl.Columns[i].Name, Kind: kind, Raw: raw}
	if c.null {
		d.ExpectNull = true
	} else {
		v := c.val
		d.Expected = &v
	}
	r.defects = append(r.defects, d)
}

// quarantine marks the row quarantined by rule, naming column i (-1: none) and its raw text.
func (r *row) quarantine(i int, kind, rule, raw string) {
	r.state = quarantined
	d := Defect{Table: r.tbl.Name, Key: r.key, Kind: kind, Raw: raw, Quarantine: rule}
	if i >= 0 {
		d.Column = r.tbl.Columns[i].Name
	}
	r.defects = append(r.defects, d)
}

// values returns the canonical values of the row (nil = NULL).
func (r *row) values() []*string {
	out := make([]*string, len(r.cells))
	for i := range r.cells {
		if !r.cells[i].null {
			v := r.cells[i].val
			out[i] = &v
		}
	}
	return out
}

// colIndex resolves database column names of a table once; a name missing from the contract is
// a programming error caught by every test.
func colIndex(t *contract.Table, name string) int {
	i := t.ColumnIndex(name)
	if i < 0 {
		panic(fmt.Sprintf("synth: %s has no column %q", t.Name, name))
	}
	return i
}

// ---- randomness ----

// Independent PCG streams per concern: changing how one table (or one table's dirt) draws its
// numbers does not shift any other table.
const (
	streamRoster uint64 = iota + 1
	streamText
	streamTicketPlan
	streamTicketCells
	streamTicketDirt
	streamTicketRaw
	streamTicketMerge
	streamTicketOrder
	streamCommentPlan
	streamCommentDirt
	streamCommentRaw
	streamCommentMerge
	streamCommentOrder
	streamTimesheetPlan
	streamTimesheetDirt
	streamTimesheetRaw
	streamTimesheetMerge
	streamTimesheetOrder
)

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), mix(stream)))
}

// mix spreads small stream numbers over 64 bits (splitmix64 finaliser).
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// weighted picks strings with given relative weights.
type weighted struct {
	vals []string
	cum  []float64
}

// newWeighted takes value/weight pairs.
func newWeighted(pairs ...any) weighted {
	var w weighted
	total := 0.0
	for i := 0; i < len(pairs); i += 2 {
		total += toFloat(pairs[i+1])
		w.vals = append(w.vals, pairs[i].(string))
		w.cum = append(w.cum, total)
	}
	return w
}

func toFloat(x any) float64 {
	switch v := x.(type) {
	case float64:
		return v
	case int:
		return float64(v)
	}
	panic("synth: weight must be a number")
}

func (w weighted) pick(r *rand.Rand) string {
	x := r.Float64() * w.cum[len(w.cum)-1]
	i := sort.SearchFloat64s(w.cum, x)
	if i >= len(w.vals) {
		i = len(w.vals) - 1
	}
	return w.vals[i]
}

func oneOf[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between returns a time uniformly in [a, b], truncated to the second.
func between(r *rand.Rand, a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(r.Int64N(int64(b.Sub(a))/int64(time.Second)+1)) * time.Second)
}

// betweenMinutes returns a whole-minute time uniformly in [ceil(a), floor(b)].
func betweenMinutes(r *rand.Rand, a, b time.Time) time.Time {
	a = ceilMinute(a)
	b = b.Truncate(time.Minute)
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(r.Int64N(int64(b.Sub(a)/time.Minute)+1)) * time.Minute)
}

func ceilMinute(t time.Time) time.Time {
	if u := t.Truncate(time.Minute); !u.Equal(t) {
		return u.Add(time.Minute)
	}
	return t
}

// expDuration draws an exponential duration with the given mean.
func expDuration(r *rand.Rand, mean time.Duration) time.Duration {
	return time.Duration(r.ExpFloat64() * float64(mean))
}

// lognormalLen draws a length with the given mean (sigma in log space), clamped.
func lognormalLen(r *rand.Rand, mean, sigma float64, lo, hi int) int {
	mu := math.Log(mean) - sigma*sigma/2
	n := int(math.Exp(mu + sigma*r.NormFloat64()))
	return min(max(n, lo), hi)
}
