package xlsx

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
	"unsafe"
)

// sharedStrings holds the shared string table compactly: the texts are
// packed into chunk strings of about 16 KiB (whole strings only; a longer
// string has a chunk of its own), and every shared string is a substring of
// a chunk, so a shared-string cell costs neither an allocation nor a copy.
// Chunks are allocated at their exact size and a string's location is one
// uint32, so the table takes the text bytes plus 4 bytes per string.
//
// A table whose text exceeds sstMemLimit is spilled: its chunks are written
// to an unlinked temporary file (in os.TempDir) as they are parsed, and the
// sheet reads them back on demand into a cache of at most sstMemLimit bytes
// of chunks (CLOCK eviction). Spreadsheet writers number shared strings in
// order of first use, so a sheet read top to bottom touches new chunks
// roughly in order plus a small hot set of early ones; the cache keeps the
// hot set, and a miss is one positioned read of one chunk. Without this, a
// raw export with 125 MB of unique text held the text plus the garbage
// collector's headroom for it: a 277 MB peak RSS instead of ~100 MB.
//
// A caller that keeps a value keeps its chunk alive (16 KiB at most, or the
// string itself); evicting a chunk from the cache never invalidates a value
// already returned.
type sharedStrings struct {
	locs   []uint32 // chunk << sstOffBits | offset in the chunk
	chunks []string // spilled: the resident chunks, "" for the others
	sp     *sstSpill
	// bad holds the strings a cell may not use, stored empty: too long, or not
	// UTF-8. They fail the cell that references them, so that the error can
	// name its position; a string no cell uses harms nothing.
	bad map[int]sstProblem
}

type sstProblem uint8

const (
	sstTooLong sstProblem = iota + 1
	sstInvalidUTF8
)

const (
	sstChunkSize = 16 << 10
	// Offsets in a chunk are below sstChunkSize (a chunk is closed once it
	// reaches that size), so 15 bits hold them and 17 are left for the
	// chunk number. Consecutive chunks hold more than sstChunkSize bytes
	// together, so maxSSTSize (1 GiB) of text needs at most
	// 2*2^30/2^14+1 chunks: just one more than fits, refused in add.
	sstOffBits   = 15
	sstOffMask   = 1<<sstOffBits - 1
	sstMaxChunks = 1 << (32 - sstOffBits)
)

// sstMemLimit is the most shared-string text kept in memory: a larger table
// is spilled to a temporary file, and this is then the cache budget. A
// variable so that tests can exercise spilling on small tables.
var sstMemLimit = 32 << 20

// sstSpill is the on-disk part of a spilled table.
type sstSpill struct {
	f      *os.File
	name   string  // set if the file could not be unlinked when created
	ends   []int64 // ends[i] is the file offset where chunk i ends
	ref    []bool  // CLOCK reference bits, by chunk
	ring   []uint32
	hand   int
	used   int // bytes of resident chunks
	budget int
	err    error // sticky read error
}

func (t *sharedStrings) len() int { return len(t.locs) }

// get returns shared string i (0 <= i < len). It fails only when a spilled
// chunk cannot be read back.
func (t *sharedStrings) get(i int) (string, error) {
	loc := t.locs[i]
	c := loc >> sstOffBits
	chunk := t.chunks[c]
	if t.sp != nil {
		if chunk == "" {
			var err error
			if chunk, err = t.load(c); err != nil {
				return "", err
			}
		} else {
			t.sp.ref[c] = true
		}
	}
	end := len(chunk) // the last string of a chunk runs to its end
	if i+1 < len(t.locs) && t.locs[i+1]>>sstOffBits == c {
		end = int(t.locs[i+1] & sstOffMask)
	}
	return chunk[loc&sstOffMask : end], nil
}

// load reads spilled chunk c into the cache, evicting chunks that were not
// used since the clock hand last passed them until it fits.
func (t *sharedStrings) load(c uint32) (string, error) {
	sp := t.sp
	if sp.err != nil {
		return "", sp.err
	}
	start := int64(0)
	if c > 0 {
		start = sp.ends[c-1]
	}
	n := int(sp.ends[c] - start)
	if n == 0 { // a chunk of empty strings
		return "", nil
	}
	for sp.used+n > sp.budget && len(sp.ring) > 0 {
		if sp.hand >= len(sp.ring) {
			sp.hand = 0
		}
		v := sp.ring[sp.hand]
		if sp.ref[v] {
			sp.ref[v] = false
			sp.hand++
			continue
		}
		sp.used -= len(t.chunks[v])
		t.chunks[v] = ""
		last := len(sp.ring) - 1
		sp.ring[sp.hand] = sp.ring[last]
		sp.ring = sp.ring[:last]
	}
	buf := make([]byte, n)
	if _, err := sp.f.ReadAt(buf, start); err != nil {
		sp.err = fmt.Errorf("shared strings: reading back the temporary file: %w", err)
		return "", sp.err
	}
	// buf is never written again: the string can share its memory.
	s := unsafe.String(&buf[0], n)
	t.chunks[c] = s
	sp.ring = append(sp.ring, c)
	sp.used += n
	return s, nil
}

// close removes the temporary file of a spilled table. Strings already
// returned stay valid.
func (t *sharedStrings) close() {
	if t == nil || t.sp == nil || t.sp.f == nil {
		return
	}
	t.sp.f.Close()
	if t.sp.name != "" {
		os.Remove(t.sp.name)
	}
	t.sp.f = nil
	if t.sp.err == nil {
		t.sp.err = errors.New("shared strings: reader closed")
	}
}

// sstBuilder packs strings into chunks and spills them once the table
// outgrows the memory limit.
type sstBuilder struct {
	t         sharedStrings
	lim       Limits
	cur       []byte // the chunk being filled
	pending   bool   // strings were added to cur since the last flush
	chunkSize int    // sstChunkSize, less for a small table
	limit     int    // spill beyond this many bytes of text
	total     int
	w         *bufio.Writer // spilled: writes t.sp.f
	noSpill   bool          // the temporary file could not be created
	want      int           // stop once the table holds this many strings (0: at the part's end)
}

// enough says the table holds the strings wanted of it (never with want 0: all of them).
func (b *sstBuilder) enough() bool { return b.want > 0 && b.t.len() >= b.want }

// add appends a string to the table; a string too long or not UTF-8 is
// stored empty and marked bad (see sharedStrings.bad).
func (b *sstBuilder) add(s []byte, tooLong bool) error {
	if len(b.t.locs) >= b.lim.MaxSharedStrings {
		return fmt.Errorf("more than %d shared strings (limit --%s)", b.lim.MaxSharedStrings, FlagMaxSharedStrings)
	}
	switch {
	case tooLong || len(s) > b.lim.MaxCellBytes:
		b.markBad(sstTooLong)
		s = nil
	case !utf8.Valid(s):
		b.markBad(sstInvalidUTF8)
		s = nil
	}
	if len(b.cur) > 0 && len(b.cur)+len(s) > b.chunkSize {
		if err := b.flush(); err != nil {
			return err
		}
	}
	if len(b.t.chunks) >= sstMaxChunks {
		return fmt.Errorf("shared strings: more than %d chunks", sstMaxChunks)
	}
	b.t.locs = append(b.t.locs, uint32(len(b.t.chunks))<<sstOffBits|uint32(len(b.cur)))
	b.cur = append(b.cur, s...)
	b.pending = true
	b.total += len(s)
	if b.total > b.lim.MaxSharedStringBytes {
		return fmt.Errorf("shared strings longer than %d bytes together (limit --%s)", b.lim.MaxSharedStringBytes, FlagMaxSharedStringBytes)
	}
	if len(b.cur) >= b.chunkSize { // full, or one long string: close it
		return b.flush()
	}
	return nil
}

// flush closes the current chunk: into memory, or to the temporary file
// once the table is spilled.
func (b *sstBuilder) flush() error {
	if !b.pending {
		return nil
	}
	if b.t.sp == nil && !b.noSpill && b.total > b.limit {
		if err := b.spill(); err != nil {
			return err
		}
	}
	if sp := b.t.sp; sp != nil {
		if _, err := b.w.Write(b.cur); err != nil {
			return fmt.Errorf("shared strings: writing the temporary file: %w", err)
		}
		end := int64(len(b.cur))
		if n := len(sp.ends); n > 0 {
			end += sp.ends[n-1]
		}
		sp.ends = append(sp.ends, end)
		sp.ref = append(sp.ref, false)
		b.t.chunks = append(b.t.chunks, "")
	} else {
		b.t.chunks = append(b.t.chunks, string(b.cur))
	}
	b.pending = false
	if cap(b.cur) > 2*b.chunkSize {
		b.cur = nil // a long string's buffer
	} else {
		b.cur = b.cur[:0]
	}
	return nil
}

// spill moves the table to a temporary file. The chunks built so far are
// written too but stay resident: they are the cache's first content (and
// hold the strings used earliest, typically the most used ones).
func (b *sstBuilder) spill() error {
	f, err := os.CreateTemp("", "sdetl-sst-*")
	if err != nil {
		b.noSpill = true // keep going in memory rather than fail
		return nil
	}
	sp := &sstSpill{f: f, budget: b.limit}
	if os.Remove(f.Name()) != nil {
		sp.name = f.Name() // removed by close instead
	}
	b.t.sp = sp
	b.w = bufio.NewWriterSize(f, 256<<10)
	var end int64
	for i, c := range b.t.chunks {
		if _, err := b.w.WriteString(c); err != nil {
			return fmt.Errorf("shared strings: writing the temporary file: %w", err)
		}
		end += int64(len(c))
		sp.ends = append(sp.ends, end)
		sp.ref = append(sp.ref, false)
		if c != "" {
			sp.ring = append(sp.ring, uint32(i))
			sp.used += len(c)
		}
	}
	return nil
}

// done is the finished table of part f.
func (b *sstBuilder) done(f *zip.File) (*sharedStrings, error) {
	if err := b.finish(); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return &b.t, nil
}

// finish flushes the last chunk.
func (b *sstBuilder) finish() error {
	if err := b.flush(); err != nil {
		return err
	}
	b.cur = nil
	if b.w != nil {
		if err := b.w.Flush(); err != nil {
			return fmt.Errorf("shared strings: writing the temporary file: %w", err)
		}
		b.w = nil
	}
	return nil
}

func (b *sstBuilder) markBad(p sstProblem) {
	if b.t.bad == nil {
		b.t.bad = map[int]sstProblem{}
	}
	b.t.bad[len(b.t.locs)] = p
}

// problem is the error of a cell that references shared string i, or nil.
func (t *sharedStrings) problem(i int, lim Limits) error {
	switch t.bad[i] {
	case sstTooLong:
		return limitErr(fmt.Sprintf("shared string %d", i), int64(lim.MaxCellBytes), FlagMaxCellBytes)
	case sstInvalidUTF8:
		return fmt.Errorf("shared string %d is not valid UTF-8", i)
	}
	return nil
}

// readSST parses the shared strings part: each <si> is the concatenation of
// its <t> texts (plain or rich-text runs), phonetic runs (<rPh>) excluded,
// with _xHHHH_ escapes decoded.
func readSST(f *zip.File, lim Limits) (*sharedStrings, error) {
	return readSSTPrefix(f, lim, 0)
}

// readSSTPrefix is readSST of the table's first want strings only (0: all of them), for a
// reader that needs no more (OpenPrefix): the rest of the part is not read.
func readSSTPrefix(f *zip.File, lim Limits, want int) (*sharedStrings, error) {
	b := sstBuilder{limit: sstMemLimit, lim: lim, want: want}
	if f == nil {
		return &b.t, nil
	}
	rc, err := openPart(f, maxSSTSize)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	src, stop := readAhead(rc, f.UncompressedSize64)
	defer stop()
	t, err := b.parse(f, src)
	if err != nil {
		b.t.close()
		return nil, err
	}
	return t, nil
}

func (b *sstBuilder) parse(f *zip.File, rc io.Reader) (*sharedStrings, error) {
	b.chunkSize = int(min(max(f.UncompressedSize64, 4<<10), sstChunkSize))
	s := newScanner(rc, f.UncompressedSize64)
	s.skipText = true
	var text []byte // the current <si>
	inSI, inT, rph, tooLong := false, false, 0, false
	for {
		if err := s.next(); err != nil {
			return nil, fmt.Errorf("%s: shared string %d: %w", f.Name, b.t.len(), explain(err))
		}
		switch s.kind {
		case tokEOF:
			return b.done(f)
		case tokText:
			if tooLong {
				break
			}
			// Measured before _xHHHH_ decoding (which only shortens), so that
			// a string past the limit is never held whole.
			if text = appendText(text, s.text, s.cdata); len(text) > b.lim.MaxCellBytes {
				tooLong, text = true, nil
			}
		case tokStart, tokEmpty:
			switch string(s.name) {
			case "sst":
				if b.t.locs == nil {
					b.t.locs = make([]uint32, 0, min(sstCountHint(s.attrs, f.UncompressedSize64), b.lim.MaxSharedStrings))
				}
			case "si":
				inSI, inT, rph, text, tooLong = true, false, 0, text[:0], false
				if s.kind == tokEmpty {
					if err := b.add(nil, false); err != nil {
						return nil, fmt.Errorf("%s: %w", f.Name, err)
					}
					inSI = false
				}
				if b.enough() {
					return b.done(f)
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
					if err := b.add(decodeXInPlace(text), tooLong); err != nil {
						return nil, fmt.Errorf("%s: %w", f.Name, err)
					}
					if b.enough() {
						return b.done(f)
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

// sstCountHint is the number of strings the <sst> element announces
// (uniqueCount), to size the index once; bounded by what the part could
// hold (an empty <si/> is 5 bytes), so a lying header costs nothing.
func sstCountHint(attrs []byte, partSize uint64) int {
	for {
		name, val, rest, ok := nextAttr(attrs)
		if !ok {
			return 0
		}
		attrs = rest
		if string(name) == "uniqueCount" {
			n, ok := atoi(val)
			if !ok {
				return 0
			}
			return int(min(uint64(n), partSize/5))
		}
	}
}
