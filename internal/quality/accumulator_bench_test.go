package quality

import (
	"encoding/csv"
	"os"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// BenchmarkAccumulatorEventLog feeds the event-log fixture's rows (raw, as the stage score
// sees them) to an accumulator: SDETL_BENCH_EVX=/tmp/evx/incident_event_log.csv and
// SDETL_BENCH_SPEC=/tmp/evx.yaml, skipped without them.
func BenchmarkAccumulatorEventLog(b *testing.B) {
	s, t, rows := eventLogRows(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		a := newAccumulator(s, t, now)
		for _, row := range rows {
			if err := a.add(row); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkAccumulatorEventLogClean is BenchmarkAccumulatorEventLog over the rows' canonical
// text (NULL as ""), as the clean score and the generation's score see them.
func BenchmarkAccumulatorEventLogClean(b *testing.B) {
	s, t, rows := eventLogRows(b)
	norm := values.NewNormalizer(s.Sentinels)
	for _, row := range rows {
		for i, c := range t.Columns {
			r, err := norm.NormalizeColumn(c, row[i])
			if err != nil {
				r = values.Result{}
			}
			row[i] = r.Value
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		a := newAccumulator(s, t, now)
		for _, row := range rows {
			if err := a.add(row); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// eventLogRows reads the event-log fixture's rows as the contract's columns (skipping the
// benchmark without the fixture).
func eventLogRows(b *testing.B) (*contract.Spec, *contract.Table, [][]string) {
	path, specPath := os.Getenv("SDETL_BENCH_EVX"), os.Getenv("SDETL_BENCH_SPEC")
	if path == "" || specPath == "" {
		b.Skip("SDETL_BENCH_EVX and SDETL_BENCH_SPEC not set")
	}
	s, err := contract.Load(specPath)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		b.Fatal(err)
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
