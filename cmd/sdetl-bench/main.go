// Command sdetl-bench measures sdetl's components against a peer in the same
// run and prints the ratios (see docs/benchmarks.md).
//
//	sdetl-bench xlsx [-n 3] [-json] FILE.xlsx [FILE.xlsx...]
//	sdetl-bench load [-scale 1] [-runs 3] [-json]
//	sdetl-bench pipeline [-runs 3] [-scales 1,2,4] [-raw] [-json FILE]
//
// compares sdetl's streaming XLSX reader with excelize's streaming reader
// (formatted and raw values) and with the floor, inflating the sheet XML
// only. Every measurement runs in its
// own child process (this binary, re-executed in a hidden mode) so that the
// peak RSS reported is that of one reader alone.
//
// load loads the same clean store into a throwaway PostgreSQL with sdetl,
// pgloader and psql \copy (the COPY floor) and prints the ratios.
//
// pipeline times the whole `sdetl run` (a child process) on an event-log fixture
// and on the synthetic exports at several sizes, beside the typed \copy floor
// and pgloader.
//
// This command is the only place excelize is imported; sdetl itself does not
// depend on it.
package main

import (
	"fmt"
	"io"
	"os"
)

// childArg is the hidden first argument that turns the process into one
// measurement: sdetl-bench -child-measure READER FILE.
const childArg = "-child-measure"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == childArg {
		if err := child(args[1:], stdout); err != nil {
			fmt.Fprintln(stderr, "sdetl-bench child:", err)
			return 1
		}
		return 0
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "xlsx":
		return benchXLSX(args[1:], stdout, stderr)
	case "load":
		return benchLoad(args[1:], stdout, stderr)
	case "eventlog":
		return benchEventLog(args[1:], stdout, stderr)
	case "pipeline":
		return benchPipeline(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "sdetl-bench: unknown benchmark %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: sdetl-bench xlsx [-n N] [-json] [-q] [-readers inflate,sdetl,excelize,excelize-raw] FILE.xlsx [FILE.xlsx...]
       sdetl-bench xlsx -from REPORT.json

xlsx  reads the first sheet of every FILE with sdetl's reader (internal/xlsx),
      excelize's streaming reader (Rows + Columns, with formatted values and
      with raw values) and inflate only (the floor), each in its own child
      process, N times, and prints the medians and the ratios sdetl/excelize
      throughput and sdetl/inflate time. -json prints the full report
      (every run); -from prints a saved report's markdown.

`)
	loadUsage(w)
	fmt.Fprintln(w)
	pipelineUsage(w)
}
