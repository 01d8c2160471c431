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
	// Names are the headers as matched, per position: trimmed, without a BOM, and a repeated
	// header numbered from its second occurrence on (RepeatedHeader); "" for an empty header.
	Names []string
}

// RepeatedHeader is how the n-th occurrence (n >= 2) of a header is named and matched: Jira
// repeats "Labels", "Comment", "Sprint" once per value, and a contract addresses the second
// "Labels" as "Labels (2)". Occurrences are counted ignoring case, as matching is.
func RepeatedHeader(h string, n int) string { return fmt.Sprintf("%s (%d)", h, n) }

// HeaderNames are an export's headers as MatchHeaders matches them (Mapping.Names), or an
// error when a numbered repeat collides with a header the export spells that way itself.
func HeaderNames(headers []string) ([]string, error) {
	names := make([]string, len(headers))
	seen := map[string]int{}  // normalised header -> occurrences so far
	taken := map[string]int{} // normalised name -> position
	for i, h := range headers {
		name := strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		k := strings.ToLower(name)
		if k == "" {
			continue
		}
		seen[k]++
		if n := seen[k]; n > 1 {
			name = RepeatedHeader(name, n)
		}
		if j, dup := taken[strings.ToLower(name)]; dup {
			return nil, fmt.Errorf("header %q (column %d) is repeated, and its name as a repeat, %q, is already column %d's header; rename one of them", strings.TrimSpace(h), i+1, name, j+1)
		}
		taken[strings.ToLower(name)] = i
		names[i] = name
	}
	return names, nil
}

// DialectName returns the dialect's name, or "" for single-dialect tables.
func (t *Table) DialectName(m *Mapping) string {
	if m.Dialect < len(t.Dialects) {
		return t.Dialects[m.Dialect]
	}
	return ""
}

// MatchHeaders maps an export's header row to the contract. Headers match after trimming
// whitespace (and a UTF-8 BOM), case-insensitively; column order is free; a repeated header is
// matched as "H (2)", "H (3)", ... from its second occurrence on (RepeatedHeader). The dialect
// whose headers match best is chosen; every declared column must then be present.
func (t *Table) MatchHeaders(headers []string) (*Mapping, error) {
	names, err := HeaderNames(headers)
	if err != nil {
		return nil, err
	}
	pos := map[string]int{}
	for i, n := range names {
		if n != "" {
			pos[strings.ToLower(n)] = i
		}
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
	m := &Mapping{Dialect: best, Source: make([]int, len(t.Columns)), Headers: headers, Names: names}
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
		if !u && names[i] != "" {
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
