package specdraft

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/profile"
)

// The draft's decisions, from the scan's evidence: a type per column, a date order where the
// evidence decides one, a natural key, the `modified` column.

// decideTable turns a scanned export into its table.
func (d *Draft) decideTable(sc *scanned, name string) *TableDraft {
	th := contract.DefaultProfile()
	td := &TableDraft{Table: name, File: sc.base, Path: sc.path, Format: sc.format, Rows: sc.rows, Misfits: sc.misfits, KeyCandidates: []string{}}
	for i, c := range sc.cols {
		cd := d.decideColumn(c, sc.reports[i], th)
		td.Columns = append(td.Columns, cd)
	}
	d.decideKey(td, sc)
	if sc.misfits > 0 {
		td.Notes = append(td.Notes, fmt.Sprintf("%s with a wrong field count: import quarantines them (field_count)", plural(sc.misfits, "row")))
	}
	if sc.trailing > 0 && sc.trailing*2 >= sc.misfits+sc.rows {
		// Most rows end with a delimiter the header line lacks: every value is still in its
		// column, but each row has an empty extra field, so each is a misfit.
		td.Notes = append(td.Notes, fmt.Sprintf("%s of %d %s one field more than the header, and it is empty: "+
			"the data lines end with a trailing delimiter the header line lacks. Add a delimiter at the end of the header line "+
			"too (import then ignores that unnamed column) or remove the trailing ones, and draft again",
			plural(sc.trailing, "row"), sc.misfits+sc.rows, verb(sc.trailing, "has", "have")))
	}
	for _, p := range sc.unnamed {
		td.Notes = append(td.Notes, fmt.Sprintf("column %d has no header: import ignores its values", p))
	}
	td.Notes = append(td.Notes, lineBreakWarnings(sc)...)
	return td
}

// lineBreakWarnings flags headers holding a line break: legal in a quoted CSV field, but in a
// header it more often means the file was split wrongly (issue 15: a CR-only file read as one
// line drafted columns named "b\r1"), and a contract header with a line break is easy to get
// wrong by hand.
func lineBreakWarnings(sc *scanned) []string {
	var out []string
	for _, c := range sc.cols {
		if strings.ContainsAny(c.header, "\r\n") {
			out = append(out, fmt.Sprintf("WARN: the header of column %d (%q) holds a line break: check that the file splits into the rows you expect", c.pos+1, c.header))
		}
	}
	return out
}

// decideColumn picks the column's type and explains it.
func (d *Draft) decideColumn(c *scanCol, r *profile.ColumnReport, th contract.Profile) *ColumnDraft {
	cd := &ColumnDraft{Name: c.name, Header: c.header, NonNull: r.NonNull, Nulls: r.Nulls, Distinct: r.Distinct,
		Exact: r.DistinctExact, Examples: c.examples, Sentinels: map[string]int64{}}
	if c.renamed != "" {
		cd.Notes = append(cd.Notes, c.renamed)
	}
	for x, n := range r.Sentinels {
		if n > 0 {
			cd.Sentinels[x] = n
			d.SentinelHits[x] += n
		}
	}
	if r.NonNull == 0 {
		cd.Type = contract.Text
		if r.Rows == 0 {
			cd.Notes = append(cd.Notes, "no rows to infer from: typed text")
		} else {
			cd.Notes = append(cd.Notes, "every value is null: typed text")
		}
		return cd
	}
	// The profiler's inference, so that spec init and profile give one answer per column.
	cd.Type, cd.Confidence = r.Suggested, r.Confidence
	cd.Notes = append(cd.Notes, r.InferenceNotes...)
	if cand := r.InferredType; cd.Type != contract.Text {
		cd.Invalid = r.NonNull - r.Parses[cand]
		cd.Min, cd.Max = r.Min, r.Max
	}
	if cd.Type == contract.Integer && c.zeros > 0 {
		// The quality score reads integer columns as ids, where 0 means "no id" unless listed.
		cd.ZeroID = true
		cd.Notes = append(cd.Notes, fmt.Sprintf("0 is a value here (%s): listed in quality.zero_ids", plural(c.zeros, "zero")))
	}
	switch cd.Type {
	case contract.Date, contract.Timestamp, contract.Timestamptz:
		d.dateOrder(cd, r, c)
	case contract.Time:
		cd.Formats = c.shapes.formats(d.DateOrder)
	}
	return cd
}

// dateOrder reads the profiler's date-order decision into the column: its date_order where the
// evidence decides one that differs from the contract's, and a note saying what it rests on.
func (d *Draft) dateOrder(cd *ColumnDraft, r *profile.ColumnReport, c *scanCol) {
	order := d.DateOrder
	f := r.DateForms
	if o := r.DateOrder; o != nil {
		switch o.Basis {
		case profile.BasisEvidence:
			order = o.Order
			if order == contract.MDY {
				cd.OrderNote = fmt.Sprintf("month-first by evidence: %s only %s m/d", plural(f["month_first"], "value"), verb(f["month_first"], "fits", "fit"))
			} else {
				cd.OrderNote = fmt.Sprintf("day-first by evidence: %s only %s d/m", plural(f["day_first"], "value"), verb(f["day_first"], "fits", "fit"))
			}
			if n := f["ambiguous"]; n > 0 {
				cd.OrderNote += fmt.Sprintf(" (%s read the same way)", plural(n, "ambiguous value"))
			}
		case profile.BasisSibling:
			order = o.Order
			cd.OrderNote = fmt.Sprintf("%s by the evidence of %s in the same export: its %s all %s day and month <= 12",
				orderWord(order), quoteNames(o.DecidedBy), plural(f["ambiguous"], "d/m value"), verb(f["ambiguous"], "has", "have"))
		case profile.BasisConflict:
			read := fmt.Sprintf("read by the spec default %s", d.DateOrder)
			if d.DateOrder == contract.Unresolved {
				read = "quarantined while the order is unresolved"
			}
			cd.OrderNote = fmt.Sprintf("conflicting evidence: %s only %s d/m, %d only m/d; %s %s — check this",
				plural(f["day_first"], "value"), verb(f["day_first"], "fits", "fit"), f["month_first"], plural(f["ambiguous"], "ambiguous value"), read)
		case profile.BasisAmbiguous:
			cd.OrderNote = fmt.Sprintf("ambiguous: all values <= 12 in both d/m parts (%s), using the spec default %s — check this", plural(f["ambiguous"], "value"), d.DateOrder)
		case profile.BasisUnresolved:
			cd.OrderNote = fmt.Sprintf("UNRESOLVED: its %s all %s day and month <= 12 and no other date column of the export decides; "+
				"sdetl run refuses the column until you set date_order: dmy or mdy on it", plural(f["ambiguous"], "d/m value"), verb(f["ambiguous"], "has", "have"))
			if len(o.DecidedBy) > 0 {
				cd.OrderNote += fmt.Sprintf(" (%s disagree)", quoteNames(o.DecidedBy))
			}
			cd.Min, cd.Max = "", "" // the profiler's extremes read the ambiguous values day-first
		}
	}
	if order != d.DateOrder {
		cd.DateOrder = order
	}
	cd.Formats = c.shapes.formats(order)
	// Only the numbers the column's number rule reads as dates; a stray one is a misfit,
	// counted in Invalid with the other values the type leaves out.
	cd.Serials, cd.Epochs = f["excel_serial"], f["epoch_seconds"]+f["epoch_millis"]
	if cd.Min != "" && (r.DateOrder == nil || order != r.DateOrder.Order) {
		cd.Min, cd.Max = "", "" // the profiler's extremes read ambiguous values the other way
	}
}

func orderWord(o contract.DateOrder) string {
	if o == contract.MDY {
		return "month-first"
	}
	return "day-first"
}

// decideKey proposes the natural key: the best single column that is fully populated, unique,
// and an integer or text (a date or a number with a fraction identifies nothing by design).
// Integer columns come first, then names that say "id", "key" or "number", then column order.
func (d *Draft) decideKey(td *TableDraft, sc *scanned) {
	type cand struct {
		i    int
		pref int
	}
	var cs []cand
	for i, cd := range td.Columns {
		if sc.notKey[i] != "" || td.Rows == 0 || cd.Nulls > 0 || cd.Invalid > 0 || (cd.Type != contract.Integer && cd.Type != contract.Text) {
			continue
		}
		p := 0
		if cd.Type == contract.Integer {
			p += 2
		}
		if keyish(cd.Name) {
			p++
		}
		cs = append(cs, cand{i, p})
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].pref > cs[b].pref })
	for _, c := range cs {
		cd := td.Columns[c.i]
		td.KeyCandidates = append(td.KeyCandidates, cd.Name)
		cd.Distinct, cd.Exact = td.Rows, true // proven unique: exact where the profiler's count may be a sketch
	}
	switch {
	case td.Rows == 0:
		td.KeyNote = "no natural key: the export has no rows to find one in"
		return
	case len(cs) == 0:
		td.KeyNote = "no natural key: no integer or text column is fully populated and unique" + whyNot(td, sc) +
			"; duplicates are not detected without one"
		return
	}
	key := td.Columns[cs[0].i]
	key.Required = true
	td.Key = key.Name
	td.KeyNote = fmt.Sprintf("key: %q is fully populated and unique (%s)", key.Name, plural(td.Rows, "row"))
	if len(cs) > 1 {
		td.KeyNote += "; other candidates: " + quoteNames(td.KeyCandidates[1:])
	}
	td.Modified = modifiedColumn(td)
}

// whyNot says why the columns that look like keys are not, e.g. ` ("Case No" has duplicates)`.
func whyNot(td *TableDraft, sc *scanned) string {
	var why []string
	for i, cd := range td.Columns {
		if keyish(cd.Name) || cd.Type == contract.Integer {
			r := sc.notKey[i]
			switch {
			case r == "" && cd.Invalid > 0:
				r = fmt.Sprintf("has %s that %s not %s", plural(cd.Invalid, "value"), verb(cd.Invalid, "is", "are"), cd.Type)
			case r == "" && cd.Type != contract.Integer && cd.Type != contract.Text:
				r = "is a " + string(cd.Type)
			case r == "":
				continue
			}
			why = append(why, fmt.Sprintf("%q %s", cd.Name, r))
		}
		if len(why) == 3 {
			break
		}
	}
	if len(why) == 0 {
		return ""
	}
	return " (" + strings.Join(why, ", ") + ")"
}

// modifiedColumn is the first timestamp or date column named like a last-modified time: it
// decides which row of a duplicated key is newest when a later export repeats rows.
func modifiedColumn(td *TableDraft) string {
	for _, cd := range td.Columns {
		if !cd.Type.IsDated() {
			continue
		}
		for _, w := range words(cd.Name) {
			switch strings.ToLower(w) {
			case "modified", "updated", "changed", "edited", "modification", "update", "lastupdate":
				return cd.Name
			}
		}
	}
	return ""
}

// explainInvalid reads the export again, only when some column's type leaves values out, for
// examples of those values (their rows will be quarantined, and the reviewer should see why).
func (d *Draft) explainInvalid(ctx context.Context, sc *scanned, td *TableDraft, sentinels []string) error {
	cols := make([]*contract.Column, len(td.Columns))
	need := false
	for i, cd := range td.Columns {
		if cd.Invalid > 0 {
			c := &contract.Column{Name: cd.Name, Type: cd.Type, DateOrder: cd.DateOrder}
			if c.DateOrder == "" {
				c.DateOrder = d.DateOrder
			}
			if c.DateOrder == contract.Unresolved {
				// The run refuses an unresolved column outright; count what it would quarantine
				// once an order is set (either order: ambiguous values parse both ways).
				c.DateOrder = contract.DMY
			}
			if nd := sc.reports[i].NumberDates; nd != nil && (c.Type == contract.Date || c.Type == contract.Timestamp) {
				c.NumberDates = nd.Span // as the run will read them: a stray number is a misfit
			}
			cols[i], need = c, true
		}
	}
	if !need {
		return nil
	}
	counts, examples, err := invalidExamples(ctx, sc, sentinels, cols)
	if err != nil {
		return err
	}
	for i, cd := range td.Columns {
		if cols[i] != nil {
			cd.Invalid, cd.InvalidEx = counts[i], examples[i]
		}
	}
	return nil
}

func quoteNames(ns []string) string {
	q := make([]string, len(ns))
	for i, n := range ns {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// plural is "1 row", "2 rows".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// verb picks the verb form agreeing with n things.
func verb(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
