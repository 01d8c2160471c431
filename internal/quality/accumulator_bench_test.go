package quality

import (
	"testing"

	"github.com/sdetl/sdetl/internal/benchfix"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// BenchmarkAccumulatorEventLog feeds the event-log fixture's rows (raw, as the stage score
// sees them) to an accumulator: SDETL_BENCH_EVX=/tmp/evx/incident_event_log.csv and
// SDETL_BENCH_SPEC=/tmp/evx.yaml, skipped without them.
func BenchmarkAccumulatorEventLog(b *testing.B) {
	s, t, rows := benchfix.EventLog(b)
	benchAccumulator(b, s, t, rows)
}

// BenchmarkAccumulatorEventLogClean is BenchmarkAccumulatorEventLog over the rows' canonical
// text (NULL as ""), as the clean score and the generation's score see them.
func BenchmarkAccumulatorEventLogClean(b *testing.B) {
	s, t, rows := benchfix.EventLog(b)
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
	benchAccumulator(b, s, t, rows)
}

// benchAccumulator times a fresh accumulator fed every row.
func benchAccumulator(b *testing.B, s *contract.Spec, t *contract.Table, rows [][]string) {
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
