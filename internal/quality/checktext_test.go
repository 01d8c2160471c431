package quality

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/sdetl/sdetl/internal/contract"
)

// refCheckText is checkText as it was before the short-value return and the byte-length
// bounds on the rune count: every check on every value, the runes counted whenever a length
// rule applies.
func refCheckText(m *ColumnMetrics, name string, tr contract.TextRules, raw string) {
	if i := strings.IndexByte(raw, 0); i >= 0 {
		m.NUL.addSnippet(name, around(raw, i, i+1, ""))
	}
	if i, j := newlineRun(raw, tr.MaxNewlineRun); i >= 0 {
		for j < len(raw) && (raw[j] == '\n' || raw[j] == '\r') {
			j++
		}
		n := strings.Count(raw[i:j], "\n") + strings.Count(raw[i:j], "\r") - strings.Count(raw[i:j], "\r\n")
		m.NewlineRun.addSnippet(name, around(raw, i, j, fmt.Sprintf("[%d newlines]", n)))
	}
	rc := utf8.RuneCountInString(raw)
	if rc > tr.MaxLength {
		m.TooLong.add(name, raw)
	}
	for _, n := range tr.TruncationLengths {
		switch {
		case rc == n:
			if m.AtLength == nil {
				m.AtLength = map[int]*Issue{}
			}
			if m.AtLength[n] == nil {
				m.AtLength[n] = &Issue{}
			}
			m.AtLength[n].add(name, raw)
		case rc > n:
			if m.Longer == nil {
				m.Longer = map[int]int64{}
			}
			m.Longer[n]++
		}
	}
	if rc >= tr.EllipsisMinLength && endsMidWord(raw) {
		m.Ellipsis.N++
		if len(m.Ellipsis.Examples) < maxExamples {
			m.Ellipsis.Examples = addExample(m.Ellipsis.Examples, name+": "+tail(raw))
		}
	}
}

// textValues are values around every length rule of tr in bytes and in runes: ASCII, 2-, 3-
// and 4-byte runes and invalid bytes, with NULs, newline runs (LF, CR LF, lone CR) and
// ellipses, so the byte-length shortcuts meet every side of every threshold.
func textValues(tr contract.TextRules) []string {
	lens := []int{0, 1, 2, tr.MaxNewlineRun - 1, tr.MaxNewlineRun, tr.MaxLength, tr.MaxLength + 1, tr.EllipsisMinLength - 1, tr.EllipsisMinLength}
	for _, n := range tr.TruncationLengths {
		lens = append(lens, n-1, n, n+1, 4*n-1, 4*n, 4*n+1, 2*n)
	}
	units := []string{"a", "é", "€", "😀", "\xff", "a\x00", "\n", "\r\n", "\r", "ab..."}
	var out []string
	for _, l := range lens {
		for _, u := range units {
			for k := l - 3; k <= l+1; k++ {
				if k < 0 {
					continue
				}
				s := strings.Repeat(u, k/max(1, utf8.RuneCountInString(u)))
				out = append(out, s, s+"x...", s+"word…", "a"+s, s+"\x00")
				if len(s) > 0 {
					out = append(out, s[:len(s)-1], "é"+s[1:]+"...")
				}
			}
		}
	}
	return out
}

// TestCheckTextEqualsReference: checkText counts and keeps exactly what the full checks do,
// under the default text rules and tight ones where every threshold is a few bytes.
func TestCheckTextEqualsReference(t *testing.T) {
	rules := []contract.TextRules{
		contract.DefaultQuality().Text,
		{MaxLength: 10, MaxNewlineRun: 3, TruncationLengths: []int{5, 8}, EllipsisMinLength: 6},
		{MaxLength: 3, MaxNewlineRun: 1, TruncationLengths: []int{4}, EllipsisMinLength: 0},
		{MaxLength: 40, MaxNewlineRun: 12, TruncationLengths: []int{20, 7, 2}, EllipsisMinLength: 9},
	}
	for _, tr := range rules {
		a := &accumulator{text: tr, short: shortText(tr)}
		got, want := &ColumnMetrics{}, &ColumnMetrics{}
		cc := &colCheck{c: &contract.Column{Name: "c", Type: contract.Text}, m: got}
		vals := textValues(tr)
		for _, v := range vals {
			a.checkText(cc, v)
			refCheckText(want, "c", tr, v)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("rules %+v, %d values: checkText differs from the full checks (-full +checkText):\n%s", tr, len(vals), d)
		}
	}
}
