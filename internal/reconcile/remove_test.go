package reconcile

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

// Removing rows gives the measures of the rows kept, whenever Remove says it still knows them;
// and it knows them while a removed min or max has a tie spelled the same.
func TestRemoveEqualsTheRowsKept(t *testing.T) {
	names := []string{"id", "amount", "at", "flag", "big"}
	types := []contract.Type{contract.Integer, contract.Decimal, contract.Timestamp, contract.Boolean, contract.Integer}
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(vs ...string) *string {
		if r.IntN(6) == 0 {
			return nil
		}
		v := vs[r.IntN(len(vs))]
		return &v
	}
	exact := 0
	for trial := range 400 {
		var rows [][]*string
		for range 2 + r.IntN(12) {
			rows = append(rows, []*string{pick("1", "2", "-3", "40"), pick("1.5", "1.50", "0.25", "-2"),
				pick("2025-01-01 00:00:00", "2025-01-02 00:00:00.5", "2024-12-31 23:59:59"), pick("true", "false"),
				pick("9223372036854775807", "1", strconv.Itoa(trial))})
		}
		all, kept := NewRemovableTableAcc(names, types), NewTableAcc(names, types)
		var removed [][]*string
		for _, row := range rows {
			if err := all.Add(row); err != nil {
				t.Fatal(err)
			}
			if r.IntN(3) == 0 {
				removed = append(removed, row)
			} else if err := kept.Add(row); err != nil {
				t.Fatal(err)
			}
		}
		for _, row := range removed {
			if err := all.Remove(row); err != nil {
				t.Fatal(err)
			}
		}
		if !all.Exact() {
			continue
		}
		exact++
		if got, want := all.Result(), kept.Result(); !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: after removing %d rows:\n got %+v\nwant %+v", trial, len(removed), got, want)
		}
	}
	if exact < 100 {
		t.Fatalf("only %d of 400 trials stayed exact: ties are not counted", exact)
	}
}

func TestRemoveOfTheOnlyMinIsInexact(t *testing.T) {
	a := NewRemovableTableAcc([]string{"n"}, []contract.Type{contract.Integer})
	for _, v := range []string{"5", "3", "5"} {
		a.Add([]*string{sp(v)})
	}
	a.Remove([]*string{sp("5")}) // a tie of the max remains
	if !a.Exact() || a.Result().Columns["n"].Max != "5" {
		t.Fatalf("exact %v, %+v", a.Exact(), a.Result().Columns["n"])
	}
	a.Remove([]*string{sp("3")})
	if a.Exact() {
		t.Fatal("removing the only min left the measures exact")
	}
	if err := NewTableAcc([]string{"n"}, []contract.Type{contract.Integer}).Remove([]*string{sp("1")}); err == nil {
		t.Fatal("Remove on an accumulator that counts no ties")
	}
}
