// Package cellguard keeps a CSV an operator opens in a spreadsheet from running formulas
// ("CSV injection", OWASP): a cell starting with =, +, -, @, a tab or a carriage return gets
// one leading ' on export, which spreadsheets read as "this cell is text". So that the way back
// is exact, a cell already starting with ' gets one too: every guarded cell starts with ' and
// Unguard removes exactly one, so Unguard(Guard(s)) == s for every s.
package cellguard

// Column is the column a guarded file carries, so that a reader knows to unguard it (a file
// written before guarding existed has no such column, and its cells are taken as they are).
const Column = "_quarantine_guard"

// Marker is the value of Column on every guarded row: it names the scheme.
const Marker = "leading-quote"

// Guard returns s, prefixed with ' when a spreadsheet would read it as a formula or when it
// already starts with '.
func Guard(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return "'" + s
	}
	return s
}

// Unguard reverses Guard: one leading ' is removed.
func Unguard(s string) string {
	if len(s) > 0 && s[0] == '\'' {
		return s[1:]
	}
	return s
}
