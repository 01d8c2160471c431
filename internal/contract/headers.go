package contract

import (
	"fmt"
	"strings"
)

// Mapping says where each contracted column sits in one export's header row.
type Mapping struct {
	Dialect int      // index into Table.Dialects (0 when the table has none)
	Source  []int    // Source[i] = position of Table.Columns[i] in the export row
	Extra   []int    // positions of columns the contract does not know (kept as extras)
	Headers []string // the export's header row as read
}

// DialectName returns the dialect's name, or "" for single-dialect tables.
func (t *Table) DialectName(m *Mapping) string {
	if m.Dialect < len(t.Dialects) {
		return t.Dialects[m.Dialect]
	}
	return ""
}

// MatchHeaders maps an export's header row to the contract. Headers match after trimming
// whitespace (and a UTF-8 BOM), case-insensitively; column order is free. The dialect whose
// headers match best is chosen; every declared column must then be present.
func (t *Table) MatchHeaders(headers []string) (*Mapping, error) {
	pos := map[string]int{}
	for i, h := range headers {
		k := normHeader(h)
		if k == "" {
			continue
		}
		if _, dup := pos[k]; dup {
			return nil, fmt.Errorf("header %q appears twice (columns %d and %d)", strings.TrimSpace(h), pos[k]+1, i+1)
		}
		pos[k] = i
	}
	nd := max(len(t.Dialects), 1)
	best, bestHits := 0, -1
	for d := 0; d < nd; d++ {
		hits := 0
		for _, c := range t.Columns {
			if _, ok := pos[normHeader(c.Header(d))]; ok {
				hits++
			}
		}
		if hits > bestHits {
			best, bestHits = d, hits
		}
	}
	m := &Mapping{Dialect: best, Source: make([]int, len(t.Columns)), Headers: headers}
	used := make([]bool, len(headers))
	var missing []string
	for i, c := range t.Columns {
		p, ok := pos[normHeader(c.Header(best))]
		if !ok {
			missing = append(missing, c.Header(best))
			continue
		}
		m.Source[i] = p
		used[p] = true
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing required column(s) %s", quoteList(missing))
	}
	for i, u := range used {
		if !u && normHeader(headers[i]) != "" {
			m.Extra = append(m.Extra, i)
		}
	}
	return m, nil
}

func normHeader(h string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}
