// Package xlsx owns sdetl's XLSX I/O: a fast streaming reader for the first
// worksheet of a workbook and the minimal streaming writer the synthetic
// export generator uses. Standard library only, but for the inflating of the
// parts read (klauspost/compress/flate: a quarter less CPU than compress/flate).
//
// The reader returns every value as text (numbers exactly as stored, dates
// resolved through the workbook's styles to ISO text) together with its
// CellKind; it never evaluates formulas. It streams the sheet with a small
// hand-written XML scanner instead of encoding/xml, which is several times
// slower, and keeps only the shared string table in memory: up to 32 MiB of
// its text, beyond which the table is spilled to an unlinked temporary file
// (in os.TempDir) and read back through a cache of that size. The sheet is
// inflated by a goroutine a few buffers ahead of the parser, so the two
// overlap on a machine with a spare core.
//
// The writer produces one worksheet named "Sheet1", deterministically (same
// rows, same bytes), with shared strings, inline strings for long texts and
// date cells styled dd/mm/yyyy hh:mm:ss, dd/mm/yyyy or hh:mm:ss.
//
// Text that XML 1.0 cannot carry uses Excel's _xHHHH_ escape in both
// directions, so any valid UTF-8 string (NUL, CR LF, a literal "_x0041_")
// survives a round trip.
package xlsx
