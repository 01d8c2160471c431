package profile

import (
	"fmt"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/report"
	"github.com/sdetl/sdetl/internal/values"
)

// report turns a column's counts into its profile: inferred type, date order, contract support.
func (c *column) report(th *contract.Profile) *ColumnReport {
	r := &ColumnReport{
		Name:         c.col.Name,
		ContractType: c.col.Type,
		Rows:         c.rows,
		Empty:        c.empty,
		Sentinels:    make(map[string]int64, len(c.sentinels)),
		Nulls:        c.rows - c.nonNull,
		NonNull:      c.nonNull,
		Parses:       make(map[string]int64, nCand),
	}
	for i, x := range c.sentinels {
		r.Sentinels[x] += c.sentinelHits[i]
	}
	numbers := c.decideNumbers() // before anything reads the parses, forms or support
	for k, n := range c.parses {
		r.Parses[candNames[k]] = n
	}
	r.Distinct, r.DistinctExact = c.distinct.count()
	inf := Infer(c.evidence(r.Distinct), th)
	r.InferredType, r.Confidence, r.Suggested, r.InferenceNotes = inf.Type, inf.Confidence, inf.Contract, inf.Notes

	dated := c.want == candDate || c.want == candTimestamp || c.want == candTimestamptz ||
		r.InferredType == candNames[candDate] || r.InferredType == candNames[candTimestamp] || r.InferredType == candNames[candTimestamptz]
	if dated {
		r.Offsets = c.offsets
		r.DateForms = make(map[string]int64, len(c.forms))
		for f, n := range c.forms {
			r.DateForms[values.DateForm(f).String()] = n
		}
		r.DateOrder = c.decideOrder()
		r.NumberDates = numbers
	}
	r.Min, r.Max = c.minMax(r.InferredType, r.DateOrder)

	r.Support = 1
	if c.want >= 0 && c.nonNull > 0 {
		r.Support = float64(c.supported) / float64(c.nonNull)
	}
	switch {
	case r.Support < th.MinSupport:
		r.Mismatch = true
		r.MismatchReason = fmt.Sprintf("%s of non-null values are %s, want >= %s", pct(r.Support), c.col.Type, pct(th.MinSupport))
		switch {
		case (c.want == candTimestamp || c.want == candDate) && c.offsets > 0:
			r.MismatchReason += fmt.Sprintf(" (%s a UTC offset: a timestamptz column converts such values to UTC)", counted(c.offsets, "value carries", "values carry"))
		case c.want == candTimestamptz && c.parses[candTimestamp] > 0:
			r.MismatchReason += fmt.Sprintf(" (%s no UTC offset, and a zone is never assumed)", counted(c.parses[candTimestamp], "value has", "values have"))
		}
	case (c.want == candDate || c.want == candTimestamp || c.want == candTimestamptz) && r.DateOrder.Basis == BasisConflict:
		r.Mismatch = true
		r.MismatchReason = fmt.Sprintf("conflicting date order: %d day-first-only and %d month-first-only values",
			c.forms[values.FormDayFirst], c.forms[values.FormMonthFirst])
	}
	if c.want >= 0 { // every typed column: text has nothing to fail
		r.Unparseable = c.nonNull - c.supported
	}
	r.Examples = c.examples
	return r
}

// decideOrder reads the column's date-form evidence: values that can only be day-first or only
// month-first decide; ambiguous values never do (they take the contract's order, and say so;
// Table.Report may then decide them from the file's other date columns). A column with a
// format has the format's order.
func (c *column) decideOrder() *DateOrder {
	hint := c.col.DateOrder
	if hint == "" {
		hint = contract.DMY
	}
	d := &DateOrder{Order: hint, Basis: BasisSpecHint, Contract: hint, Example: c.ambiguousEx}
	df, mf := c.forms[values.FormDayFirst], c.forms[values.FormMonthFirst]
	switch {
	case c.col.Layout != nil:
		d.Order, d.Basis = c.col.Layout.Order, BasisFormat
	case df > 0 && mf > 0:
		d.Basis = BasisConflict
	case df > 0:
		d.Order, d.Basis = contract.DMY, BasisEvidence
	case mf > 0:
		d.Order, d.Basis = contract.MDY, BasisEvidence
	case c.forms[values.FormAmbiguous] > 0:
		d.Basis = BasisAmbiguous
	}
	return d
}

// minMax renders the column's extremes by its inferred type.
func (c *column) minMax(inferred string, order *DateOrder) (string, string) {
	switch inferred {
	case candNames[candInteger], candNames[candDecimal]:
		return c.numMin, c.numMax
	case candNames[candMonth]:
		return c.monthMin, c.monthMax
	case candNames[candTime]:
		return c.clockMin, c.clockMax
	case candNames[candTimestamptz]:
		i := 0
		if order != nil && order.Order == contract.MDY {
			i = 1
		}
		if c.offsets == 0 {
			return "", ""
		}
		return c.tzMin[i].Format(canonicalStamp) + "+00", c.tzMax[i].Format(canonicalStamp) + "+00"
	case candNames[candDate], candNames[candTimestamp]:
		i := 0
		if order != nil && order.Order == contract.MDY {
			i = 1
		}
		if inferred == candNames[candDate] {
			if !c.hasDate {
				return "", ""
			}
			return c.dateMin[i].Format(time.DateOnly), c.dateMax[i].Format(time.DateOnly)
		}
		if !c.hasStamp {
			return "", ""
		}
		return c.stampMin[i].Format(canonicalStamp), c.stampMax[i].Format(canonicalStamp)
	case TypeEmpty:
		return "", ""
	}
	return report.Shorten(c.textMin, maxExampleLen), report.Shorten(c.textMax, maxExampleLen)
}

// canonicalStamp formats a timestamp as the clean stage does: a fraction only when there is
// one, without trailing zeros.
const canonicalStamp = "2006-01-02 15:04:05.999999"

func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// counted is "1 value has", "3 values have".
func counted(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
