package quality

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/sdetl/sdetl/internal/report"
)

// Print writes the score, the categories and every rule, failing rules first within their
// category, with their examples.
func Print(w io.Writer, r *Report) error {
	ew := &report.Writer{W: w}
	verdict := "passes"
	if Gate(r, r.Gate) != nil {
		verdict = "FAILS"
	}
	fmt.Fprintf(ew, "quality of %s (contract %s): %.2f, %s — %s the gate of %g\n\n", r.Source, r.Spec, r.Composite, r.Grade, verdict, r.Gate)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "category\tweight\tscore\trules\tfailed")
	for _, c := range r.Categories {
		fmt.Fprintf(tw, "%s\t%g\t%s\t%d\t%d\n", c.Name, c.Weight, score(c.Score), c.Rules, c.Failed)
	}
	tw.Flush()

	rules := append([]RuleResult(nil), r.Rules...)
	order := map[string]int{}
	for i, c := range categories {
		order[c] = i
	}
	sort.SliceStable(rules, func(i, j int) bool {
		a, b := rules[i], rules[j]
		if a.Category != b.Category {
			return order[a.Category] < order[b.Category]
		}
		return !a.Pass && b.Pass
	})
	fmt.Fprintln(ew)
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rule\tseverity\tscore\tresult\texpect\tcounts")
	for _, rr := range rules {
		result := "pass"
		switch {
		case !rr.Pass:
			result = "FAIL"
		case !rr.Scored:
			result = "info"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", rr.ID, rr.Severity, score(rr.Score), result, rr.Expect, counts(rr.Counts))
		if !rr.Pass || !rr.Scored || rr.Score < 1 {
			for _, e := range rr.Examples {
				fmt.Fprintf(tw, "    e.g. %s\t\t\t\t\t\n", strings.Trim(fmt.Sprintf("%q", e), `"`))
			}
		}
	}
	tw.Flush()
	return ew.Err()
}

// PrintDiff writes the score before and after and the rules that moved it.
func PrintDiff(w io.Writer, before, after *Report) error {
	ew := &report.Writer{W: w}
	fmt.Fprintf(ew, "quality %s %.2f (%s) -> %s %.2f (%s): %+.2f\n", before.Source, before.Composite, before.Grade,
		after.Source, after.Composite, after.Grade, after.Composite-before.Composite)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rule\tbefore\tafter\tpoints")
	for _, d := range Diff(before, after) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%+.2f\n", d.ID, score(d.Before), score(d.After), d.Points)
	}
	tw.Flush()
	return ew.Err()
}

// score shows a rule score with 4 decimals, rounded down: 0.99999 is not a perfect 1.0000.
func score(x float64) string { return fmt.Sprintf("%.4f", math.Floor(x*1e4)/1e4) }

func counts(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}
