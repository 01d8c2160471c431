package csvfile

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Encodings. A CSV export is UTF-8 (with or without a BOM) unless its table says otherwise:
// UTF-16 (Excel's "Unicode text", always with a byte-order mark) or a single-byte code page
// (a Windows program's "ANSI" export: en dashes as byte 0x96). A decoded file is decoded as it
// is read, a buffer at a time, into the UTF-8 the parser reads; a UTF-8 file is read as it was
// before encodings existed, with no decoder in its way. Line numbers are the file's own (every
// encoding here keeps line ends as they are); columns count bytes of the decoded UTF-8 line.

// Encoding names, as the contract's `encoding:` and --encoding spell them (lower case).
const (
	UTF8        = "utf-8"
	UTF16       = "utf-16" // the byte-order mark decides LE or BE; it must be there
	UTF16LE     = "utf-16le"
	UTF16BE     = "utf-16be"
	Windows1252 = "windows-1252"
	ISO88591    = "iso-8859-1"
	ISO885915   = "iso-8859-15"
	Windows1250 = "windows-1250"
	Windows1251 = "windows-1251"
)

// Encodings lists every encoding the reader decodes.
var Encodings = []string{UTF8, UTF16, UTF16LE, UTF16BE, Windows1252, ISO88591, ISO885915, Windows1250, Windows1251}

var codePages = map[string]*charmap.Charmap{
	Windows1252: charmap.Windows1252,
	ISO88591:    charmap.ISO8859_1,
	ISO885915:   charmap.ISO8859_15,
	Windows1250: charmap.Windows1250,
	Windows1251: charmap.Windows1251,
}

// NormalizeEncoding returns the canonical name of enc ("" and "utf8" are UTF-8, case and
// surrounding space ignored, cp1252 and latin1 are accepted aliases), or an error naming the
// encodings there are.
func NormalizeEncoding(enc string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(enc))
	switch e {
	case "", "utf8":
		return UTF8, nil
	case "utf16":
		return UTF16, nil
	case "cp1252":
		return Windows1252, nil
	case "latin1", "latin-1":
		return ISO88591, nil
	}
	for _, x := range Encodings {
		if e == x {
			return x, nil
		}
	}
	return "", fmt.Errorf("encoding %q: want one of %s", enc, strings.Join(Encodings, ", "))
}

// The kinds of encoding error, for errors.Is.
var (
	ErrInvalidUTF16  = errors.New("invalid UTF-16")
	ErrUndefinedByte = errors.New("undefined byte")
	ErrNotText       = errors.New("not a text file")
)

// NotTextError says a file is not text at all (an archive, an image, binary data), or not in
// the encoding it was declared in (a UTF-16 file read as UTF-8), before any record is read.
type NotTextError struct {
	File string
	Why  string
}

func (e *NotTextError) Error() string { return fmt.Sprintf("%s: %v: %s", e.File, ErrNotText, e.Why) }

// Unwrap returns ErrNotText.
func (e *NotTextError) Unwrap() error { return ErrNotText }

// magics are the starts of binary files an export directory might hold under a .csv name.
var magics = []struct{ prefix, what string }{
	{"PK\x03\x04", "it is a ZIP archive (an XLSX workbook named .csv? then name it .xlsx)"},
	{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "it is an OLE2 compound file (a legacy .xls workbook? save it as .xlsx or CSV)"},
	{"%PDF-", "it is a PDF document"},
	{"\x89PNG\r\n\x1a\n", "it is a PNG image"},
	{"\xFF\xD8\xFF", "it is a JPEG image"},
	{"GIF8", "it is a GIF image"},
	{"\x1F\x8B", "it is gzip-compressed (decompress it first)"},
	{"BZh", "it is bzip2-compressed (decompress it first)"},
	{"\xFD7zXZ\x00", "it is xz-compressed (decompress it first)"},
	{"7z\xBC\xAF\x27\x1C", "it is a 7-Zip archive"},
	{"Rar!\x1A\x07", "it is a RAR archive"},
	{"\x7FELF", "it is an executable"},
	{"SQLite format 3\x00", "it is an SQLite database"},
}

// BOMEncoding names the encoding a byte-order mark at the start of b says, or "".
func BOMEncoding(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return UTF8
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		return UTF16LE
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		return UTF16BE
	}
	return ""
}

// notText says why the raw start of a file, to be read as enc, is not text in it, or "".
func notText(head []byte, enc string) string {
	for _, m := range magics {
		if strings.HasPrefix(string(head), m.prefix) {
			return m.what
		}
	}
	bom := BOMEncoding(head)
	switch {
	case (bom == UTF16LE || bom == UTF16BE) && !isUTF16(enc):
		return fmt.Sprintf("it starts with a %s byte-order mark, so it is UTF-16 text: set encoding: utf-16 on its table in the contract, or pass --encoding utf-16",
			strings.ToUpper(strings.TrimPrefix(bom, "utf-16")))
	case isUTF16(enc):
		return "" // NUL bytes are half of UTF-16 text
	}
	if len(head) < 64 {
		return ""
	}
	// Text has line ends and tabs but hardly any other control bytes, so a start with more than
	// 5% of them is binary data (random or compressed bytes are about 12% control bytes). NULs
	// are judged apart: a comment may hold a few, and a run of them is what the readers' limits
	// are for; but ASCII text in UTF-16 puts one in every other byte.
	ctl, nulOdd, nulEven := 0, 0, 0
	for i, c := range head {
		switch {
		case c == 0 && i%2 == 1:
			nulOdd++
		case c == 0:
			nulEven++
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F:
			ctl++
		}
	}
	half := len(head) / 2
	switch {
	case 20*ctl > len(head):
		return fmt.Sprintf("%d of its first %d bytes are control characters (binary data)", ctl+nulOdd+nulEven, len(head))
	case 5*nulOdd > 2*half && 10*nulEven < half:
		return "every other byte is NUL, as in UTF-16 text without a byte-order mark: pass --encoding utf-16le (or set encoding: utf-16le on its table)"
	case 5*nulEven > 2*half && 10*nulOdd < half:
		return "every other byte is NUL, as in UTF-16 text without a byte-order mark: pass --encoding utf-16be (or set encoding: utf-16be on its table)"
	}
	return ""
}

func isUTF16(enc string) bool { return enc == UTF16 || enc == UTF16LE || enc == UTF16BE }

// decoder returns rd decoding enc into UTF-8, or rd itself for UTF-8.
func decoder(rd io.Reader, enc string) (io.Reader, error) {
	switch enc {
	case UTF8:
		return rd, nil
	case UTF16, UTF16LE, UTF16BE:
		return &utf16Reader{r: rd, enc: enc, raw: make([]byte, 0, bufSize)}, nil
	}
	cm, ok := codePages[enc]
	if !ok {
		_, err := NormalizeEncoding(enc)
		return nil, err
	}
	return &codePageReader{r: rd, enc: enc, table: decodeTable(cm), raw: make([]byte, bufSize/2)}, nil
}

// codePageReader decodes a single-byte code page: every byte is one character, so the decoder
// is a table of 256 UTF-8 strings, and a byte never splits. A byte the code page leaves
// undefined (0x81 in Windows-1252) is an error naming its line and offset, never a U+FFFD.
type codePageReader struct {
	r     io.Reader
	enc   string
	table *[256]string // "" where the code page defines no character
	raw   []byte
	out   []byte // decoded, not yet returned
	off   int64  // file offset of the next raw byte
	line  int    // line ends decoded so far
	err   error
}

func decodeTable(cm *charmap.Charmap) *[256]string {
	var t [256]string
	for i := range t {
		if r := cm.DecodeByte(byte(i)); r != utf8.RuneError {
			t[i] = string(r)
		}
	}
	return &t
}

func (c *codePageReader) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		n, err := c.r.Read(c.raw)
		out := c.out[:0]
		for i, b := range c.raw[:n] {
			switch {
			case b == '\n':
				c.line++
				out = append(out, b)
			case b < utf8.RuneSelf:
				out = append(out, b)
			case c.table[b] == "":
				c.out, c.err = out, fmt.Errorf("%w: line %d: byte 0x%02X (at byte %d) is no character in %s; the file is in another encoding",
					ErrUndefinedByte, c.line+1, b, c.off+int64(i), c.enc)
				if len(out) > 0 {
					n := copy(p, c.out)
					c.out = c.out[n:]
					return n, nil
				}
				return 0, c.err
			default:
				out = append(out, c.table[b]...)
			}
		}
		c.off += int64(n)
		c.out = out
		if err != nil {
			c.err = err
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

// utf16Reader decodes UTF-16 strictly: an unpaired surrogate or an odd last byte is an error
// naming its line and byte offset, never a silent U+FFFD (a lossy decode is not the export's
// text). A byte-order mark is decoded like any character (U+FEFF), which the CSV reader drops
// at the start of the file as it drops a UTF-8 BOM.
type utf16Reader struct {
	r       io.Reader
	enc     string // UTF16 until the BOM decided the byte order
	big     bool
	raw     []byte // undecoded bytes
	out     []byte // decoded, not yet returned
	off     int64  // file offset of raw[0]
	line    int    // line ends decoded so far
	started bool
	err     error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		if len(u.raw) < cap(u.raw) {
			n, err := u.r.Read(u.raw[len(u.raw):cap(u.raw)])
			u.raw = u.raw[:len(u.raw)+n]
			if err != nil {
				u.err = err
			}
		}
		if err := u.decode(u.err == io.EOF); err != nil {
			u.err = err
			return 0, err
		}
		if u.err != nil && u.err != io.EOF {
			return 0, u.err
		}
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// decode turns the complete code units of raw into out; at the end (eof) nothing may be left.
func (u *utf16Reader) decode(eof bool) error {
	b := u.raw
	if !u.started && (len(b) >= 2 || eof) {
		u.started = true
		switch bom := BOMEncoding(b); {
		case u.enc == UTF16 && bom != UTF16LE && bom != UTF16BE:
			return fmt.Errorf("%w: no byte-order mark (the file starts % X); name the byte order with --encoding utf-16le or utf-16be", ErrInvalidUTF16, b[:min(len(b), 2)])
		case u.enc == UTF16:
			u.big = bom == UTF16BE
		default:
			u.big = u.enc == UTF16BE
		}
	}
	out := u.out[:0]
	i := 0
	unit := func(j int) uint16 {
		if u.big {
			return uint16(b[j])<<8 | uint16(b[j+1])
		}
		return uint16(b[j+1])<<8 | uint16(b[j])
	}
	for ; i+1 < len(b); i += 2 {
		c := rune(unit(i))
		switch {
		case c < utf8.RuneSelf:
			out = append(out, byte(c))
			if c == '\n' {
				u.line++
			}
			continue
		case utf16.IsSurrogate(c) && c < 0xDC00:
			if i+3 >= len(b) {
				if !eof {
					break // the pair's second half is in the next read
				}
				return u.bad(i, c)
			}
			lo := rune(unit(i + 2))
			if lo < 0xDC00 || lo > 0xDFFF {
				return u.bad(i, c)
			}
			out = utf8.AppendRune(out, utf16.DecodeRune(c, lo))
			i += 2
			continue
		case utf16.IsSurrogate(c):
			return u.bad(i, c)
		default:
			out = utf8.AppendRune(out, c)
			continue
		}
		break
	}
	if eof && i < len(b) {
		return fmt.Errorf("%w: line %d: the file ends in the middle of a character (byte %d of an odd-length file)", ErrInvalidUTF16, u.line+1, u.off+int64(i))
	}
	u.out = out
	u.off += int64(i)
	u.raw = append(u.raw[:0], b[i:]...)
	return nil
}

func (u *utf16Reader) bad(i int, c rune) error {
	return fmt.Errorf("%w: line %d: unpaired surrogate 0x%04X at byte %d", ErrInvalidUTF16, u.line+1, c, u.off+int64(i))
}
