package quality

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
)

// A table whose rows hit every measure the accumulator keeps: each issue (with more distinct
// examples than are kept, and repeated ones), the lengths at and beyond the truncation
// lengths, a three-column order and a share.
const partsSpec = `
name: parts
schema: parts
sentinels: ["nan"]
tables:
  - name: t
    columns:
      - {name: id, type: integer}
      - {name: a, type: timestamp}
      - {name: b, type: timestamp}
      - {name: c, type: timestamp}
      - {name: h, type: decimal}
      - {name: crm, type: integer}
      - {name: body, type: text}
quality:
  zero_ids: [{table: t, column: crm}]
  ranges: [{table: t, column: h, min: 0, min_exclusive: true, max: 24}]
  order: [{table: t, columns: [a, b, c]}]
  shares: [{name: zero, table: t, column: crm, value: "0", min: 0.1, max: 0.3}]
  text: {max_length: 12, max_newline_run: 2, truncation_lengths: [4, 6], ellipsis_min_length: 6}
`

func partsRows(r *rand.Rand, n int) [][]string {
	pick := func(vs ...string) string { return vs[r.IntN(len(vs))] }
	stamp := func() string {
		return pick(fmt.Sprintf("2024-0%d-01 00:00:00", 1+r.IntN(9)), "2019-01-01 00:00:00", "2030-06-01 12:00:00", "bad", "", "nan")
	}
	var rows [][]string
	for range n {
		rows = append(rows, []string{
			pick(fmt.Sprint(1+r.IntN(50)), "+3", "3.0", "007", fmt.Sprint(-r.IntN(6)), fmt.Sprintf("x%d", r.IntN(8)), "", "nan"),
			stamp(), stamp(), stamp(),
			pick("1.5", "0", "25", fmt.Sprint(-r.IntN(9)), fmt.Sprintf("%d.5e", r.IntN(7)), ""),
			pick("0", "0", "5", "-2", "", "7.0"),
			pick("", "nan", fmt.Sprintf("ab%02d", r.IntN(12)), fmt.Sprintf("abcd%02d", r.IntN(12)), "abcdefg",
				fmt.Sprintf("hello wor%d...", r.IntN(8)), "a\x00b", fmt.Sprintf("x\n\n\ny%d", r.IntN(7)), "ab\r\n\r\ncd",
				fmt.Sprintf("an overlong text %d", r.IntN(9)), "éééé", "ééééé…"),
		})
	}
	return rows
}

// mergeDiff measures rows in one pass and in parts cut at cuts (sorted, each in [0, len]),
// merged in order by merge, and returns how the two differ ("" when they do not).
func mergeDiff(t *testing.T, s *contract.Spec, rows [][]string, cuts []int, merge func(a, b *accumulator)) string {
	t.Helper()
	tb := s.Tables[0]
	measure := func(rows [][]string) *accumulator {
		a := newAccumulator(s, tb, now)
		for _, row := range rows {
			if err := a.add(row); err != nil {
				t.Fatal(err)
			}
		}
		return a
	}
	metrics := func(a *accumulator) *Metrics {
		m := &Metrics{Tables: map[string]*TableMetrics{}, Orders: map[string]*OrderMetrics{}, Shares: map[string]*ShareMetrics{}}
		a.into(m, nil)
		return m
	}
	merged, from := measure(rows[:cuts[0]]), cuts[0]
	for _, to := range append(cuts[1:], len(rows)) {
		merge(merged, measure(rows[from:to]))
		from = to
	}
	return cmp.Diff(metrics(measure(rows)), metrics(merged))
}

// mergeFails runs mergeDiff over many random tables and cuts (empty parts too), reporting the
// first difference.
func mergeFails(t *testing.T, merge func(a, b *accumulator)) string {
	s, err := contract.Parse([]byte(partsSpec))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 1500 {
		rows := partsRows(r, r.IntN(60))
		cuts := make([]int, r.IntN(4)+1)
		for i := range cuts {
			cuts[i] = r.IntN(len(rows) + 1)
		}
		slices.Sort(cuts)
		if d := mergeDiff(t, s, rows, cuts, merge); d != "" {
			return fmt.Sprintf("trial %d, %d rows cut at %v (-one pass +merged):\n%s", trial, len(rows), cuts, d)
		}
	}
	return ""
}

// A table measured in contiguous parts, merged in order, has exactly the metrics of one pass
// over its rows, whatever the cuts: every count, map entry and example list, in order.
func TestMergeEqualsOnePass(t *testing.T) {
	if d := mergeFails(t, (*accumulator).merge); d != "" {
		t.Fatal(d)
	}
}

// The property catches merges that are wrong in each way a merge could be: each of these
// must fail it.
func TestMergePropertyCatchesWrongMerges(t *testing.T) {
	wrong := map[string]func(a, b *accumulator){
		"examples not deduplicated": func(a, b *accumulator) {
			a.mergeWith(b, func(kept, later []string) []string {
				return append(kept, later...)[:min(len(kept)+len(later), maxExamples)]
			})
		},
		"examples not capped": func(a, b *accumulator) {
			a.mergeWith(b, func(kept, later []string) []string {
				for _, e := range later {
					kept = addExample(kept, e)
				}
				return kept
			})
		},
		"the later part's examples first": func(a, b *accumulator) {
			a.mergeWith(b, func(kept, later []string) []string { return mergeExamples(slices.Clone(later), kept) })
		},
		"the lengths at a cut dropped": func(a, b *accumulator) {
			for i := range b.cols {
				b.cols[i].m.AtLength = nil
			}
			a.merge(b)
		},
		"the longer counts dropped": func(a, b *accumulator) {
			for i := range b.cols {
				b.cols[i].m.Longer = nil
			}
			a.merge(b)
		},
		"the order's violations dropped": func(a, b *accumulator) {
			b.orders[0].m.Violations = 0
			a.merge(b)
		},
		"the share dropped": func(a, b *accumulator) {
			b.shares[0].m.Matches = 0
			a.merge(b)
		},
	}
	for name, merge := range wrong {
		if mergeFails(t, merge) == "" {
			t.Errorf("a merge with %s passed the property", name)
		}
	}
}
