package clean

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
	"github.com/sdetl/sdetl/internal/values"
)

// Cleaning runs on three goroutines, or four: the reader scans the staging store, the
// normaliser (normalise.go) normalises each row, the measurer (feed.go) scores and measures the
// clean rows when asked to, the writer inserts them into the clean store. They hand rows over in
// batches of bounded size through channels of bounded capacity, so memory does not grow with the
// input, and each table's rows reach the clean store in their staged order.
const (
	batchRows  = 256     // rows per batch
	batchBytes = 1 << 20 // or fewer, once their raw text reaches this many bytes
	inFlight   = 4       // batches between two goroutines
	checkEvery = 4096    // rows between cancellation checks and progress reports
)

// cleanRow is one staged row after normalisation: the values of its clean row, or those of
// its quarantine row with the rule it broke.
type cleanRow struct {
	vals  []any   // the clean row as inserted: _file_id, _row, _line, columns, derived columns
	quar  []any   // the quarantine row, when the row cannot be cleaned
	rule  string  // the quarantine's rule
	cells [][]any // cell_change rows (Options.CellChanges only)
}

// batch is a run of one table's rows; the table's last batch has end set.
type batch struct {
	rows []cleanRow
	end  bool
	err  error // the reader, the normaliser or the measurer failed: the writer stops with this error
}

// stagedRow is one staged row as read: its lineage, its contracted columns' text (never NULL)
// and _extra.
type stagedRow struct {
	fileID, row, line int64
	raw               []string // a window of rawBatch.text
	extra             sql.NullString
}

// rawBatch is a run of one table's staged rows, from the reader to the normaliser; the
// table's last batch has end set.
type rawBatch struct {
	rows []stagedRow
	text []string // the rows' column values, row after row
	end  bool
	err  error
}

// sender sends a batch on out, or reports false once ctx is done.
func sender[B any](ctx context.Context, out chan<- B) func(B) bool {
	return func(b B) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
}

// readAll reads every table in contract order, sending its staged rows to out. It stops when
// ctx is done.
func (c *cleaner) readAll(ctx context.Context, out chan<- *rawBatch) {
	send := sender(ctx, out)
	for _, t := range c.o.Spec.Tables {
		if err := c.read(ctx, t, send); err != nil {
			send(&rawBatch{err: fmt.Errorf("clean %s: %w", t.Name, err)})
			return
		}
	}
}

// read scans one staged table in rowid order and sends its rows. The rows are read through
// SQLite's C API on a connection of the staging store (store.RawRows): one copy of each row's
// values, kept in one string per row, since the clean and quarantine rows, and whatever the
// measurer keeps, may share their memory.
func (c *cleaner) read(ctx context.Context, t *contract.Table, send func(*rawBatch) bool) error {
	conn, err := c.src.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		rc, err := store.OpenRaw(dc)
		if err != nil {
			return err
		}
		defer rc.Close()
		rows, err := rc.Query(ctx, fmt.Sprintf("SELECT %s FROM %s ORDER BY rowid", stagedColumns(t), store.Quote("stg_"+t.Name)))
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := c.readRows(ctx, t, rows, send); err != nil {
			return err
		}
		return rows.Close()
	})
}

// readRows sends the rows of rows, a staged table's columns as stagedColumns selects them, in
// batches.
func (c *cleaner) readRows(ctx context.Context, t *contract.Table, rows *store.RawRows, send func(*rawBatch) bool) error {
	const lead = 3 // _file_id, _row, _line
	ncol := len(t.Columns)
	if k := rows.Columns(); k != lead+ncol+1 {
		return fmt.Errorf("staged read returns %d columns, want %d", k, lead+ncol+1)
	}
	var (
		all     = make([]string, lead+ncol+1) // the row's values: lead, columns, _extra
		null    = make([]bool, len(all))
		n, size int
		b       = c.newRawBatch(ncol)
		err     error
	)
	for rows.Next() {
		var r stagedRow
		if r.fileID, err = rows.Int64(0); err == nil {
			if r.row, err = rows.Int64(1); err == nil {
				r.line, err = rows.Int64(2)
			}
		}
		if err != nil {
			return err
		}
		rows.Keep(all, null)
		for i := range ncol {
			if null[lead+i] { // staged columns are TEXT NOT NULL
				return fmt.Errorf("row %d: column %s is NULL", r.row, t.Columns[i].Name)
			}
		}
		r.extra = sql.NullString{String: all[lead+ncol], Valid: !null[lead+ncol]}
		if err := c.healthy(); err != nil {
			return err
		}
		if n++; n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if c.o.Progress != nil {
				c.o.Progress(t.Name, n)
			}
		}
		k := len(b.text)
		b.text = append(b.text, all[lead:lead+ncol]...)
		r.raw = b.text[k : k+ncol : k+ncol]
		b.rows = append(b.rows, r)
		for _, v := range r.raw {
			size += len(v)
		}
		if len(b.rows) == batchRows || size >= batchBytes {
			if !send(b) {
				return ctx.Err()
			}
			b, size = c.newRawBatch(ncol), 0
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if c.o.Progress != nil {
		c.o.Progress(t.Name, n)
	}
	b.end = true
	if !send(b) {
		return ctx.Err()
	}
	return nil
}

// newRawBatch is a batch the normaliser is done with, or a new one, for rows of ncol columns.
// The text slice holds a whole batch's rows, so that appending never moves the rows' windows.
func (c *cleaner) newRawBatch(ncol int) *rawBatch {
	select {
	case b := <-c.rawFree:
		if cap(b.text) >= batchRows*ncol {
			clear(b.text) // hold no text of rows already cleaned
			b.rows, b.text, b.end = b.rows[:0], b.text[:0], false
			return b
		}
	default:
	}
	return &rawBatch{rows: make([]stagedRow, 0, batchRows), text: make([]string, 0, batchRows*ncol)}
}

// stagedColumns is SQL for a staged row's columns as readRows takes them: its lineage
// (_file_id, _row, _line), its contracted columns, and _extra.
func stagedColumns(t *contract.Table) string {
	cols := []string{"_file_id", "_row", "_line"}
	for _, col := range t.Columns {
		cols = append(cols, store.Quote(col.Name))
	}
	return strings.Join(append(cols, "_extra"), ", ")
}

// newBatch is a batch the writer is done with, or a new one. Reusing batches, and the value
// slices of their rows, keeps the garbage collector out of the two goroutines' way.
func (c *cleaner) newBatch() *batch {
	select {
	case b := <-c.free:
		b.rows, b.end = b.rows[:0], false
		return b
	default:
		return &batch{rows: make([]cleanRow, 0, batchRows)}
	}
}

// scoreText is a clean value as the score reads it back from the store: NULL as "", text as
// written. (Integers are written as their canonical text and read back as the same text.)
func scoreText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// normalizeRow normalises every cell of raw into clean. failed is the first column that cannot
// be cleaned (-1 when none), with the rule it breaks and why; err is anything but a bad value.
func (c *cleaner) normalizeRow(t *contract.Table, raw []string, clean []values.Result) (failed int, rule, reason string, err error) {
	for i, col := range t.Columns {
		r, err := c.norm.NormalizeColumn(col, raw[i])
		if err != nil {
			var ve *values.ValueError
			if !errors.As(err, &ve) {
				return -1, "", "", err
			}
			return i, ve.Rule(), ve.Error(), nil
		}
		if r.Null && col.Required {
			return i, contract.RuleMissingRequired, "required value is empty", nil
		}
		if b := col.RejectOutside; b != nil && !r.Null {
			if v, err := strconv.ParseFloat(r.Value, 64); err != nil || !b.Contains(v) {
				return i, contract.RuleOutOfDomain, fmt.Sprintf("%s is outside %s", r.Value, b), nil
			}
		}
		clean[i] = r
	}
	return -1, "", "", nil
}

// cleanValues builds the clean row of a row whose cells all cleaned, counting (and, if asked,
// recording) every change and filling the derived columns.
func (c *cleaner) cleanValues(t *contract.Table, clean []values.Result, derivedFrom []int, counts *changeCounts, vals []any, file string, fileID, row, line int64, raw []string) cleanRow {
	if n := 3 + len(t.Columns) + len(t.Derived); len(vals) == n {
		clear(vals)
	} else {
		vals = make([]any, n)
	}
	vals[0], vals[1], vals[2] = fileID, row, line
	var cells [][]any
	for i, col := range t.Columns {
		r := clean[i]
		if !r.Null {
			vals[3+i] = c.boxes.of(i, len(t.Columns), r.Value)
		}
		if r.Changes == 0 {
			continue
		}
		for ch := uint32(r.Changes); ch != 0; ch &= ch - 1 {
			counts.cols[i][bits.TrailingZeros32(ch)]++
		}
		if c.o.CellChanges {
			cells = append(cells, []any{t.Name, file, row, col.Name, raw[i], vals[3+i], strings.Join(r.Changes.Names(), ",")})
		}
	}
	for i, d := range t.Derived {
		if src := clean[derivedFrom[i]]; !src.Null {
			if v, ok := d.Map[src.Value]; ok {
				vals[3+len(t.Columns)+i] = v
				counts.derived[i]++
			}
		}
	}
	return cleanRow{vals: vals, cells: cells}
}

// changeCounts counts one table's changed cells per column and change flag (and derived
// values per derived column) in arrays: a map keyed by three strings, updated for every
// changed cell, cost more than the normalising.
type changeCounts struct {
	cols    [][32]int // by column index, then bit position of the values.Change flag
	derived []int
}

func newChangeCounts(t *contract.Table) *changeCounts {
	return &changeCounts{cols: make([][32]int, len(t.Columns)), derived: make([]int, len(t.Derived))}
}

// into adds the counts to the change log's map, which holds an entry only for a count.
func (cc *changeCounts) into(m map[changeKey]int, t *contract.Table) {
	for i, col := range t.Columns {
		for b, n := range cc.cols[i] {
			if n > 0 {
				m[changeKey{t.Name, col.Name, values.Change(1 << b).Names()[0]}] += n
			}
		}
	}
	for i, d := range t.Derived {
		if n := cc.derived[i]; n > 0 {
			m[changeKey{t.Name, d.Name, "derive"}] += n
		}
	}
}
