package cellguard

import "testing"

func TestGuard(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""}, {"plain", "plain"}, {"12", "12"}, {" =1", " =1"},
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"'quoted", "''quoted"}, {"''", "'''"}, {"'", "''"},
	}
	for _, tt := range tests {
		if got := Guard(tt.in); got != tt.want {
			t.Errorf("Guard(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Unguard(Guard(tt.in)); got != tt.in {
			t.Errorf("Unguard(Guard(%q)) = %q", tt.in, got)
		}
	}
}

// FuzzRoundTrip: the way back is exact for any bytes, and no guarded cell starts a formula.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"", "=1", "'", "''=", "\t", "\x00", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g := Guard(s)
		if Unguard(g) != s {
			t.Fatalf("Unguard(Guard(%q)) = %q", s, Unguard(g))
		}
		if g != "" {
			switch g[0] {
			case '=', '+', '-', '@', '\t', '\r':
				t.Fatalf("Guard(%q) = %q starts a formula", s, g)
			}
		}
	})
}
