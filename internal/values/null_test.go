package values

import (
	"strings"
	"testing"
)

// refNull is nullTrimmed without the length and first-letter masks: every sentinel compared
// case-insensitively.
func refNull(n *Normalizer, s string) bool {
	if s == "" {
		return true
	}
	if len(s) > n.maxLen {
		return false
	}
	for _, x := range n.sentinels {
		if strings.EqualFold(s, x.s) {
			return true
		}
	}
	return false
}

// TestNullMaskEqualsFold: the ASCII length and first-letter masks never change IsNull's answer,
// for every short string over the sentinels' letters in both cases (and others), for ASCII and
// non-ASCII sentinel sets (including one beyond the mask's 63 bytes) and values that fold to a
// sentinel through non-ASCII runes (the Kelvin sign folds to k, the long s to s).
func TestNullMaskEqualsFold(t *testing.T) {
	long := strings.Repeat("x", 70)
	sets := [][]string{
		testSentinels,
		{"nan", "NULL", "sk", "?"},
		{"kß", "N/A"},
		{"ǅ", "-"},
		{"\u212a", "nan"},
		{long, "nil"},
		{},
		{" ", "  na  "},
	}
	vals := []string{"", "nan", "NaN", "NAN ", "null", "NULL", "nuLL", "n/a", "N/A", "?", "-", "--", "x",
		"sk", "SK", "\u212a", "s\u212a", "\u017fk", "\u017f\u212a", "kß", "KSS", "Kß", "\u212aß", "ǅ", "ǆ", "Ǆ", "d",
		long, strings.ToUpper(long), long + "x", "na", "NA", "Caller 2403", "nil", "NIL", "ni\u212a", "k", "K", "é", "日本",
		"true", "TRUE", "0", "12", "mull", "Null", "?x", "x?", "@", "`", "[", "{"}
	// Every string of up to three bytes over letters either side of the sentinels' in ASCII
	// ('@' and '[' beside 'A'..'Z', '`' and '{' beside 'a'..'z'), so a mask bit off by one or
	// by case shows.
	const alphabet = "nNaAlLuU?-/kKsSx@[`{ "
	for _, a := range alphabet {
		vals = append(vals, string(a))
		for _, b := range alphabet {
			vals = append(vals, string(a)+string(b))
			for _, c := range alphabet {
				vals = append(vals, string(a)+string(b)+string(c))
			}
		}
	}
	for _, set := range sets {
		n := NewNormalizer(set)
		for _, v := range vals {
			if got, want := n.nullTrimmed(v), refNull(n, v); got != want {
				t.Errorf("sentinels %q: nullTrimmed(%q) = %v, the fold over every sentinel %v", set, v, got, want)
			}
		}
	}
}

// TestTrimSpace: TrimSpace (which IsNull trims with) is strings.TrimSpace, at ASCII and
// Unicode spaces, control and high bytes at either end.
func TestTrimSpace(t *testing.T) {
	ends := []string{"", " ", "\t", "\n", "\v", "\f", "\r", "\x00", "\x1f", "!", "a", "\x7f", "\u0085", "\u00a0", "\u2003", "\u3000", "é", "\xff", "\xc2"}
	for _, a := range ends {
		for _, b := range ends {
			for _, mid := range []string{"", "x", " x ", "N/A"} {
				s := a + mid + b
				if got, want := TrimSpace(s), strings.TrimSpace(s); got != want {
					t.Fatalf("TrimSpace(%q) = %q, want %q", s, got, want)
				}
			}
		}
	}
}
