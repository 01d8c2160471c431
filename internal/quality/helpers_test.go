package quality

import (
	"os"
	"testing"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// A small contract with every kind of rule, and thresholds small enough to hit by hand.
const miniSpec = `
name: mini
schema: mini
sentinels: ["nan", "-"]
tables:
  - name: tickets
    key: [id]
    columns:
      - {name: id, type: integer}
      - {name: created, type: timestamp, required: true}
      - {name: closed, type: timestamp}
      - {name: month, type: month}
      - {name: met, type: flag}
      - {name: title, type: text}
  - name: comments
    key: [id]
    columns:
      - {name: id, type: integer}
      - {name: ticket, type: integer, required: true}
      - {name: body, type: text}
    derived:
      - {name: public, type: boolean, from: body, map: {"hello": "true"}}
  - name: hours
    key: [user, day]
    columns:
      - {name: user, type: text}
      - {name: day, type: date}
      - {name: from, type: time}
      - {name: hours, type: decimal}
      - {name: crm, type: integer}
  - name: roster
    optional: true
    columns:
      - {name: username, type: text, required: true}
quality:
  completeness:
    - {table: comments, column: body, min: 0.95}
    - {table: hours, column: hours, min: 0.995}
  zero_ids: [{table: hours, column: crm}]
  ranges: [{table: hours, column: hours, min: 0, min_exclusive: true, max: 24}]
  order: [{table: tickets, columns: [created, closed]}]
  references:
    - {table: comments, column: ticket, to: tickets, to_column: id, max: 0.05}
    - {table: hours, column: crm, to: tickets, to_column: id, min: 0.85, max: 0.95, info: true}
  shares: [{name: admin, table: hours, column: crm, value: "0", min: 0.1, max: 0.3}]
  text: {max_length: 50, max_newline_run: 5, truncation_lengths: [10], ellipsis_min_length: 12}
`

func mini(t *testing.T) *contract.Spec {
	t.Helper()
	s, err := contract.Parse([]byte(miniSpec))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// now is the fixed clock of the tests: the date window is [2020-01-01, 2025-08-31 12:00:00].
var now = time.Date(2025, 8, 1, 12, 0, 0, 0, time.UTC)

// perfect returns metrics under which every rule of s scores 1: rows rows per table, every
// value populated and valid, 90% timesheet-style orphans and 20% admin share.
func perfect(s *contract.Spec, rows int64) *Metrics {
	m := &Metrics{Source: "test", Tables: map[string]*TableMetrics{}, Orders: map[string]*OrderMetrics{},
		Refs: map[string]*RefMetrics{}, Shares: map[string]*ShareMetrics{}}
	for _, t := range s.Tables {
		tm := &TableMetrics{Rows: rows, Cols: map[string]*ColumnMetrics{}}
		for _, c := range t.Columns {
			tm.Columns = append(tm.Columns, c.Name)
			tm.Cols[c.Name] = &ColumnMetrics{NonNull: rows}
		}
		if len(t.Key) > 0 {
			tm.Keys = &KeyMetrics{Keyed: rows}
		}
		m.Tables[t.Name] = tm
	}
	for _, o := range s.Quality.Order {
		m.Orders[OrderKey(o)] = &OrderMetrics{Compared: rows}
	}
	for _, r := range s.Quality.References {
		rm := &RefMetrics{Values: rows}
		if r.Info {
			rm.Orphans = rows * 9 / 10
		}
		m.Refs[RefKey(r)] = rm
	}
	for _, sh := range s.Quality.Shares {
		m.Shares[sh.Name] = &ShareMetrics{Values: rows, Matches: rows / 5}
	}
	return m
}

func rule(r *Report, id string) *RuleResult {
	for i := range r.Rules {
		if r.Rules[i].ID == id {
			return &r.Rules[i]
		}
	}
	return nil
}
