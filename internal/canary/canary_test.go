package canary

import (
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/profile"
)

const spec = `
name: t
schema: t
tables:
  - name: tickets
    key: [id]
    columns:
      - {name: id, type: integer}
      - {name: created, type: timestamp, required: true}
      - {name: status, type: text}
`

func fixture(t *testing.T) (*contract.Spec, *Expectation, *Observed) {
	t.Helper()
	s, err := contract.Parse([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	prof := &profile.Report{Tables: []*profile.TableReport{{Table: "tickets", Columns: []*profile.ColumnReport{
		{Name: "id", Rows: 1000, InferredType: "integer"},
		{Name: "created", Rows: 1000, Nulls: 40, InferredType: "timestamp", Min: "2025-01-01 00:00:00", Max: "2025-12-31 23:59:59"},
		{Name: "status", Rows: 1000, Nulls: 200, InferredType: "category"},
	}}}}
	pgType := func(ty contract.Type) string {
		return map[contract.Type]string{contract.Integer: "bigint", contract.Timestamp: "timestamp without time zone"}[ty] + map[bool]string{true: "text"}[ty == contract.Text]
	}
	e := Expect(s, prof, map[string]int{"tickets": 100}, pgType)
	o := &Observed{Tables: []TableObserved{{Table: "tickets", Rows: 100, Columns: []ColumnObserved{
		{Name: "id", Type: "bigint"},
		{Name: "created", Type: "timestamp without time zone", Min: "2025-02-01 08:00:00", Max: "2025-11-30 17:00:00.5"},
		{Name: "status", Type: "text", Nulls: 22},
	}}}, Queries: []QueryResult{{Name: "count", Rows: 1}}}
	return s, e, o
}

// TestCheck: a sample like its profile passes; each kind of damage fails with a message naming
// the table, the column and the measure; a required column's NULLs are not compared (the clean
// stage quarantined them).
func TestCheck(t *testing.T) {
	s, e, o := fixture(t)
	if f := Check(e, o, s.Canary); len(f) != 0 {
		t.Fatalf("a good sample fails: %v", f)
	}
	cases := []struct {
		name   string
		damage func(o *Observed)
		want   string
	}{
		{"type", func(o *Observed) { o.Tables[0].Columns[1].Type = "text" }, "tickets.created: type text, the contract says timestamp without time zone"},
		{"rows", func(o *Observed) { o.Tables[0].Rows = 99 }, "tickets: 99 rows loaded, the sample holds 100"},
		{"null ratio", func(o *Observed) { o.Tables[0].Columns[2].Nulls = 45 }, "tickets.status: null ratio 0.450 in the sample, the profile's is 0.200"},
		{"range", func(o *Observed) { o.Tables[0].Columns[1].Min = "1900-01-01 00:00:00" }, "tickets.created: values 1900-01-01 00:00:00 .. 2025-11-30 17:00:00.5, outside the profile's range"},
		{"missing column", func(o *Observed) { o.Tables[0].Columns = o.Tables[0].Columns[:2] }, "tickets.status: the column is missing"},
		{"missing table", func(o *Observed) { o.Tables = nil }, "tickets: the table was not loaded"},
		{"query", func(o *Observed) {
			o.Queries = append(o.Queries, QueryResult{Name: "kpi", Error: "column x does not exist"})
		}, "query kpi: column x does not exist"},
	}
	for _, c := range cases {
		_, e, o := fixture(t)
		c.damage(o)
		f := Check(e, o, s.Canary)
		if len(f) != 1 || !strings.Contains(f[0].Message, c.want) {
			t.Errorf("%s: got %v, want one failure saying %q", c.name, f, c.want)
		}
	}
	// Within the tolerance: 0.2 +- (0.05 + 4 * 0.04) holds 0.0 .. 0.41 for 100 rows.
	_, e, o = fixture(t)
	o.Tables[0].Columns[2].Nulls = 40
	if f := Check(e, o, s.Canary); len(f) != 0 {
		t.Errorf("a null ratio within the tolerance fails: %v", f)
	}
	// The required column's profile NULLs (40 of 1000) are not expected in the sample.
	if e.Tables[0].Columns[1].ProfileRows != 0 {
		t.Error("a required column's null ratio is compared")
	}
}

func TestDefaultQueries(t *testing.T) {
	s := contract.ServiceDesk()
	qs := DefaultQueries(s)
	if len(qs) != 2*len(s.Tables) {
		t.Fatalf("%d queries for %d tables", len(qs), len(s.Tables))
	}
	if !strings.Contains(qs[1].SQL, `"TKT-Created Time"`) {
		t.Errorf("tickets' group-by is not by its first stratum: %s", qs[1].SQL)
	}
}
