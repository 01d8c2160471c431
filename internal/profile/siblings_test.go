package profile

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

// profileTable profiles rows of a table whose columns are all timestamps, parsed from YAML so
// that the orders the contract states are marked as it marks them.
func profileTable(t *testing.T, yaml string, rows ...[]string) *TableReport {
	t.Helper()
	s, err := contract.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	p := NewTable(s, s.Tables[0])
	for _, r := range rows {
		if err := p.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	return p.Report(0)
}

// Issue 12 item 3: in a month-first export, a second date column whose values all have
// day <= 12 takes the order of the column whose evidence decides, and says which; with no such
// column it stays unresolved.
func TestSiblingOrders(t *testing.T) {
	rows := [][]string{
		{"03-13-2025 15:21:08", "03/04/2025", "2025-03-13T10:00:00+11:00"},
		{"03-12-2025 15:21:08", "03/05/2025", "03/04/2025 10:00 Z"},
	}
	for _, c := range []struct {
		name, order string
		want        DateOrder
	}{
		{"unresolved", "date_order: unresolved\n", DateOrder{contract.MDY, BasisSibling, contract.Unresolved, []string{"opened"}, ""}},
		{"unstated", "", DateOrder{contract.MDY, BasisSibling, contract.DMY, []string{"opened"}, ""}},
		{"stated", "date_order: dmy\n", DateOrder{contract.DMY, BasisAmbiguous, contract.DMY, nil, ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := profileTable(t, "schema: s\n"+c.order+"tables:\n  - name: t\n    columns:\n      - {name: opened, type: timestamp}\n      - {name: due, type: date}\n      - {name: synced, type: timestamptz}\n", rows...)
			if got := noExample(*tr.Columns[1].DateOrder); !reflect.DeepEqual(got, c.want) {
				t.Errorf("due: %+v, want %+v", got, c.want)
			}
			if c.name != "stated" && (tr.Columns[1].Min != "2025-03-04" || tr.Columns[1].Max != "2025-03-05") {
				t.Errorf("due min/max %s..%s, want the month-first reading", tr.Columns[1].Min, tr.Columns[1].Max)
			}
		})
	}
	// Nothing decides: every column is ambiguous.
	tr := profileTable(t, "schema: s\ndate_order: unresolved\ntables:\n  - name: t\n    columns:\n      - {name: a, type: date}\n      - {name: b, type: date}\n",
		[]string{"03/04/2025", "01/02/2025"})
	for _, c := range tr.Columns {
		if c.DateOrder.Basis != BasisUnresolved || c.DateOrder.Order != contract.Unresolved {
			t.Errorf("%s: %+v, want unresolved", c.Name, c.DateOrder)
		}
	}
	// Siblings that disagree decide nothing, and are named.
	tr = profileTable(t, "schema: s\ndate_order: unresolved\ntables:\n  - name: t\n    columns:\n      - {name: a, type: date}\n      - {name: b, type: date}\n      - {name: c, type: date}\n",
		[]string{"13/04/2025", "04/13/2025", "01/02/2025"})
	if o := tr.Columns[2].DateOrder; o.Basis != BasisUnresolved || !reflect.DeepEqual(o.DecidedBy, []string{"a", "b"}) {
		t.Errorf("c: %+v, want unresolved naming a and b", o)
	}
}

// A column of offsets is timestamptz; one mixing offsets and wall clocks says so and is
// neither.
func TestOffsets(t *testing.T) {
	c := profileColumn(t, contract.Timestamptz, contract.DMY, "2025-03-12T15:04:05Z", "2025-03-12T15:04:05.5+11:00", "12/03/2025 01:00 -05:00")
	if c.InferredType != "timestamptz" || c.Support != 1 || c.Offsets != 3 {
		t.Errorf("inferred %s support %v offsets %d, want timestamptz 1 3", c.InferredType, c.Support, c.Offsets)
	}
	if c.Min != "2025-03-12 04:04:05.5+00" || c.Max != "2025-03-12 15:04:05+00" {
		t.Errorf("min/max %s..%s", c.Min, c.Max)
	}
	m := profileColumn(t, contract.Timestamp, contract.DMY, "2025-03-12T15:04:05Z", "2025-03-12 15:04:05")
	if m.InferredType != "text" || m.Unparseable != 1 || m.Offsets != 1 || len(m.InferenceNotes) == 0 {
		t.Errorf("mixed: inferred %s unparseable %d offsets %d notes %q", m.InferredType, m.Unparseable, m.Offsets, m.InferenceNotes)
	}
}

func noExample(o DateOrder) DateOrder {
	o.Example = ""
	return o
}

// An unresolved contracted date column trips the breaker with one line saying how to set it.
func TestUnresolvedTrips(t *testing.T) {
	s, err := contract.Parse([]byte("schema: s\ndate_order: unresolved\ntables:\n  - name: t\n    columns:\n      - {name: a, type: date}\n      - {name: b, type: timestamp}\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := NewTable(s, s.Tables[0])
	for _, r := range [][]string{{"03/04/2025", "2025-01-01 10:00"}, {"05/06/2025", ""}} {
		if err := p.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	r := NewReport(s, "test", 0, []*TableReport{p.Report(0)})
	err = r.Breaker.Err()
	want := `t.a: date order unresolved: every d/m value has day and month <= 12 (e.g. "03/04/2025") and no other date column of the file decides; set date_order: dmy or mdy on the column in the contract (or a format such as DD/MM/YYYY)`
	if err == nil || !strings.Contains(err.Error(), want) || len(r.Breaker.Trips) != 1 || r.Breaker.Trips[0].Rule != TripDateUnresolved {
		t.Errorf("breaker %+v: %v", r.Breaker, err)
	}
}

// A contracted timestamp column of offsets mismatches and says why.
func TestOffsetMismatchSaysWhy(t *testing.T) {
	c := profileColumn(t, contract.Timestamp, contract.DMY, "2025-03-12T15:04:05Z", "2025-03-12T15:04:05+01:00")
	if !c.Mismatch || !strings.Contains(c.MismatchReason, "2 values carry a UTC offset: a timestamptz column converts") {
		t.Errorf("mismatch %v %q", c.Mismatch, c.MismatchReason)
	}
	if e := profileColumn(t, contract.Timestamptz, contract.DMY, "1751470860", "2025-03-12T15:04:05Z"); e.Support != 1 {
		t.Errorf("epochs in a timestamptz column: support %v (%q)", e.Support, e.MismatchReason)
	}
	z := profileColumn(t, contract.Timestamptz, contract.DMY, "2025-03-12 15:04:05")
	if !z.Mismatch || !strings.Contains(z.MismatchReason, "1 value has no UTC offset") {
		t.Errorf("mismatch %v %q", z.Mismatch, z.MismatchReason)
	}
}
