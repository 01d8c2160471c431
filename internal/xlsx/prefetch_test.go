package xlsx

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"
	"testing/iotest"
)

// errAfter yields data, then fails with err instead of io.EOF.
type errAfter struct {
	r   io.Reader
	err error
}

func (e *errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		err = e.err
	}
	return n, err
}

func TestPrefetcher(t *testing.T) {
	data := make([]byte, 3*prefetchBufSize*prefetchBufs+12345)
	rng := rand.New(rand.NewPCG(8, 9))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}

	t.Run("stream", func(t *testing.T) {
		// A source returning short reads, read with odd sizes.
		p := newPrefetcher(iotest.HalfReader(bytes.NewReader(data)))
		defer p.stop()
		var got []byte
		buf := make([]byte, 7777)
		for {
			n, err := p.Read(buf[:1+rng.IntN(len(buf))])
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("got %d bytes, want %d (or different)", len(got), len(data))
		}
	})

	t.Run("error after data", func(t *testing.T) {
		p := newPrefetcher(&errAfter{bytes.NewReader(data), io.ErrUnexpectedEOF})
		defer p.stop()
		got, err := io.ReadAll(p)
		if !errors.Is(err, io.ErrUnexpectedEOF) || !bytes.Equal(got, data) {
			t.Fatalf("got %d bytes, %v", len(got), err)
		}
		if _, err := p.Read(make([]byte, 1)); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("error not sticky: %v", err)
		}
	})

	t.Run("stop early", func(t *testing.T) {
		for i := range 20 {
			p := newPrefetcher(bytes.NewReader(data))
			io.ReadFull(p, make([]byte, i*10000))
			p.stop()
			p.stop()
			// What was already buffered may still come; then an error,
			// never a hang or a clean EOF (data is larger than the buffers).
			if _, err := io.ReadAll(p); !errors.Is(err, io.ErrClosedPipe) {
				t.Fatalf("read after stop: %v", err)
			}
		}
	})
}

// Closing a reader in the middle of a large sheet stops the goroutine
// reading ahead before the file is closed (go test -race checks this).
func TestCloseMidSheet(t *testing.T) {
	var rows [][]Cell
	for i := range 30000 {
		rows = append(rows, []Cell{Num(strconv.Itoa(i)), Str("value " + strconv.Itoa(i%1000)), Str("some text to make the sheet bigger " + strconv.Itoa(i))})
	}
	path := writeRows(t, rows)
	for _, n := range []int{0, 1, 5000} {
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		for range n {
			if _, _, err := r.Read(); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.Read(); err == nil {
			t.Fatal("Read after Close succeeded")
		}
	}
}
