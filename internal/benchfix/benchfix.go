// Package benchfix loads the fixtures the packages' micro-benchmarks share: today the event-log
// export (cmd/sdetl-bench eventlog) with its drafted contract, named by environment variables so
// that a plain `go test ./...` skips those benchmarks instead of needing a generated file.
package benchfix

import (
	"encoding/csv"
	"os"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

// EventLog reads the event-log fixture (SDETL_BENCH_EVX, e.g. /tmp/evx/incident_event_log.csv)
// and its contract (SDETL_BENCH_SPEC, e.g. /tmp/evx.yaml), skipping tb without them: the
// contract, its table and every row's raw values in the table's column order.
func EventLog(tb testing.TB) (*contract.Spec, *contract.Table, [][]string) {
	tb.Helper()
	path, specPath := os.Getenv("SDETL_BENCH_EVX"), os.Getenv("SDETL_BENCH_SPEC")
	if path == "" || specPath == "" {
		tb.Skip("SDETL_BENCH_EVX and SDETL_BENCH_SPEC not set")
	}
	s, err := contract.Load(specPath)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	t := s.Tables[0]
	head := map[string]int{}
	for i, h := range recs[0] {
		head[h] = i
	}
	rows := make([][]string, 0, len(recs)-1)
	for _, r := range recs[1:] {
		row := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			row[i] = r[head[c.Name]]
		}
		rows = append(rows, row)
	}
	return s, t, rows
}
