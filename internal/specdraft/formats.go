package specdraft

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
)

// Date formats for the reviewer: the profiler counts date forms (ISO, day-first, ...), but a
// person checks a contract against the export's spelling, e.g. "MM/DD/YYYY hh:mm". Values that
// look like dates or times are reduced to shapes (every digit becomes 9), a bounded number of
// them counted, and rendered once the column's date order is known.

const (
	maxShapes   = 16 // distinct shapes counted per column; the rest are "other"
	maxShapeLen = 40 // longer values are not dates
)

type shapes struct {
	n     map[string]int64
	other int64
}

// add counts the shape of s when s looks like a date or time: it starts with a digit and has a
// '/' or ':' or an ISO date's '-'.
func (sh *shapes) add(s string) {
	if len(s) > maxShapeLen || s[0] < '0' || s[0] > '9' {
		return
	}
	if !strings.ContainsAny(s, "/:") && !(len(s) >= 10 && s[4] == '-' && s[7] == '-') {
		return
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			b[i] = '9'
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A' // "pm" and "PM" are one shape
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

// renderShape names the digit runs of a shape: D/M or M/D and YYYY for a slash date (by order),
// YYYY-MM-DD for ISO, then hh, mm, ss and f for the time of day. A run it cannot place stays 9s.
func renderShape(shape string, order contract.DateOrder) string {
	var fields []string
	switch {
	case strings.Count(shape, "/") == 2:
		fields = []string{"D", "M", "Y"}
		if order == contract.MDY {
			fields = []string{"M", "D", "Y"}
		}
	case len(shape) >= 10 && shape[4] == '-':
		fields = []string{"Y", "M", "D"}
	}
	fields = append(fields, "h", "m", "s", "f")
	var b strings.Builder
	next := 0
	for i := 0; i < len(shape); {
		if shape[i] != '9' {
			b.WriteByte(shape[i])
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
		b.WriteString(strings.Repeat(name, j-i))
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
