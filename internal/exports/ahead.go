package exports

import (
	"github.com/sdetl/sdetl/internal/xlsx"
)

// The rows Each hands out are read on a goroutine of their own, a few batches ahead of the
// consumer: parsing a row (and, for XLSX, inflating it, on the reader's own goroutine) then
// runs on one core while the consumer (the import's SQLite writes) runs on the other, instead
// of one after the other. Batches are bounded in rows and in bytes and recycled, so what is
// held ahead does not grow with the file.
const (
	aheadRows    = 256
	aheadBytes   = 1 << 20 // a batch is full at this many bytes of cell text
	aheadBatches = 3       // batches in flight: one being read, one being consumed, one queued
)

// aheadRow is one row as the source read it; its cells and kinds are in the batch's arrays.
type aheadRow struct {
	cells, kinds  int // end offsets in the batch's cells and kinds
	dataRow, line int
	done          float64 // the source's Done after the row, set every `every` rows
}

type aheadBatch struct {
	rows  []aheadRow
	cells []string
	kinds []xlsx.CellKind
	err   error // after the batch's rows: io.EOF or the read error
}

// reader runs src.Read on its goroutine until the source ends or fails, or stop.
type reader struct {
	src    source
	full   chan *aheadBatch
	free   chan *aheadBatch
	done   chan struct{} // closed by stop
	exited chan struct{}
}

func readAhead(src source) *reader {
	r := &reader{src: src, full: make(chan *aheadBatch, aheadBatches), free: make(chan *aheadBatch, aheadBatches),
		done: make(chan struct{}), exited: make(chan struct{})}
	for range aheadBatches {
		r.free <- &aheadBatch{}
	}
	go r.run()
	return r
}

func (r *reader) run() {
	defer close(r.exited)
	var n int64
	for {
		var b *aheadBatch
		select {
		case b = <-r.free:
		case <-r.done:
			return
		}
		clear(b.cells) // no stale cell of an earlier batch stays reachable
		b.rows, b.cells, b.kinds, b.err = b.rows[:0], b.cells[:0], b.kinds[:0], nil
		size := 0
		for len(b.rows) < aheadRows && size < aheadBytes {
			cells, dataRow, line, err := r.src.Read()
			if err != nil {
				b.err = err
				break
			}
			for _, c := range cells {
				size += len(c)
			}
			b.cells = append(b.cells, cells...)
			b.kinds = append(b.kinds, r.src.Kinds()...)
			row := aheadRow{cells: len(b.cells), kinds: len(b.kinds), dataRow: dataRow, line: line}
			if n++; n%every == 0 {
				row.done = r.src.Done()
			}
			b.rows = append(b.rows, row)
		}
		select {
		case r.full <- b:
		case <-r.done:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// stop ends the goroutine and waits for it: the source is no longer read and may be closed.
func (r *reader) stop() {
	close(r.done)
	<-r.exited
}
