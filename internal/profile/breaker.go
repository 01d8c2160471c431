package profile

import (
	"fmt"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/outcome"
)

// Breaker is the circuit breaker's verdict: halt the run, changing nothing downstream, when
// the data does not look like its contract.
type Breaker struct {
	Halt  bool   `json:"halt"`
	Trips []Trip `json:"trips"`
}

// Breaker rules.
const (
	TripMismatchColumns = "mismatch_columns"      // too many of a table's columns mismatch their contract
	TripDateUnparseable = "date_unparseable"      // too many values of a date/timestamp/time column do not parse
	TripDateUnresolved  = "date_order_unresolved" // a date column's order is unresolved and nothing in the file decides it
)

// UnresolvedMessage is the one line that says a column's date order is unresolved and how to
// set it.
func UnresolvedMessage(table string, c *ColumnReport) string {
	ex := ""
	if c.DateOrder.Example != "" {
		ex = fmt.Sprintf(" (e.g. %q)", c.DateOrder.Example)
	}
	return fmt.Sprintf("%s.%s: date order unresolved: every d/m value has day and month <= 12%s and no other date column of the file decides; "+
		"set date_order: dmy or mdy on the column in the contract (or a format such as DD/MM/YYYY)", table, c.Name, ex)
}

// Trip is one reason to halt.
type Trip struct {
	Rule      string   `json:"rule"`
	Table     string   `json:"table"`
	Columns   []string `json:"columns"`
	Share     float64  `json:"share"`
	Threshold float64  `json:"threshold"`
	Message   string   `json:"message"`
	Examples  []string `json:"examples,omitempty"` // "column: value"
}

// Err returns nil when the run may go on, else an error naming every trip.
func (b *Breaker) Err() error {
	if !b.Halt {
		return nil
	}
	msgs := make([]string, len(b.Trips))
	for i, t := range b.Trips {
		msgs[i] = t.Message
	}
	return fmt.Errorf("%w: %s", outcome.ErrBreaker, strings.Join(msgs, "; "))
}

// decide trips when more than mismatch_columns of a table's contracted columns mismatch (per
// table, so a shifted or swapped block of columns in one export cannot hide among the other
// tables' columns), or when more than date_unparseable of any contracted date/timestamp/time
// column's non-null values do not parse.
func decide(s *contract.Spec, tables []*TableReport) Breaker {
	th := s.Profile
	b := Breaker{Trips: []Trip{}}
	for _, tr := range tables {
		if n := len(tr.Columns); n > 0 {
			share := float64(tr.Mismatches) / float64(n)
			if share > th.MismatchColumns {
				t := Trip{Rule: TripMismatchColumns, Table: tr.Table, Share: share, Threshold: th.MismatchColumns}
				for _, c := range tr.Columns {
					if c.Mismatch {
						t.Columns = append(t.Columns, c.Name)
						t.Examples = appendExamples(t.Examples, c)
					}
				}
				t.Message = fmt.Sprintf("%s: %d of %d columns (%s) mismatch their contract, more than %s: %v",
					tr.Table, tr.Mismatches, n, pct(share), pct(th.MismatchColumns), t.Columns)
				b.Trips = append(b.Trips, t)
			}
		}
		for _, c := range tr.Columns {
			switch c.ContractType {
			case contract.Date, contract.Timestamp, contract.Timestamptz, contract.Time:
			default:
				continue
			}
			if o := c.DateOrder; o != nil && o.Basis == BasisUnresolved && c.ContractType.IsDated() {
				b.Trips = append(b.Trips, Trip{Rule: TripDateUnresolved, Table: tr.Table, Columns: []string{c.Name},
					Message: UnresolvedMessage(tr.Table, c)})
			}
			if c.NonNull == 0 {
				continue
			}
			share := float64(c.Unparseable) / float64(c.NonNull)
			if share > th.DateUnparseable {
				b.Trips = append(b.Trips, Trip{Rule: TripDateUnparseable, Table: tr.Table, Columns: []string{c.Name},
					Share: share, Threshold: th.DateUnparseable, Examples: appendExamples(nil, c),
					Message: fmt.Sprintf("%s.%s: %d of %d values (%s) are not a %s, more than %s",
						tr.Table, c.Name, c.Unparseable, c.NonNull, pct(share), c.ContractType, pct(th.DateUnparseable))})
			}
		}
	}
	b.Halt = len(b.Trips) > 0
	return b
}

func appendExamples(xs []string, c *ColumnReport) []string {
	for _, e := range c.Examples {
		if len(xs) == maxExamples {
			break
		}
		xs = append(xs, c.Name+": "+e)
	}
	return xs
}
