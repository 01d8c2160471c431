package values

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestRuneCount: RuneCount counts as utf8.RuneCountInString does, invalid and truncated
// sequences included, wherever they fall against the 32- and eight-byte runs.
func TestRuneCount(t *testing.T) {
	cases := []string{"", "a", "abcdefg", "abcdefgh", "abcdefghi", "é", "abcdefgé", "abcdefghé", "日本語のテキスト",
		"\xff", "abcdefg\xff", "abcdefgh\xe6\x97", "\xe6\x97abcdefgh", "\xf0\x9f\x98\x80abcdefgh\xf0\x9f", strings.Repeat("x", 2000) + "ü",
		strings.Repeat("x", 31) + "é", strings.Repeat("x", 32) + "é", strings.Repeat("x", 33) + "\xe6\x97", "é" + strings.Repeat("x", 64),
		strings.Repeat("x", 24) + "\x80" + strings.Repeat("y", 40)}
	pieces := []string{"a", "bcdefgh", "é", "日", "\xff", "\xe6\x97", "\x80", "😀", "\x00", "\n"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	for n := range 20 { // a non-ASCII byte at each place of the short values' fast paths
		for i := range n {
			for _, c := range []string{"\x80", "\xff", "é", "\xe6\x97"} {
				cases = append(cases, strings.Repeat("x", i)+c+strings.Repeat("y", n-i-1))
			}
		}
		cases = append(cases, strings.Repeat("z", n))
	}
	for _, s := range cases {
		if got, want := RuneCount(s), utf8.RuneCountInString(s); got != want {
			t.Fatalf("runeCount(%q) = %d, want %d", s, got, want)
		}
	}
}

func BenchmarkRuneCount(b *testing.B) {
	s := strings.Repeat("The customer reports that the VPN drops every few minutes. ", 35) + "Grüße"
	b.Run("RuneCount", func(b *testing.B) {
		for range b.N {
			RuneCount(s)
		}
	})
	b.Run("utf8", func(b *testing.B) {
		for range b.N {
			utf8.RuneCountInString(s)
		}
	})
	short := []string{"0", "true", "INC0000001", "Caller 2712", "2016-06-25 17:26:00", "Subcategory 127"}
	b.Run("short", func(b *testing.B) {
		for range b.N {
			for _, s := range short {
				RuneCount(s)
			}
		}
	})
}
