package reconcile

import (
	"testing"

	"github.com/sdetl/sdetl/internal/benchfix"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// BenchmarkTableAccEventLog feeds the event-log fixture's rows, normalised to canonical text,
// to a TableAcc as the clean measures and the load's read-back do:
// SDETL_BENCH_EVX=/tmp/evx/incident_event_log.csv and SDETL_BENCH_SPEC=/tmp/evx.yaml, skipped
// without them.
func BenchmarkTableAccEventLog(b *testing.B) {
	s, t, recs := benchfix.EventLog(b)
	norm := values.NewNormalizer(s.Sentinels)
	var names []string
	var types []contract.Type
	for _, c := range t.Columns {
		names, types = append(names, c.Name), append(types, c.Type)
	}
	rows := make([][]*string, 0, len(recs))
	for _, r := range recs {
		row := make([]*string, len(t.Columns))
		for i, c := range t.Columns {
			if v, err := norm.NormalizeColumn(c, r[i]); err == nil && !v.Null {
				row[i] = &v.Value
			}
		}
		rows = append(rows, row)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		a := NewTableAcc(names, types)
		for _, row := range rows {
			if err := a.Add(row); err != nil {
				b.Fatal(err)
			}
		}
	}
}
