package profile

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/sdetl/sdetl/internal/report"
)

// Print writes the profile as one table per contract table, then the breaker's verdict.
func Print(w io.Writer, r *Report) error {
	ew := &report.Writer{W: w}
	scan := "full scan"
	if r.Sample > 0 {
		scan = fmt.Sprintf("sample of about %d rows per table", r.Sample)
	}
	fmt.Fprintf(ew, "profile of %s (%s, contract %s)\n", r.Source, scan, r.Spec)
	for _, t := range r.Tables {
		rows := fmt.Sprintf("%d rows", t.Rows)
		if t.TotalRows != t.Rows {
			rows = fmt.Sprintf("%d of %d rows", t.Rows, t.TotalRows)
		}
		fmt.Fprintf(ew, "\n%s: %s, %d of %d columns mismatch\n", t.Table, rows, t.Mismatches, len(t.Columns))
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  column\tcontract\tinferred\tconf\tnulls\tdistinct\tsupport\tdate order\tmin\tmax\tstatus")
		for _, c := range t.Columns {
			distinct := fmt.Sprint(c.Distinct)
			if !c.DistinctExact {
				distinct = "~" + distinct
			}
			order := ""
			if c.DateOrder != nil {
				order = string(c.DateOrder.Order) + " (" + c.DateOrder.Basis + ")"
			}
			status := "ok"
			if c.Mismatch {
				status = "MISMATCH: " + c.MismatchReason
				if len(c.Examples) > 0 {
					status += "; e.g. " + quoteAll(c.Examples)
				}
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.ContractType, c.InferredType,
				pct(c.Confidence), c.Nulls, distinct, pct(c.Support), order, cell(c.Min), cell(c.Max), status)
		}
		tw.Flush()
	}
	if !r.Breaker.Halt {
		fmt.Fprintln(ew, "\ncircuit breaker: ok")
		return ew.Err()
	}
	fmt.Fprintln(ew, "\ncircuit breaker: HALT")
	for _, t := range r.Breaker.Trips {
		fmt.Fprintf(ew, "  - %s\n", t.Message)
		for _, e := range t.Examples {
			fmt.Fprintf(ew, "      e.g. %q\n", e)
		}
	}
	return ew.Err()
}

// cell keeps a table cell on one short line.
func cell(s string) string {
	s = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`, "\x00", `\0`).Replace(s)
	if r := []rune(s); len(r) > 24 {
		return string(r[:23]) + "…"
	}
	return s
}

func quoteAll(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}
