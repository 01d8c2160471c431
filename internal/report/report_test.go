package report

import (
	"errors"
	"testing"
)

func TestShorten(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"}, {"abcd", 3, "abc…"}, {"ééé", 2, "éé…"}, {"", 2, ""},
	}
	for _, c := range cases {
		if got := Shorten(c.in, c.n); got != c.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

type failing struct{ n int }

func (f *failing) Write(p []byte) (int, error) {
	if f.n++; f.n > 1 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriterKeepsFirstError(t *testing.T) {
	w := &Writer{W: &failing{}}
	w.Write([]byte("a"))
	w.Write([]byte("b"))
	w.Write([]byte("c"))
	if w.Err() == nil || w.Err().Error() != "disk full" {
		t.Errorf("Err() = %v", w.Err())
	}
}
