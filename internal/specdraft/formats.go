package specdraft

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/values"
)

// Date formats for the reviewer: the profiler counts date forms (ISO, day-first, ...), but a
// person checks a contract against the export's spelling. Values that parse as dates or times
// are reduced to shapes (every digit becomes 9, a month name MMM or MMMM, AM/PM A, a zone word
// Z), a bounded number of them counted, and rendered once the column's date order is known in
// the tokens of the contract's `format` (docs/spec-format.md), e.g. "MM-DD-YYYY HH:mm:ss", so
// that a reviewer can copy one into the contract.

const (
	maxShapes   = 16 // distinct shapes counted per column; the rest are "other"
	maxShapeLen = 40 // longer values are not dates
)

type shapes struct {
	n     map[string]int64
	other int64
}

// add counts the shape of s when s is date text or a time of day.
func (sh *shapes) add(s string) {
	if len(s) > maxShapeLen {
		return
	}
	switch values.ClassifyDate(s) {
	case values.FormISO, values.FormDayFirst, values.FormMonthFirst, values.FormAmbiguous, values.FormMonthName:
	default:
		if s[0] < '0' || s[0] > '9' || !strings.Contains(s, ":") {
			return
		}
	}
	b := make([]byte, 0, len(s)+4)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b = append(b, '9')
			i++
		case c|0x20 >= 'a' && c|0x20 <= 'z':
			j := i
			for j < len(s) && s[j]|0x20 >= 'a' && s[j]|0x20 <= 'z' {
				j++
			}
			b = append(b, wordToken(s[i:j])...)
			i = j
		default:
			b = append(b, c)
			i++
		}
	}
	k := string(b)
	if sh.n == nil {
		sh.n = map[string]int64{}
	}
	if _, ok := sh.n[k]; ok || len(sh.n) < maxShapes {
		sh.n[k]++
	} else {
		sh.other++
	}
}

// wordToken is the shape of a word in a date: a month name, AM/PM, a zone, a weekday or T.
func wordToken(w string) string {
	l := strings.ToLower(w)
	switch {
	case l == "t":
		return "T"
	case l == "z" || l == "utc" || l == "gmt":
		return "Z"
	case l == "am" || l == "pm":
		return "A"
	case len(l) == 3 && strings.Contains("sun mon tue wed thu fri sat", l):
		return "ddd"
	case strings.HasSuffix(l, "day"):
		return "dddd"
	case len(l) == 3 || l == "sept":
		return "MMM"
	}
	return "MMMM"
}

// FormatCount is a spelling of dates or times and how many values had it.
type FormatCount struct {
	Format string `json:"format"`
	Count  int64  `json:"count"`
}

// formats renders the counted shapes with the column's date order, most frequent first.
func (sh *shapes) formats(order contract.DateOrder) []FormatCount {
	agg := map[string]int64{}
	for k, n := range sh.n {
		agg[renderShape(k, order)] += n
	}
	if sh.other > 0 {
		agg["other"] += sh.other
	}
	out := make([]FormatCount, 0, len(agg))
	for f, n := range agg {
		out = append(out, FormatCount{f, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Format < out[j].Format
	})
	return out
}

// renderShape names the digit runs of a shape in format tokens: the date's fields by its
// spelling (year first; a month name and the day and year around it; or D/M or M/D by order,
// ?? for both while the order is unresolved), then H or h (with A), mm, ss and S for the time of
// day and Z for an offset. A run it cannot place stays 9s.
func renderShape(shape string, order contract.DateOrder) string {
	var fields []string
	named := strings.Contains(shape, "MMM")
	switch {
	case strings.HasPrefix(shape, "9999") && len(shape) > 4 && (shape[4] < '0' || shape[4] > '9'):
		fields = []string{"Y", "M", "D"}
	case named:
		fields = []string{"D", "Y"}
	case strings.Count(shape, "/")+strings.Count(shape, "-")+strings.Count(shape, ".") >= 2 && !strings.HasPrefix(shape, "99:") && !strings.HasPrefix(shape, "9:"):
		switch order {
		case contract.MDY:
			fields = []string{"M", "D", "Y"}
		case contract.Unresolved:
			fields = []string{"?", "?", "Y"}
		default:
			fields = []string{"D", "M", "Y"}
		}
	}
	hour := "H"
	if strings.Contains(shape, "A") {
		hour = "h"
	}
	fields = append(fields, hour, "m", "s", "S")
	var b strings.Builder
	next := 0
	for i := 0; i < len(shape); {
		c := shape[i]
		if (c == '+' || c == '-') && next >= len(fields)-3 && i+1 < len(shape) && shape[i+1] == '9' {
			b.WriteByte('Z') // an offset after the time of day
			for i++; i < len(shape) && (shape[i] == '9' || shape[i] == ':'); i++ {
			}
			continue
		}
		if c != '9' {
			b.WriteByte(c)
			i++
			continue
		}
		j := i
		for j < len(shape) && shape[j] == '9' {
			j++
		}
		name := "9"
		if next < len(fields) {
			name = fields[next]
		}
		next++
		switch name {
		case "m", "s":
			name = strings.Repeat(name, 2) // minutes and seconds are always two digits
		default:
			name = strings.Repeat(name, j-i)
		}
		b.WriteString(name)
		i = j
	}
	return b.String()
}

// describeFormats is the comment text for a column's formats, e.g. "MM/DD/YYYY hh:mm (38)".
func describeFormats(fs []FormatCount, serial, epoch int64) string {
	var parts []string
	for i, f := range fs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("%d other spellings", len(fs)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", f.Format, f.Count))
	}
	if serial > 0 {
		parts = append(parts, fmt.Sprintf("Excel serial numbers (%d)", serial))
	}
	if epoch > 0 {
		parts = append(parts, fmt.Sprintf("epoch numbers (%d)", epoch))
	}
	return strings.Join(parts, ", ")
}
