package reconcile

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// RowHash is a row text's 64-bit hash: PostgreSQL's hash_bytes_extended with seed 0 (Bob
// Jenkins' lookup3, src/common/hashfn.c), the function behind hashtextextended(text, 0) for a
// deterministic collation, so the server computes the same per row without md5's cost. On a
// little-endian server (the byte order it reads the words in); a big-endian one gives other
// hashes, and the reconciliation then fails closed, naming the row hash.
func RowHash(text string) uint64 { return hashBytesExtended([]byte(text)) }

func hashBytesExtended(k []byte) uint64 {
	a := uint32(0x9e3779b9) + uint32(len(k)) + 3923095
	b, c := a, a
	for len(k) >= 12 {
		a += binary.LittleEndian.Uint32(k)
		b += binary.LittleEndian.Uint32(k[4:])
		c += binary.LittleEndian.Uint32(k[8:])
		a, b, c = mix(a, b, c)
		k = k[12:]
	}
	// The last 0-11 bytes; the lowest byte of c is left for the length (already added).
	switch len(k) {
	case 11:
		c += uint32(k[10]) << 24
		fallthrough
	case 10:
		c += uint32(k[9]) << 16
		fallthrough
	case 9:
		c += uint32(k[8]) << 8
		fallthrough
	case 8:
		b += uint32(k[7]) << 24
		fallthrough
	case 7:
		b += uint32(k[6]) << 16
		fallthrough
	case 6:
		b += uint32(k[5]) << 8
		fallthrough
	case 5:
		b += uint32(k[4])
		fallthrough
	case 4:
		a += uint32(k[3]) << 24
		fallthrough
	case 3:
		a += uint32(k[2]) << 16
		fallthrough
	case 2:
		a += uint32(k[1]) << 8
		fallthrough
	case 1:
		a += uint32(k[0])
	}
	b, c = final(a, b, c)
	return uint64(b)<<32 | uint64(c)
}

func mix(a, b, c uint32) (uint32, uint32, uint32) {
	a -= c
	a ^= bits.RotateLeft32(c, 4)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 6)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 8)
	b += a
	a -= c
	a ^= bits.RotateLeft32(c, 16)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 19)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 4)
	b += a
	return a, b, c
}

func final(a, b, c uint32) (uint32, uint32) {
	c ^= b
	c -= bits.RotateLeft32(b, 14)
	a ^= c
	a -= bits.RotateLeft32(c, 11)
	b ^= a
	b -= bits.RotateLeft32(a, 25)
	c ^= b
	c -= bits.RotateLeft32(b, 16)
	a ^= c
	a -= bits.RotateLeft32(c, 4)
	b ^= a
	b -= bits.RotateLeft32(a, 14)
	c ^= b
	c -= bits.RotateLeft32(b, 24)
	return b, c
}

// RowsHash accumulates a table's row count and row hash alone (a TableAcc's Rows and Hash),
// from each row's values as bytes: PostgreSQL's own text renderings of a generation's values, as
// its driver hands them over, with nil for NULL (an empty value is an empty, non-nil slice).
type RowsHash struct {
	Rows int64
	sum  uint64
	buf  []byte
}

// Add adds one row.
func (h *RowsHash) Add(vals [][]byte) {
	h.Rows++
	b := h.buf[:0]
	for _, v := range vals {
		if v == nil {
			b = append(b, '-')
			continue
		}
		b = strconv.AppendInt(b, int64(utf8.RuneCount(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
	}
	h.buf = b
	h.sum += hashBytesExtended(b)
}

// Hash is the rows' hash, as Table.Hash.
func (h *RowsHash) Hash() string { return strconv.FormatUint(h.sum, 10) }
