package specdraft

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/csvfile"
	"github.com/sdetl/sdetl/internal/inputfile"
)

// Encodings: a CSV export is read as UTF-8 unless --encoding says otherwise or its bytes do. A
// UTF-16 byte-order mark decides UTF-16; bytes that are not UTF-8 make the draft propose
// Windows-1252 (what a Windows program's "ANSI" export is), with the evidence beside it: the
// first byte that is not UTF-8, how many bytes lie in 0x80-0x9F (Windows-1252's punctuation,
// control characters in ISO-8859-1) and which characters they read as. Bytes Windows-1252
// leaves undefined make it ISO-8859-1 instead, flagged for a check.

// encodingFor is the encoding to read path in before its bytes have been seen: --encoding,
// else UTF-16 by a byte-order mark, else UTF-8, with a note for the draft when not UTF-8.
func encodingFor(path, forced string) (enc, note string, err error) {
	if forced != "" {
		if enc, err = csvfile.NormalizeEncoding(forced); err != nil {
			return "", "", err
		}
		return enc, fmt.Sprintf("read as %s (--encoding)", enc), nil
	}
	if !strings.EqualFold(filepath.Ext(path), ".csv") {
		return csvfile.UTF8, "", nil
	}
	f, err := inputfile.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	head := make([]byte, 2)
	n, _ := io.ReadFull(f, head)
	switch bom := csvfile.BOMEncoding(head[:n]); bom {
	case csvfile.UTF16LE, csvfile.UTF16BE:
		return csvfile.UTF16, fmt.Sprintf("UTF-16 (%s): the file starts with its byte-order mark", strings.ToUpper(strings.TrimPrefix(bom, "utf-16"))), nil
	}
	return csvfile.UTF8, "", nil
}

// notUTF8 reports whether err is invalid UTF-8 in a file read as UTF-8, and where.
func notUTF8(err error) (*csvfile.Error, bool) {
	var e *csvfile.Error
	if errors.Is(err, csvfile.ErrInvalidUTF8) && errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// byteEvidence reads path's bytes for the code page they are in: those outside ASCII, those
// in 0x80-0x9F with the characters Windows-1252 reads them as, and those it leaves undefined.
func byteEvidence(ctx context.Context, path string) (high, c1, undefined int64, chars []string, err error) {
	f, err := inputfile.Open(path)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(inputfile.Reader(ctx, f), 64<<10)
	var seen [256]bool
	buf := make([]byte, 64<<10)
	for {
		n, rerr := br.Read(buf)
		for _, b := range buf[:n] {
			if b < 0x80 {
				continue
			}
			high++
			if b > 0x9F {
				continue
			}
			c1++
			switch b {
			case 0x81, 0x8D, 0x8F, 0x90, 0x9D: // no character in Windows-1252
				undefined++
			default:
				if !seen[b] && len(chars) < 5 {
					chars = append(chars, fmt.Sprintf("0x%02X %s", b, windows1252C1[b-0x80]))
				}
			}
			seen[b] = true
		}
		if rerr == io.EOF {
			return high, c1, undefined, chars, nil
		}
		if rerr != nil {
			return 0, 0, 0, nil, rerr
		}
	}
}

// windows1252C1 are the characters Windows-1252 puts at 0x80-0x9F ("" where it has none).
var windows1252C1 = [32]string{"€", "", "‚", "ƒ", "„", "…", "†", "‡", "ˆ", "‰", "Š", "‹", "Œ", "", "Ž", "",
	"", "‘", "’", "“", "”", "•", "–", "—", "˜", "™", "š", "›", "œ", "", "ž", "Ÿ"}

// codePage proposes the code page of a file that is not UTF-8, from its bytes, and says why.
func codePage(ctx context.Context, path string, first *csvfile.Error) (enc, note string, err error) {
	high, c1, undefined, chars, err := byteEvidence(ctx, path)
	if err != nil {
		return "", "", err
	}
	where := fmt.Sprintf("not UTF-8 (line %d, byte %d is the first invalid one; %s outside ASCII)", first.Line, first.Column, plural(high, "byte"))
	switch {
	case undefined > 0:
		return csvfile.ISO88591, fmt.Sprintf("%s: %s Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D), so read as iso-8859-1, where 0x80-0x9F are control characters — check this: the file may be in another code page (encoding: in docs/spec-format.md)",
			where, plural(undefined, "byte")), nil
	case c1 > 0:
		return csvfile.Windows1252, fmt.Sprintf("%s: %s in 0x80-0x9F, Windows-1252's punctuation (%s), so read as windows-1252",
			where, plural(c1, "byte"), strings.Join(chars, ", ")), nil
	}
	return csvfile.Windows1252, fmt.Sprintf("%s: none in 0x80-0x9F, so windows-1252 and iso-8859-1 read it alike; read as windows-1252", where), nil
}

// scanEncoded scans path in the encoding encodingFor decides; a file that turns out not to be
// UTF-8 is scanned again, from the start, in the code page its bytes propose.
func scanEncoded(ctx context.Context, path, forced string, sentinels []string, order contract.DateOrder, progress func(string, int)) (*scanned, string, error) {
	enc, note, err := encodingFor(path, forced)
	if err != nil {
		return nil, "", err
	}
	sc, err := scanFile(ctx, path, enc, sentinels, order, progress)
	if first, bad := notUTF8(err); bad && forced == "" {
		if enc, note, err = codePage(ctx, path, first); err != nil {
			return nil, "", err
		}
		sc, err = scanFile(ctx, path, enc, sentinels, order, progress)
	}
	return sc, note, err
}
