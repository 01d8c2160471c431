package specdraft

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sdetl/sdetl/internal/contract"
)

// Rendering: the YAML is written by hand, in the layout of the built-in contract (one flow
// mapping per column), because the comments are the point of a draft and must sit exactly
// beside what they explain. Every string goes through yamlString; New parses the result back
// and compares it with the draft, so a quoting mistake cannot slip through.

// render writes the draft as a commented contract.
func (d *Draft) render() []byte {
	var b bytes.Buffer
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	exports := "1 export"
	if len(d.Tables) > 1 {
		exports = fmt.Sprintf("%d exports", len(d.Tables))
	}
	w("# Drafted by `sdetl spec init` from %s. Review every comment before relying on it: types,\n", exports)
	w("# date orders and keys are inferred from the data, not known. Format: docs/spec-format.md.\n")
	w("# To load, put the exports side by side in one directory and run\n")
	w("#   sdetl run --spec THIS_FILE --exports DIR\n")
	w("# No scope section: every row is loaded. No profile section and, beyond the date range, order\n")
	w("# rules and zero_ids, no quality section: their defaults apply.\n")
	w("name: %s\n", yamlString(d.Name))
	for _, n := range d.Notes {
		headLines(&b, "", []string{n})
	}
	w("schema: %s\n", yamlString(d.Schema))
	orderNote := fmt.Sprintf("ambiguous d/m values (both parts <= 12) are read %s unless a column says otherwise", orderWord(d.DateOrder))
	if d.DateOrder == contract.Unresolved {
		orderNote = "no order stated: each column's own values decide, else the export's other date columns; a column nothing decides is refused by sdetl run until it says dmy or mdy"
	}
	w("date_order: %s%s\n", d.DateOrder, comment(orderNote))
	w("sentinels: %s%s\n", flowList(d.Sentinels), comment(d.sentinelNote()))
	w("\ntables:\n")
	for i, t := range d.Tables {
		if i > 0 {
			b.WriteByte('\n')
		}
		renderTable(&b, t)
	}
	d.renderQuality(&b)
	return b.Bytes()
}

// renderQuality writes the date range and order rules the data suggests and lists the integer
// columns where 0 is a value; the rest of the quality section keeps its defaults.
func (d *Draft) renderQuality(b *bytes.Buffer) {
	b.WriteString("\nquality:\n")
	headLines(b, "  ", []string{d.Dates.Note})
	fmt.Fprintf(b, "  dates: {min: %s, max_ahead_days: %d}\n", yamlString(d.Dates.Min), d.Dates.MaxAheadDays)
	firstOrder := true
	for _, t := range d.Tables {
		for _, o := range t.Orders {
			if firstOrder {
				b.WriteString("  order:   # dates whose names say which comes first, and the data agrees: a misread date order fails the rule\n")
				firstOrder = false
			}
			fmt.Fprintf(b, "    - {table: %s, columns: %s}   # %s\n", yamlString(o.Table), flowList(o.Columns),
				commentText(fmt.Sprintf("holds on %d of %d rows with both", o.Compared-o.Against, o.Compared)))
		}
	}
	first := true
	for _, t := range d.Tables {
		for _, c := range t.Columns {
			if !c.ZeroID {
				continue
			}
			if first {
				b.WriteString("  zero_ids:   # integer columns holding 0 as a value: the score does not count it as a missing id\n")
				first = false
			}
			fmt.Fprintf(b, "    - {table: %s, column: %s}\n", yamlString(t.Table), yamlString(c.Name))
		}
	}
}

func renderTable(b *bytes.Buffer, t *TableDraft) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	head := fmt.Sprintf("%s: %s, %s", filepath.Base(t.Path), plural(t.Rows, "data row"), plural(int64(len(t.Columns)), "column"))
	headLines(b, "  ", append([]string{head}, append(t.Notes, t.KeyNote)...))
	w("  - name: %s\n", yamlString(t.Table))
	w("    file: %s\n", yamlString(t.File))
	w("    optional: false\n")
	if t.Encoding != "" {
		w("    encoding: %s%s\n", t.Encoding, comment(t.EncodingNote))
	}
	if t.Key != "" {
		w("    key: %s\n", flowList([]string{t.Key}))
	}
	if t.Modified != "" {
		w("    modified: %s%s\n", yamlString(t.Modified), comment("decides which row of a repeated key is newest"))
	}
	w("    columns:\n")
	for _, c := range t.Columns {
		headLines(b, "      ", c.commentLines())
		w("      - {name: %s", yamlString(c.Name))
		if c.Name != c.Header {
			w(", headers: %s", flowList([]string{c.Header}))
		}
		w(", type: %s", c.Type)
		if c.Required {
			w(", required: true")
		}
		if c.DateOrder != "" {
			w(", date_order: %s", c.DateOrder)
		}
		w("}\n")
	}
}

// commentLines explain a column: what its values are, how dates are spelled and ordered, what
// the reviewer should check, and a few examples.
func (c *ColumnDraft) commentLines() []string {
	var first string
	if c.NonNull == 0 {
		first = fmt.Sprintf("%s: no values", c.Type)
	} else {
		first = fmt.Sprintf("%s: %s of %s", c.Type, pct(c.Confidence), plural(c.NonNull, "value"))
	}
	first += fmt.Sprintf("; %s; %d distinct", c.nullText(), c.Distinct)
	if !c.Exact {
		first += " (estimated)"
	}
	if c.Min != "" && c.Type != contract.Text && c.Type != contract.Flag && c.Type != contract.Boolean {
		first += fmt.Sprintf("; range %s .. %s", c.Min, c.Max)
	}
	lines := []string{first}
	var dates []string
	if len(c.Formats) > 0 || c.Serials+c.Epochs > 0 {
		dates = append(dates, "format "+describeFormats(c.Formats, c.Serials, c.Epochs))
	}
	if c.OrderNote != "" {
		dates = append(dates, c.OrderNote)
	}
	if len(dates) > 0 {
		lines = append(lines, "  "+strings.Join(dates, "; "))
	}
	if c.Invalid > 0 {
		lines = append(lines, fmt.Sprintf("  CHECK: %s %s not %s, so %s quarantined (%s): %s",
			plural(c.Invalid, "value"), verb(c.Invalid, "is", "are"), c.Type, verb(c.Invalid, "its row is", "their rows are"), contract.RuleInvalid(c.Type), quoteList(c.InvalidEx)))
	}
	for _, n := range c.Notes {
		lines = append(lines, "  "+n)
	}
	if len(c.Examples) > 0 {
		lines = append(lines, "  e.g. "+quoteList(c.Examples))
	}
	return lines
}

// nullText says how many values are null and why, e.g. `2 null (1 empty, 1 "?")`.
func (c *ColumnDraft) nullText() string {
	if c.Nulls == 0 {
		return "no nulls"
	}
	var parts []string
	empty := c.Nulls
	for _, x := range slices.Sorted(maps.Keys(c.Sentinels)) {
		empty -= c.Sentinels[x]
	}
	if empty > 0 {
		parts = append(parts, fmt.Sprintf("%d empty", empty))
	}
	for _, x := range slices.Sorted(maps.Keys(c.Sentinels)) {
		parts = append(parts, fmt.Sprintf("%d %q", c.Sentinels[x], x))
	}
	return fmt.Sprintf("%d null (%s)", c.Nulls, strings.Join(parts, ", "))
}

func (d *Draft) sentinelNote() string {
	var found []string
	for _, x := range d.Sentinels {
		if n := d.SentinelHits[x]; n > 0 {
			found = append(found, fmt.Sprintf("%q %s", x, plural(n, "time")))
		}
	}
	if len(found) == 0 {
		return "the defaults; none found in the exports. '' and whitespace are always null"
	}
	return "found: " + strings.Join(found, ", ") + ". '' and whitespace are always null"
}

// headLines writes comment lines at indent.
func headLines(b *bytes.Buffer, indent string, lines []string) {
	for _, l := range lines {
		if l == "" {
			continue
		}
		b.WriteString(indent + "# " + commentText(l) + "\n")
	}
}

// comment is a line comment.
func comment(text string) string { return "   # " + commentText(text) }

// commentText keeps a comment on its line: control characters (a newline in a file name) are
// shown escaped.
func commentText(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func flowList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = yamlString(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// yamlString writes s as a YAML scalar that reads back as exactly s: plain when it is a simple
// word YAML cannot take for anything else, double-quoted (with escapes) otherwise.
func yamlString(s string) string {
	if plainWord(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == utf8.RuneError:
			b.WriteString(`\uFFFD`)
		case r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xfeff ||
			(r >= 0x80 && r < 0xa0) || !unicode.IsPrint(r) && r != ' ':
			if r <= 0xffff {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				fmt.Fprintf(&b, `\U%08X`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// plainWord: [A-Za-z_][A-Za-z0-9_]*, but not a word YAML 1.1 or 1.2 reads as a bool or null.
func plainWord(s string) bool {
	if s == "" || !(s[0] == '_' || s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return false
	}
	return true
}

func pct(x float64) string {
	if x == 1 {
		return "100%"
	}
	s := fmt.Sprintf("%.1f", 100*x)
	if s == "100.0" {
		s = "99.9"
	}
	return s + "%"
}
