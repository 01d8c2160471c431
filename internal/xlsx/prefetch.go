package xlsx

import "io"

// prefetcher reads its source (an inflating zip part) in a goroutine a few
// buffers ahead of the consumer, so that inflating and parsing, which cost
// about the same, run on two cores instead of one after the other. It is
// used for large parts only (see prefetchMin); the consumer must call stop
// before closing the source.
type prefetcher struct {
	src     io.Reader
	full    chan prefetched // filled buffers, in order
	free    chan []byte     // buffers the consumer is done with
	done    chan struct{}   // closed by stop
	exited  chan struct{}   // closed when the goroutine returns
	stopped bool

	cur, curBuf []byte // unread part of the current buffer; the buffer
	err         error  // after the last buffer: io.EOF or the read error
}

type prefetched struct {
	b   []byte
	err error
}

const (
	prefetchBufSize = 256 << 10
	prefetchBufs    = 4
	prefetchMin     = 1 << 20 // parts smaller than this are read directly
)

func newPrefetcher(src io.Reader) *prefetcher {
	p := &prefetcher{
		src:    src,
		full:   make(chan prefetched, prefetchBufs),
		free:   make(chan []byte, prefetchBufs),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	for range prefetchBufs {
		p.free <- make([]byte, prefetchBufSize)
	}
	go p.run()
	return p
}

// run fills free buffers until the source fails or ends, or stop.
func (p *prefetcher) run() {
	defer close(p.exited)
	for {
		var buf []byte
		select {
		case buf = <-p.free:
		case <-p.done:
			return
		}
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = p.src.Read(buf[n:])
			n += m
		}
		select {
		case p.full <- prefetched{buf[:n], err}:
		case <-p.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (p *prefetcher) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		if p.stopped {
			return 0, io.ErrClosedPipe
		}
		if p.curBuf != nil {
			p.free <- p.curBuf[:cap(p.curBuf)] // never blocks: room for all buffers
			p.curBuf = nil
		}
		c := <-p.full
		p.curBuf, p.cur, p.err = c.b, c.b, c.err
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// stop ends the goroutine and waits for it, after which the source is no
// longer read and may be closed. Idempotent.
func (p *prefetcher) stop() {
	if p.stopped {
		return
	}
	p.stopped = true
	close(p.done)
	<-p.exited
}

// readAhead wraps a part of the given uncompressed size in a prefetcher if
// it is large enough to be worth a goroutine. stop is a no-op otherwise.
func readAhead(rc io.Reader, size uint64) (r io.Reader, stop func()) {
	if size < prefetchMin {
		return rc, func() {}
	}
	p := newPrefetcher(rc)
	return p, p.stop
}
