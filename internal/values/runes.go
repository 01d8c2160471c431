package values

import "unicode/utf8"

// RuneCount is utf8.RuneCountInString(s) (PostgreSQL's length() of the text), 32 and then 8
// bytes at a time where they are all ASCII: the reconciliation's row text counts the runes of
// every value and the quality checks those of long text, and comments are kilobytes of mostly
// ASCII text, which utf8.RuneCountInString decodes a byte at a time. An ASCII byte is never
// part of a longer rune, so the runs between them count as they would on their own.
//
// Most values are short codes and names: up to 16 bytes, all of them are looked at once (one
// OR of the bytes, or two overlapping words), and all ASCII means one rune a byte.
func RuneCount(s string) int {
	switch {
	case len(s) < 8:
		var or byte
		for i := 0; i < len(s); i++ {
			or |= s[i]
		}
		if or < utf8.RuneSelf {
			return len(s)
		}
	case len(s) <= 16:
		if (word(s, 0)|word(s, len(s)-8))&0x8080808080808080 == 0 {
			return len(s)
		}
	}
	n := 0
	for i := 0; i < len(s); {
		if i+32 <= len(s) && (word(s, i)|word(s, i+8)|word(s, i+16)|word(s, i+24))&0x8080808080808080 == 0 {
			n, i = n+32, i+32
			continue
		}
		if i+8 <= len(s) && word(s, i)&0x8080808080808080 == 0 {
			n, i = n+8, i+8
			continue
		}
		if s[i] < utf8.RuneSelf {
			n, i = n+1, i+1
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		n, i = n+1, i+size
	}
	return n
}

// word is the eight bytes of s from i, little-endian (the compiler makes it one load).
func word(s string, i int) uint64 {
	c := s[i : i+8]
	return uint64(c[0]) | uint64(c[1])<<8 | uint64(c[2])<<16 | uint64(c[3])<<24 |
		uint64(c[4])<<32 | uint64(c[5])<<40 | uint64(c[6])<<48 | uint64(c[7])<<56
}
