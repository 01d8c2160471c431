package xlsx

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"
)

// scanner is a minimal streaming XML tokenizer, enough for SpreadsheetML
// parts: tags (local names; namespace prefixes are dropped), raw attribute
// text, text and CDATA. It works on a window over the decompressed stream and
// never holds more than the largest token plus one read. encoding/xml is
// several times slower and allocates per token; this allocates nothing per
// token.
type scanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	err      error // read error other than io.EOF

	// skipText drops text between tags instead of returning it; the
	// parsers set it whenever they are not inside a value.
	skipText bool

	// The current token; slices point into buf and are valid until the
	// next call to next.
	kind  tokKind
	name  []byte // local name of a tag
	attrs []byte // raw attribute text of a start tag
	text  []byte // text (raw, entities not decoded) or CDATA content
	cdata bool
}

type tokKind uint8

const (
	tokEOF   tokKind = iota
	tokText          // text or CDATA
	tokStart         // <name ...>
	tokEmpty         // <name .../>
	tokEnd           // </name>
)

const (
	scanBufSize = 256 << 10
	// maxTokenSize bounds the window: a tag or a CDATA section must fit in
	// it. Text does not need to: a run of text longer than partialText is
	// returned in pieces, so a cell's value is never held twice over.
	maxTokenSize = 32 << 20
	partialText  = 64 << 10
)

var (
	errTokenTooLarge = errors.New("XML token larger than 32 MiB")
	errDoctype       = errors.New("XML document type declarations are not allowed")
	errBadTag        = errors.New("malformed XML tag")
)

// newScanner reads r, whose size is about sizeHint (a hint only: the window
// grows as needed).
func newScanner(r io.Reader, sizeHint uint64) *scanner {
	return &scanner{r: r, buf: make([]byte, min(max(sizeHint+1, 4<<10), scanBufSize))}
}

// more moves the unread bytes to the front of the window and reads until the
// window is full or the stream ends. It reports whether any bytes were added.
func (s *scanner) more() bool {
	if s.eof || s.err != nil {
		return false
	}
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxTokenSize {
			s.err = errTokenTooLarge
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	start := s.end
	for s.end < len(s.buf) {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			break
		}
		if err != nil {
			s.err = err
			break
		}
	}
	return s.end > start
}

// next advances to the next token. At the end of the stream it returns nil
// with kind tokEOF; an incomplete tag at the end is io.ErrUnexpectedEOF.
func (s *scanner) next() error {
	for {
		b := s.buf[s.pos:s.end]
		if len(b) == 0 {
			if s.more() {
				continue
			}
			s.kind = tokEOF
			return s.err
		}
		if b[0] != '<' {
			i := bytes.IndexByte(b, '<')
			if s.skipText {
				if i < 0 {
					s.pos = s.end
				} else {
					s.pos += i
				}
				continue
			}
			if i < 0 {
				if len(b) >= partialText {
					n := textCut(b)
					s.kind, s.text, s.cdata = tokText, b[:n], false
					s.pos += n
					return nil
				}
				if s.more() {
					continue
				}
				if s.err != nil {
					return s.err
				}
				i = len(b) // text up to the end of the stream
			}
			s.kind, s.text, s.cdata = tokText, b[:i], false
			s.pos += i
			return nil
		}
		n, err := s.tag(b)
		if err != nil {
			return err
		}
		if n == 0 { // incomplete: need more input
			if s.more() {
				continue
			}
			if s.err != nil {
				return s.err
			}
			return io.ErrUnexpectedEOF
		}
		s.pos += n
		if s.kind != tokEOF { // tokEOF here means "skipped", see tag
			return nil
		}
	}
}

// tag parses the markup at the start of b ('<' at b[0]). It returns the
// number of bytes consumed, or 0 if b does not hold the whole construct.
// Comments and processing instructions set kind tokEOF to mean "skipped".
func (s *scanner) tag(b []byte) (int, error) {
	if len(b) < 2 {
		return 0, nil
	}
	switch b[1] {
	case '/':
		j := bytes.IndexByte(b, '>')
		if j < 0 {
			return 0, nil
		}
		s.kind, s.name = tokEnd, localName(trimSpace(b[2:j]))
		return j + 1, nil
	case '?':
		j := bytes.Index(b[2:], []byte("?>"))
		if j < 0 {
			return 0, nil
		}
		s.kind = tokEOF
		return j + 4, nil
	case '!':
		switch {
		case bytes.HasPrefix(b, []byte("<!--")):
			j := bytes.Index(b[4:], []byte("-->"))
			if j < 0 {
				return 0, nil
			}
			s.kind = tokEOF
			return j + 7, nil
		case bytes.HasPrefix(b, []byte("<![CDATA[")):
			j := bytes.Index(b[9:], []byte("]]>"))
			if j < 0 {
				return 0, nil
			}
			if s.skipText {
				s.kind = tokEOF
			} else {
				s.kind, s.text, s.cdata = tokText, b[9:9+j], true
			}
			return j + 12, nil
		case len(b) < 9:
			return 0, nil
		}
		if bytes.HasPrefix(b, []byte("<!DOCTYPE")) {
			return 0, errDoctype
		}
		return 0, errBadTag
	}
	// Start tag: find the closing '>' outside quoted attribute values and
	// the end of the name on the way.
	nameEnd := 0
	var q byte
	for j := 1; j < len(b); j++ {
		c := b[j]
		if q != 0 {
			if c == q {
				q = 0
			}
			continue
		}
		switch c {
		case '"', '\'':
			q = c
		case ' ', '\t', '\r', '\n':
			if nameEnd == 0 {
				nameEnd = j
			}
		case '/', '>':
			if nameEnd == 0 {
				nameEnd = j
			}
			if c == '/' {
				continue
			}
			if nameEnd == 1 {
				return 0, errBadTag
			}
			s.kind = tokStart
			attrEnd := j
			if b[j-1] == '/' {
				s.kind = tokEmpty
				attrEnd--
			}
			s.name = localName(b[1:nameEnd])
			s.attrs = b[nameEnd:max(attrEnd, nameEnd)]
			return j + 1, nil
		case '<':
			return 0, errBadTag
		}
	}
	return 0, nil
}

// textCut is where a run of text may be split: not inside an entity
// reference (at most 12 bytes, see entity) and not between a CR and the LF
// that may follow it, so that appendText decodes the pieces as it would the
// whole.
func textCut(b []byte) int {
	n := len(b)
	from := max(n-12, 0)
	if j := bytes.LastIndexByte(b[from:], '&'); j >= 0 && bytes.IndexByte(b[from+j:], ';') < 0 {
		n = from + j
	}
	if n > 0 && b[n-1] == '\r' {
		n--
	}
	return n
}

// localName drops a namespace prefix: some producers write <x:row>.
func localName(name []byte) []byte {
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// nextAttr splits the first attribute off raw attribute text. name keeps any
// prefix ("r:id"); val is raw (entities not decoded).
func nextAttr(a []byte) (name, val, rest []byte, ok bool) {
	i := 0
	for i < len(a) && isSpace(a[i]) {
		i++
	}
	start := i
	for i < len(a) && a[i] != '=' && !isSpace(a[i]) {
		i++
	}
	name = a[start:i]
	for i < len(a) && isSpace(a[i]) {
		i++
	}
	if len(name) == 0 || i >= len(a) || a[i] != '=' {
		return nil, nil, nil, false
	}
	i++
	for i < len(a) && isSpace(a[i]) {
		i++
	}
	if i >= len(a) || (a[i] != '"' && a[i] != '\'') {
		return nil, nil, nil, false
	}
	q := a[i]
	i++
	j := bytes.IndexByte(a[i:], q)
	if j < 0 {
		return nil, nil, nil, false
	}
	return name, a[i : i+j], a[i+j+1:], true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// appendText appends XML text to dst, decoding entity and character
// references and normalising literal line ends as an XML parser must
// (CR LF and lone CR become LF; a CR in the data is written as &#13;).
// Unknown entities are kept literally.
func appendText(dst, raw []byte, cdata bool) []byte {
	if !cdata {
		if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
			return append(dst, raw...)
		}
	} else if bytes.IndexByte(raw, '\r') < 0 {
		return append(dst, raw...)
	}
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\r':
			dst = append(dst, '\n')
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
		case c == '&' && !cdata:
			r, n := entity(raw[i:])
			if n == 0 {
				dst = append(dst, c)
				i++
				continue
			}
			dst = utf8.AppendRune(dst, r)
			i += n
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}

// entity decodes the reference at the start of b ("&amp;", "&#13;",
// "&#x1F600;"); n is 0 if it is not a valid reference.
func entity(b []byte) (r rune, n int) {
	end := bytes.IndexByte(b, ';')
	if end < 2 || end > 12 {
		return 0, 0
	}
	name := b[1:end]
	switch string(name) {
	case "amp":
		return '&', end + 1
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "quot":
		return '"', end + 1
	case "apos":
		return '\'', end + 1
	}
	if name[0] != '#' || len(name) < 2 {
		return 0, 0
	}
	v := 0
	if name[1] == 'x' {
		if len(name) < 3 {
			return 0, 0
		}
		for _, c := range name[2:] {
			d := unhex(c)
			if d < 0 {
				return 0, 0
			}
			v = v*16 + d
		}
	} else {
		for _, c := range name[1:] {
			if c < '0' || c > '9' {
				return 0, 0
			}
			v = v*10 + int(c-'0')
		}
	}
	if v > 0x10FFFF {
		return 0, 0
	}
	return rune(v), end + 1
}
