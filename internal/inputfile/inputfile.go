// Package inputfile opens export files for reading. It owns two rules every reader of an export
// follows: only regular files are read (a symlink is resolved and its target checked), so that a
// FIFO, a device such as /dev/zero or a directory named like an export is refused at once instead
// of hanging the import or feeding it bytes forever; and every long read stops when its context is
// cancelled, so SIGINT and SIGTERM end an import promptly.
package inputfile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"syscall"
	"unicode"
)

// Open opens path for reading if it is a regular file (after resolving symlinks). The file is
// opened non-blocking, so even a FIFO swapped in between the check and the open cannot block, and
// then checked again through the open descriptor.
func Open(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err // *PathError names the file
	}
	if err := regular(path, fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	got, err := f.Stat()
	if err == nil {
		err = regular(path, got)
	}
	if err == nil && !os.SameFile(fi, got) {
		err = fmt.Errorf("%s: changed while being opened", Display(path))
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func regular(path string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	return fmt.Errorf("%s: not a regular file (%s); sdetl reads exports only from regular files", Display(path), kind(fi.Mode()))
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

// Display is path as it may be printed on a terminal: unchanged when every character is
// printable, else Go-quoted (%q), so that a file name carrying ANSI escape sequences or other
// control characters cannot rewrite the operator's screen.
func Display(path string) string {
	for _, r := range path {
		if !unicode.IsPrint(r) || r == unicode.ReplacementChar {
			return strconv.Quote(path)
		}
	}
	return path
}

// Reader returns r reading only while ctx is not done: a read after cancellation returns
// ctx.Err(). The check is one atomic load per read, so wrap a reader whose reads are large
// (a file under a bufio.Reader), not one called per byte.
func Reader(ctx context.Context, r io.Reader) io.Reader {
	if ctx.Done() == nil {
		return r // never cancelled
	}
	return &ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// ReaderAt is Reader for an io.ReaderAt (what archive/zip reads a workbook through).
func ReaderAt(ctx context.Context, r io.ReaderAt) io.ReaderAt {
	if ctx.Done() == nil {
		return r
	}
	return &ctxReaderAt{ctx: ctx, r: r}
}

type ctxReaderAt struct {
	ctx context.Context
	r   io.ReaderAt
}

func (c *ctxReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.ReadAt(p, off)
}

// SHA256 returns the SHA-256 (hex) and size of a regular file, stopping when ctx is done: it is
// the first read of every export, so a FIFO or /dev/zero must be refused here, not hang it.
func SHA256(ctx context.Context, path string) (string, int64, error) {
	h := sha256.New()
	n, err := Hash(ctx, path, h)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Hash reads the regular file at path once, feeding every byte to each of hs, and returns its
// size, stopping when ctx is done. Each hash past the first runs on a goroutine of its own
// while the next block is read, so on two cores SHA-256 and MD5 together cost what the slower
// of them does, and the file is read once, not once per hash.
func Hash(ctx context.Context, path string, hs ...hash.Hash) (int64, error) {
	f, err := Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := hashAll(Reader(ctx, f), hs)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", Display(path), err)
	}
	return n, nil
}

// hashAll is Hash's loop: two buffers, so the next block is read while the others hash this one.
func hashAll(r io.Reader, hs []hash.Hash) (int64, error) {
	if len(hs) == 0 {
		return io.Copy(io.Discard, r)
	}
	const block = 1 << 20
	bufs := [2][]byte{make([]byte, block), make([]byte, block)}
	type job struct {
		b    []byte
		done *sync.WaitGroup
	}
	var work []chan job
	for _, h := range hs[1:] {
		ch := make(chan job)
		work = append(work, ch)
		go func() {
			for j := range ch {
				h.Write(j.b)
				j.done.Done()
			}
		}()
	}
	defer func() {
		for _, ch := range work {
			close(ch)
		}
	}()
	var total int64
	var pending sync.WaitGroup // the other hashes' hold on the previous block
	for i := 0; ; i++ {
		b := bufs[i%2]
		n, err := io.ReadFull(r, b)
		pending.Wait() // until then the other buffer may still be read: this one is free
		if n > 0 {
			total += int64(n)
			pending.Add(len(work))
			for _, ch := range work {
				ch <- job{b[:n], &pending}
			}
			hs[0].Write(b[:n])
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			pending.Wait()
			return total, nil
		}
		if err != nil {
			pending.Wait()
			return total, err
		}
	}
}
