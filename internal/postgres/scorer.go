package postgres

import "sync"

// scorer runs the score's row function (the quality accumulator) on a goroutine of its own, fed
// batches of rows in the order they were read, so the connection's reader decodes and hashes
// the next rows meanwhile: the two halves of the read-back's client work on two cores. fn sees
// every row once, in order, from one goroutine, as if called inline; the read-ahead is bounded
// (scorerDepth batches of batchRows rows).
type scorer struct {
	fn      func([]string) error
	cancel  func() // stops the read when fn fails
	batches chan *rowBatch
	free    chan *rowBatch
	done    chan struct{}
	err     error // fn's first error; read after done
	once    sync.Once
}

const (
	batchRows   = 256
	scorerDepth = 4
)

// rowBatch is up to batchRows rows of n columns, one backing array.
type rowBatch struct {
	n, len int
	cells  []string
}

func (b *rowBatch) next() []string {
	row := b.cells[b.len*b.n : (b.len+1)*b.n : (b.len+1)*b.n]
	b.len++
	return row
}

func (b *rowBatch) full() bool { return b.len == batchRows }

func newScorer(fn func([]string) error, cancel func()) *scorer {
	s := &scorer{fn: fn, cancel: cancel, batches: make(chan *rowBatch, scorerDepth),
		free: make(chan *rowBatch, scorerDepth+1), done: make(chan struct{})}
	go s.run()
	return s
}

func (s *scorer) run() {
	defer close(s.done)
	for b := range s.batches {
		for i := 0; i < b.len && s.err == nil; i++ {
			if s.err = s.fn(b.cells[i*b.n : (i+1)*b.n : (i+1)*b.n]); s.err != nil {
				s.cancel()
			}
		}
		b.len = 0
		select {
		case s.free <- b:
		default: // the reader holds enough: let this one go
		}
	}
}

// batch returns an empty batch of n-column rows: a used one when one is free.
func (s *scorer) batch(n int) *rowBatch {
	select {
	case b := <-s.free:
		return b
	default:
		return &rowBatch{n: n, cells: make([]string, batchRows*n)}
	}
}

// send hands b to fn (nothing when b is empty).
func (s *scorer) send(b *rowBatch) {
	if b.len > 0 {
		s.batches <- b
	}
}

// stop waits until fn has seen every row sent and returns its first error; later calls only
// return it again.
func (s *scorer) stop() error {
	s.once.Do(func() { close(s.batches); <-s.done })
	return s.err
}
