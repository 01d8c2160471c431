package profile

import (
	"fmt"

	"github.com/sdetl/sdetl/internal/contract"
)

// One type inference for every caller: `sdetl profile` reports it and `sdetl spec init` drafts
// it, so the two can never disagree about a column (a column of only "1" was boolean to one
// and integer to the other).

// Evidence is what type inference reads from a column's non-null values.
type Evidence struct {
	NonNull, Rows, Distinct int64
	Parses                  [nCand]int64 // values converting to each candidate
	YesNo, TrueFalse        int64        // values spelled yes/no/y/n and true/false/t/f (not 1/0)
	LeadingZero, Plus       int64        // numbers written "007" / "+3188..."
	ZeroExample, PlusEx     string       // one of each, for the note
	Offsets                 int64        // date values carrying a UTC offset (Parses[timestamptz])
}

// Inference is the type a column's values support, and why.
type Inference struct {
	Type       string        // a candidate name (boolean, integer, ...), category, text or empty
	Contract   contract.Type // the contract type to declare: boolean becomes flag or boolean by spelling
	Confidence float64       // share of non-null values converting to Type; 1 for category/text
	Notes      []string      // what a reviewer should know about the choice
}

// Infer chooses the candidate most non-null values convert to, among those reaching
// min_confidence; ties go to the more specific (earlier) candidate, so a column of integers is
// integer, not decimal, and one of 96% midnight dates and 4% timestamps is a timestamp column
// (the type that quarantines fewest rows). Then:
//   - only 0 and 1, without a yes/no or true/false spelling, is as likely a count as a flag:
//     integer (it loads the same either way);
//   - numbers written with leading zeros ("007") or a leading + ("+318855443322") are codes
//     and phone numbers, not quantities: a number type would drop the zeros or the +, so they
//     are text, and the values decide between category and text as for any text.
//
// With no candidate, a column with few distinct values (category_max_distinct, and at most
// category_max_share of its rows) is a category, else text.
func Infer(ev Evidence, th *contract.Profile) Inference {
	if ev.NonNull == 0 {
		return Inference{Type: TypeEmpty, Contract: contract.Text}
	}
	best, bestN := candidate(-1), int64(0)
	var notes []string
	for k := candidate(0); k < nCand; k++ {
		n := ev.Parses[k]
		if n == 0 || float64(n)/float64(ev.NonNull) < th.MinConfidence || n <= bestN {
			continue
		}
		if k == candBoolean && ev.YesNo+ev.TrueFalse == 0 {
			// Only a column of nothing but 0 and 1 might be a flag; one that also holds 2..8 is
			// a count that is mostly 0 or 1, and saying "only 0 and 1" of it would be wrong.
			if n == ev.NonNull {
				notes = append(notes, "only 0 and 1: typed integer; make it flag or boolean if it means yes/no")
			}
			continue
		}
		best, bestN = k, n
	}
	if tz, wall := ev.Parses[candTimestamptz], ev.Parses[candTimestamp]; tz > 0 && wall > 0 {
		// Never guessed: a wall clock is not an instant, nor the other way round.
		notes = append(notes, fmt.Sprintf("mixes %s with a UTC offset and %d without: neither timestamp nor timestamptz takes both, the other kind is quarantined (set the zone in the export, or type the column text)",
			plural(tz, "date"), wall))
	}
	if best == candInteger || best == candDecimal {
		switch {
		case ev.LeadingZero > 0:
			notes = append(notes, fmt.Sprintf("%s written with leading zeros (e.g. %q): typed text so the zeros are kept", plural(ev.LeadingZero, "number"), ev.ZeroExample))
			best = -1
		case ev.Plus > 0:
			notes = append(notes, fmt.Sprintf("%s written with a leading + (e.g. %q): typed text so the + is kept (a phone number, not a quantity)", plural(ev.Plus, "number"), ev.PlusEx))
			best = -1
		}
	}
	if best >= 0 {
		inf := Inference{Type: candNames[best], Contract: contract.Type(candNames[best]), Confidence: float64(bestN) / float64(ev.NonNull), Notes: notes}
		if best == candBoolean {
			inf.Contract = contract.Flag // yes/no text: what dashboards compare to
			if ev.TrueFalse > ev.YesNo {
				inf.Contract = contract.Boolean
			}
		}
		return inf
	}
	inf := Inference{Type: TypeText, Contract: contract.Text, Confidence: 1, Notes: notes}
	if ev.Distinct <= int64(th.CategoryMaxDistinct) && float64(ev.Distinct) <= th.CategoryMaxShare*float64(ev.Rows) {
		inf.Type = TypeCategory
		inf.Notes = append(inf.Notes, fmt.Sprintf("a category: %s", plural(ev.Distinct, "distinct value")))
	}
	return inf
}

// leadingZero reports whether s is a plain number written with a leading zero ("007",
// "-01.5"), which typing as a number would drop.
func leadingZero(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return len(s) >= 2 && s[0] == '0' && isDigit(s[1])
}

// plural is "1 row", "2 rows".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
