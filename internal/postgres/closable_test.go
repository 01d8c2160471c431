package postgres

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// blockingReader's Read waits until released, as a clean-store read in progress does.
type blockingReader struct {
	entered, release chan struct{}
	reads            int
}

func (b *blockingReader) Read(p []byte) (int, error) {
	b.reads++
	b.entered <- struct{}{}
	<-b.release
	return copy(p, "x"), nil
}

// pgconn's CopyFrom can return while its goroutine is still reading: close must wait for that
// Read to end, and no Read may reach the rows after it.
func TestClosableReaderOutlivesCopy(t *testing.T) {
	b := &blockingReader{entered: make(chan struct{}), release: make(chan struct{})}
	c := &closableReader{r: b}
	go c.Read(make([]byte, 8))
	<-b.entered // a Read is in progress
	closed := make(chan struct{})
	go func() { c.close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("close returned while a Read was still reading the rows")
	case <-time.After(50 * time.Millisecond):
	}
	close(b.release)
	<-closed
	if n, err := c.Read(make([]byte, 8)); n != 0 || !errors.Is(err, errCopyEnded) {
		t.Fatalf("Read after close = %d, %v; want 0, errCopyEnded", n, err)
	}
	if b.reads != 1 {
		t.Fatalf("the rows were read %d times, want 1", b.reads)
	}
	// Before close it is the reader itself.
	r := &closableReader{r: strings.NewReader("abc")}
	if got, err := io.ReadAll(r); err != nil || string(got) != "abc" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
}
