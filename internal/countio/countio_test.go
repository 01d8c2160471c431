package countio

import (
	"io"
	"strings"
	"testing"
)

func TestCounts(t *testing.T) {
	c := &Reader{R: strings.NewReader("hello, world")}
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "hello, world" || c.N != 12 {
		t.Errorf("read %q, err %v, counted %d; want the 12 bytes passed through and counted", b, err, c.N)
	}
}
