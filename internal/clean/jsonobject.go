package clean

import "strings"

// jsonPairsPerCall bounds the key/value pairs given to one json_object call. SQLite limits a
// function's arguments (SQLITE_MAX_FUNCTION_ARG: 1,000 since 3.48, 127 before), so a record
// of a wide table — over 500 columns — cannot be one call. 63 pairs (126 arguments) fit
// either limit.
const jsonPairsPerCall = 63

// jsonObjectSQL is an SQL expression building the JSON object of pairs (key, value, key,
// value, ...) exactly as one json_object call would: for more pairs than one call takes, the
// objects of each chunk are rendered and spliced, their braces removed, into one. json_object
// writes no whitespace, so the text is byte for byte the same as the single call's.
func jsonObjectSQL(pairs []string) string {
	if len(pairs) <= 2*jsonPairsPerCall {
		return "json_object(" + strings.Join(pairs, ", ") + ")"
	}
	var parts []string
	for i := 0; i < len(pairs); i += 2 * jsonPairsPerCall {
		chunk := pairs[i:min(i+2*jsonPairsPerCall, len(pairs))]
		o := "json_object(" + strings.Join(chunk, ", ") + ")"
		parts = append(parts, "substr("+o+", 2, length("+o+") - 2)")
	}
	return "'{' || " + strings.Join(parts, " || ',' || ") + " || '}'"
}
