package xlsx

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// Text in cells is XML-escaped and, for what XML 1.0 cannot carry, escaped
// with Excel's _xHHHH_ convention (a UTF-16 code unit in hex). A literal
// "_xHHHH_" in the data is protected by escaping its underscore as _x005F_.
// CR is written as a character reference because XML parsers normalise a
// literal CR to LF.

const hexDigits = "0123456789ABCDEF"

// appendEscaped appends s as XML element text. Invalid UTF-8 becomes U+FFFD:
// XML cannot carry raw bytes and the workbook is UTF-8.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '\r':
				b = append(b, "&#13;"...)
			case c == '\t' || c == '\n':
				b = append(b, c)
			case c < 0x20:
				b = appendXEscape(b, rune(c))
			case c == '_' && isXEscape(s[i:]):
				b = append(b, "_x005F_"...)
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, "\uFFFD"...)
		case r == 0xFFFE || r == 0xFFFF:
			b = appendXEscape(b, r)
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return b
}

func appendXEscape(b []byte, r rune) []byte {
	return append(b, '_', 'x', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15], '_')
}

// isXEscape reports whether s starts with _xHHHH_.
func isXEscape[T string | []byte](s T) bool {
	if len(s) < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for i := 2; i < 6; i++ {
		if unhex(s[i]) < 0 {
			return false
		}
	}
	return true
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func hex4(s []byte) rune {
	return rune(unhex(s[0])<<12 | unhex(s[1])<<8 | unhex(s[2])<<4 | unhex(s[3]))
}

// decodeXEscapes appends s to dst with _xHHHH_ escapes decoded. Surrogate
// pairs written as two escapes are combined; a lone surrogate becomes U+FFFD.
func decodeXEscapes(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		j := indexXEscape(s[i:])
		if j < 0 {
			return append(dst, s[i:]...)
		}
		dst = append(dst, s[i:i+j]...)
		i += j
		r := hex4(s[i+2:])
		i += 7
		if utf16.IsSurrogate(r) {
			if r < 0xDC00 && len(s)-i >= 7 && isXEscape(s[i:i+7]) {
				if r2 := hex4(s[i+2:]); r2 >= 0xDC00 && r2 <= 0xDFFF {
					r = utf16.DecodeRune(r, r2)
					i += 7
				}
			}
			if utf16.IsSurrogate(r) {
				r = utf8.RuneError
			}
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// indexXEscape returns the offset of the first _xHHHH_ in s, or -1.
func indexXEscape(s []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(s[i:], '_')
		if j < 0 {
			return -1
		}
		i += j
		if len(s)-i < 7 {
			return -1
		}
		if isXEscape(s[i : i+7]) {
			return i
		}
		i++
	}
}

// decodeXInPlace decodes _xHHHH_ escapes in b, reusing its memory (the
// decoded form is never longer).
func decodeXInPlace(b []byte) []byte {
	if indexXEscape(b) < 0 {
		return b
	}
	return decodeXEscapes(b[:0], b)
}
