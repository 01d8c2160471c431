package main

import (
	"github.com/sdetl/sdetl/internal/csvfile"
	"github.com/sdetl/sdetl/internal/exports"
	"github.com/sdetl/sdetl/internal/xlsx"
)

// withLimits registers the readers' limits as flags (named by the readers, so that their errors
// name the flag to raise) and returns where the parsed values land.
func (f *flags) withLimits() *exports.Limits {
	l := &exports.Limits{CSV: csvfile.DefaultLimits, XLSX: xlsx.DefaultLimits}
	f.IntVar(&l.CSV.MaxFieldBytes, csvfile.FlagMaxFieldBytes, l.CSV.MaxFieldBytes, "CSV: refuse a field longer than this many bytes")
	f.IntVar(&l.CSV.MaxRecordBytes, csvfile.FlagMaxRecordBytes, l.CSV.MaxRecordBytes, "CSV: refuse a record longer than this many bytes as written")
	f.IntVar(&l.XLSX.MaxCellBytes, xlsx.FlagMaxCellBytes, l.XLSX.MaxCellBytes, "XLSX: refuse a cell value longer than this many bytes")
	f.IntVar(&l.XLSX.MaxRowBytes, xlsx.FlagMaxRowBytes, l.XLSX.MaxRowBytes, "XLSX: refuse a row whose values are longer than this many bytes together")
	f.IntVar(&l.XLSX.MaxSharedStrings, xlsx.FlagMaxSharedStrings, l.XLSX.MaxSharedStrings, "XLSX: refuse a workbook with more shared strings")
	f.IntVar(&l.XLSX.MaxSharedStringBytes, xlsx.FlagMaxSharedStringBytes, l.XLSX.MaxSharedStringBytes, "XLSX: refuse a workbook whose shared strings are longer together")
	f.IntVar(&l.XLSX.MaxExpansion, xlsx.FlagMaxExpansion, l.XLSX.MaxExpansion, "XLSX: refuse a sheet whose values total more than this multiple of its uncompressed size (at least 64 MiB)")
	return l
}
