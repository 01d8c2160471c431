package quality

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
)

// fakeSource serves rows from memory; key and orphan metrics are canned (the SQL ones are
// tested against real stores in source_test.go).
type fakeSource struct {
	rows    map[string][][]string
	columns map[string][]string // nil: the contracted columns
	err     error               // returned by Rows
	keysErr error
}

func (f *fakeSource) Name() string { return "fake" }

func (f *fakeSource) Columns(_ context.Context, t *contract.Table) ([]string, error) {
	if c, ok := f.columns[t.Name]; ok {
		if c == nil {
			return nil, fmt.Errorf("%w: table %s", ErrMissing, t.Name)
		}
		return c, nil
	}
	var cols []string
	for _, c := range t.Columns {
		cols = append(cols, c.Name)
	}
	return cols, nil
}

func (f *fakeSource) Rows(_ context.Context, t *contract.Table, fn func([]string) error) error {
	if f.err != nil {
		return f.err
	}
	for _, r := range f.rows[t.Name] {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeSource) Keys(context.Context, *contract.Spec, *contract.Table) (*KeyMetrics, error) {
	return &KeyMetrics{}, f.keysErr
}

func (f *fakeSource) Orphans(context.Context, *contract.Spec, contract.Reference) (*RefMetrics, error) {
	return &RefMetrics{}, nil
}

func TestAccumulator(t *testing.T) {
	s := mini(t)
	src := &fakeSource{rows: map[string][][]string{
		// id, created, closed, month, met, title
		"tickets": {
			{"1", "2020-01-01 00:00:00", "2025-08-31 12:00:00", "2020-01", "yes", "short"},
			{"3652948.0", "2019-12-31 23:59:59", "2025-08-31 12:00:01", "2019-12", "Y", "a title that is much longer than fifty characters, really"},
			{"0", "31/08/2025 12:00", "30/08/2025 12:00", "2025-08", "maybe", "nan"},
			{"-5", "2025-01-01 00:00:00", "", "2025-09", "-", ""},
			{"x7", "soon", "2025-01-02", "July", "no", "t"},
		},
		// id, ticket, body
		"comments": {
			{"10", "1", "nul\x00byte"},
			{"11", "1", "five\n\r\n\n\r\n\rnewlines"},
			{"12", "1", "four\n\n\n\nnewlines"},
			{"13", "1", "ten chars!"},
			{"14", "1", "ten chars?"},
			{"15", "1", "the customer repor..."},
			{"16", "1", "see you later ..."},
		},
		// user, day, from, hours, crm
		"hours": {
			{"ann", "2025-08-31", "8:30", "0", "0"},
			{"ann", "2025-09-01", "25:00", "24", "0.0"},
			{"bob", "1/07/2025", "8:30 PM", "24.01", "-"},
			{"bob", "2025-07-01", "", "0.25", "3652948"},
		},
	}}
	m, err := Collect(context.Background(), s, src, now)
	if err != nil {
		t.Fatal(err)
	}
	type counts struct{ NonNull, Invalid, Reformatted, NotPositive, OutOfRange, TooLong, NUL, NewlineRun, Ellipsis int64 }
	got := map[string]counts{}
	for tn, tm := range m.Tables {
		for cn, c := range tm.Cols {
			got[tn+"."+cn] = counts{c.NonNull, c.Invalid.N, c.Reformatted.N, c.NotPositive.N, c.OutOfRange.N, c.TooLong.N, c.NUL.N, c.NewlineRun.N, c.Ellipsis.N}
		}
	}
	want := map[string]counts{
		"tickets.id":      {NonNull: 5, Invalid: 1, Reformatted: 1, NotPositive: 2},
		"tickets.created": {NonNull: 5, Invalid: 1, OutOfRange: 1},
		"tickets.closed":  {NonNull: 4, OutOfRange: 1},
		"tickets.month":   {NonNull: 5, Invalid: 1, OutOfRange: 2},
		"tickets.met":     {NonNull: 4, Invalid: 1},
		"tickets.title":   {NonNull: 3, TooLong: 1},
		"comments.id":     {NonNull: 7},
		"comments.ticket": {NonNull: 7},
		"comments.body":   {NonNull: 7, NUL: 1, NewlineRun: 1, Ellipsis: 1},
		"hours.user":      {NonNull: 4},
		"hours.day":       {NonNull: 4, OutOfRange: 1},
		"hours.from":      {NonNull: 3, Invalid: 1},
		"hours.hours":     {NonNull: 4, OutOfRange: 2},
		"hours.crm":       {NonNull: 3, Reformatted: 1},
		"roster.username": {},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("column metrics (-want +got):\n%s", d)
	}
	body := m.Tables["comments"].Cols["body"]
	if at := body.AtLength[10]; at == nil || at.N != 2 || body.Longer[10] != 4 {
		t.Errorf("body at length 10: %+v, longer %d; want 2 values, 4 longer", at, body.Longer[10])
	}
	wantEx := map[string][]string{
		"nul":      {`body: nul\x00byte`},
		"newline":  {"body: five[5 newlines]newlines"},
		"ellipsis": {"body: the customer repor..."},
		"id":       {"id: x7"},
		"notpos":   {"id: 0", "id: -5"},
	}
	gotEx := map[string][]string{
		"nul": body.NUL.Examples, "newline": body.NewlineRun.Examples, "ellipsis": body.Ellipsis.Examples,
		"id": m.Tables["tickets"].Cols["id"].Invalid.Examples, "notpos": m.Tables["tickets"].Cols["id"].NotPositive.Examples,
	}
	for k := range gotEx {
		for i, e := range gotEx[k] {
			gotEx[k][i] = strings.ReplaceAll(e, "\x00", `\x00`)
		}
	}
	if d := cmp.Diff(wantEx, gotEx); d != "" {
		t.Errorf("examples (-want +got):\n%s", d)
	}
	if o := m.Orders["tickets: created <= closed"]; o.Compared != 3 || o.Violations != 1 || len(o.Examples) != 1 ||
		o.Examples[0] != "id=0: created > closed: 2025-08-31 12:00:00 > 2025-08-30 12:00:00" {
		t.Errorf("order metrics %+v, want 3 compared, 1 violation by id 0", o)
	}
	if sh := m.Shares["admin"]; sh.Values != 3 || sh.Matches != 2 {
		t.Errorf("admin share %+v, want 2 of 3", sh)
	}
	if m.Tables["tickets"].Rows != 5 || m.Tables["roster"].Rows != 0 {
		t.Errorf("rows %d and %d, want 5 and 0", m.Tables["tickets"].Rows, m.Tables["roster"].Rows)
	}
}

func TestCollectFailsClosed(t *testing.T) {
	s := mini(t)
	boom := errors.New("boom")
	tests := []struct {
		name string
		src  *fakeSource
		want error
	}{
		{"missing table", &fakeSource{columns: map[string][]string{"hours": nil}}, ErrMissing},
		{"missing column", &fakeSource{columns: map[string][]string{"hours": {"user", "day", "from", "hours"}}}, ErrMissing},
		{"rows fail", &fakeSource{err: boom}, boom},
		{"keys fail", &fakeSource{keysErr: boom}, boom},
		{"short row", &fakeSource{rows: map[string][][]string{"roster": {{}}}}, nil},
	}
	for _, tt := range tests {
		_, err := Score(context.Background(), s, tt.src, now)
		if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestNewlineRun(t *testing.T) {
	tests := []struct {
		s    string
		i, j int
	}{
		{"a\n\n\n\nb", -1, -1},
		{"a\n\n\n\n\nb", 1, 6},
		{"a\r\n\r\n\r\n\r\n\r\nb", 1, 11},
		{"a\r\r\r\r\rb", 1, 6},
		{"\n\n\n\n x\n\n\n\n\n", 6, 11},
	}
	for _, tt := range tests {
		if i, j := newlineRun(tt.s, 5); i != tt.i || j != tt.j {
			t.Errorf("newlineRun(%q, 5) = %d, %d; want %d, %d", tt.s, i, j, tt.i, tt.j)
		}
	}
}
