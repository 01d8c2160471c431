package xlsx

import (
	"archive/zip"
	"fmt"
)

// sharedStrings holds the shared string table compactly: the texts are
// packed into chunk strings of about 1 MiB, and every shared string is a
// substring of a chunk, so a shared-string cell costs neither an allocation
// nor a copy. Chunks are allocated at their exact size, so the table takes
// the text bytes plus 8 bytes per string, with no slack from growing one
// big buffer. A caller that keeps a value keeps its chunk alive.
type sharedStrings struct {
	chunks []string
	locs   []uint64 // chunk index << 32 | offset in the chunk
}

const sstChunkSize = 1 << 20

func (t *sharedStrings) len() int { return len(t.locs) }

func (t *sharedStrings) get(i int) string {
	loc := t.locs[i]
	chunk := t.chunks[loc>>32]
	end := len(chunk) // the last string of a chunk runs to its end
	if i+1 < len(t.locs) && t.locs[i+1]>>32 == loc>>32 {
		end = int(uint32(t.locs[i+1]))
	}
	return chunk[uint32(loc):end]
}

// sstBuilder packs strings into chunks.
type sstBuilder struct {
	t         sharedStrings
	cur       []byte // the chunk being filled
	chunkSize int    // sstChunkSize, less for a small table
	total     int
}

func (b *sstBuilder) add(s []byte) error {
	if len(b.cur)+len(s) > max(cap(b.cur), b.chunkSize) {
		b.flush()
	}
	if b.cur == nil {
		b.cur = make([]byte, 0, max(len(s), b.chunkSize))
	}
	b.t.locs = append(b.t.locs, uint64(len(b.t.chunks))<<32|uint64(len(b.cur)))
	b.cur = append(b.cur, s...)
	b.total += len(s)
	if b.total > maxSSTSize {
		return fmt.Errorf("shared strings exceed %d bytes", maxSSTSize)
	}
	return nil
}

// flush closes the current chunk; its buffer is reused for the next one.
func (b *sstBuilder) flush() {
	if b.cur == nil {
		return
	}
	b.t.chunks = append(b.t.chunks, string(b.cur))
	if cap(b.cur) == b.chunkSize {
		b.cur = b.cur[:0]
	} else {
		b.cur = nil // an oversized string's buffer
	}
}

// readSST parses the shared strings part: each <si> is the concatenation of
// its <t> texts (plain or rich-text runs), phonetic runs (<rPh>) excluded,
// with _xHHHH_ escapes decoded.
func readSST(f *zip.File) (*sharedStrings, error) {
	var b sstBuilder
	if f == nil {
		return &b.t, nil
	}
	rc, err := openPart(f, maxSSTSize)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b.chunkSize = int(min(max(f.UncompressedSize64, 4<<10), sstChunkSize))
	s := newScanner(rc, f.UncompressedSize64)
	s.skipText = true
	var text []byte // the current <si>
	inSI, inT, rph := false, false, 0
	for {
		if err := s.next(); err != nil {
			return nil, fmt.Errorf("%s: shared string %d: %w", f.Name, b.t.len(), explain(err))
		}
		switch s.kind {
		case tokEOF:
			b.flush()
			b.cur = nil
			return &b.t, nil
		case tokText:
			text = appendText(text, s.text, s.cdata)
			if len(text) > maxTokenSize {
				return nil, fmt.Errorf("%s: shared string %d longer than %d bytes", f.Name, b.t.len(), maxTokenSize)
			}
		case tokStart, tokEmpty:
			switch string(s.name) {
			case "si":
				inSI, inT, rph, text = true, false, 0, text[:0]
				if s.kind == tokEmpty {
					if err := b.add(nil); err != nil {
						return nil, fmt.Errorf("%s: %w", f.Name, err)
					}
					inSI = false
				}
			case "rPh":
				if s.kind == tokStart {
					rph++
				}
			case "t":
				inT = inSI && s.kind == tokStart
			}
		case tokEnd:
			switch string(s.name) {
			case "si":
				if inSI {
					if err := b.add(decodeXInPlace(text)); err != nil {
						return nil, fmt.Errorf("%s: %w", f.Name, err)
					}
				}
				inSI, inT = false, false
			case "rPh":
				rph = max(rph-1, 0)
			case "t":
				inT = false
			}
		}
		s.skipText = !(inT && rph == 0)
	}
}
