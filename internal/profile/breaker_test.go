package profile

import (
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

func TestBreakerBoundaries(t *testing.T) {
	// table builds a table report of n text columns, the first `mismatched` of them mismatching,
	// plus one timestamp column with `bad` of 100 values unparseable.
	table := func(n, mismatched int, bad int64) *TableReport {
		tr := &TableReport{Table: "t"}
		for i := 0; i < n; i++ {
			c := &ColumnReport{Name: string(rune('a' + i)), ContractType: contract.Text, Support: 1}
			if i < mismatched {
				c.Mismatch, c.Examples = true, []string{"x"}
				tr.Mismatches++
			}
			tr.Columns = append(tr.Columns, c)
		}
		tr.Columns = append(tr.Columns, &ColumnReport{Name: "ts", ContractType: contract.Timestamp, NonNull: 100, Unparseable: bad})
		return tr
	}
	tests := []struct {
		name  string
		tr    *TableReport
		trips []string
	}{
		{"clean", table(9, 0, 0), nil},
		{"10% mismatch is allowed", table(9, 1, 0), nil},
		{"20% mismatch trips", table(4, 1, 0), []string{TripMismatchColumns}},
		{"20% unparseable is allowed", table(9, 0, 20), nil},
		{"21% unparseable trips", table(9, 0, 21), []string{TripDateUnparseable}},
		{"both", table(4, 1, 21), []string{TripMismatchColumns, TripDateUnparseable}},
	}
	s := contract.ServiceDesk()
	for _, tt := range tests {
		b := decide(s, []*TableReport{tt.tr})
		var got []string
		for _, tr := range b.Trips {
			got = append(got, tr.Rule)
		}
		if len(got) != len(tt.trips) || b.Halt != (len(tt.trips) > 0) || (b.Err() != nil) != b.Halt {
			t.Errorf("%s: trips %v halt %v, want %v", tt.name, got, b.Halt, tt.trips)
			continue
		}
		for i := range got {
			if got[i] != tt.trips[i] {
				t.Errorf("%s: trips %v, want %v", tt.name, got, tt.trips)
			}
		}
	}
}

func TestBreakerThresholdsFromSpec(t *testing.T) {
	s := contract.ServiceDesk()
	s.Profile.MismatchColumns = 0 // strict: any mismatch halts
	tr := &TableReport{Table: "t", Mismatches: 1, Columns: []*ColumnReport{{Name: "a", Mismatch: true}, {Name: "b"}}}
	if b := decide(s, []*TableReport{tr}); !b.Halt {
		t.Error("mismatch_columns 0 did not halt on one mismatch")
	}
}
