package contract

import (
	"slices"
	"strings"
	"testing"
)

// Issue 12: Jira repeats headers; the repeats are matched numbered, as a contract names them.
func TestRepeatedHeaders(t *testing.T) {
	s, err := Parse([]byte(`
schema: jira
tables:
  - name: issues
    columns:
      - {name: key, headers: [Issue key], type: text}
      - {name: labels, headers: [Labels], type: text}
      - {name: labels_2, headers: ["Labels (2)"], type: text}
`))
	if err != nil {
		t.Fatal(err)
	}
	tb := s.Tables[0]
	m, err := tb.MatchHeaders([]string{"\ufeffIssue key", "Labels", "Summary", " labels ", "LABELS", "Summary"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Source, []int{0, 1, 3}) || !slices.Equal(m.Extra, []int{2, 4, 5}) ||
		!slices.Equal(m.Names, []string{"Issue key", "Labels", "Summary", "labels (2)", "LABELS (3)", "Summary (2)"}) {
		t.Errorf("source %v extra %v names %q", m.Source, m.Extra, m.Names)
	}
	// A numbered repeat that the export also spells itself cannot be told apart.
	if _, err := tb.MatchHeaders([]string{"Issue key", "Labels", "Labels (2)", "Labels"}); err == nil || !strings.Contains(err.Error(), `"Labels (2)", is already column 3's header`) {
		t.Errorf("collision: %v", err)
	}
}
