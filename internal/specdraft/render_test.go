package specdraft

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/sdetl/sdetl/internal/contract"
)

// TestYAMLStringRoundTrip: every string reads back exactly, alone and inside a flow mapping
// and a flow list (where , [ ] { } are indicators).
func TestYAMLStringRoundTrip(t *testing.T) {
	tests := []struct {
		s     string
		plain bool
	}{
		{"Customer", true}, {"_x1", true}, {"Case Number", false}, {"null", false}, {"NULL", false}, {"yes", false},
		{"No", false}, {"on", false}, {"y", false}, {"~", false}, {"", false}, {"123", false}, {"1e3", false},
		{"0x1F", false}, {".inf", false}, {"2025-01-01", false}, {"a: b", false}, {"a #b", false}, {"#x", false},
		{"- x", false}, {"[x]", false}, {"{x}", false}, {"x,y", false}, {"*a", false}, {"&a", false}, {"!t", false},
		{"%p", false}, {"@a", false}, {"`a", false}, {"|", false}, {">", false}, {"'q'", false}, {`"q"`, false},
		{`back\slash`, false}, {"tab\there", false}, {"new\nline", false}, {"crlf\r\n", false}, {"nul\x00", false},
		{"\ufeffbom", false}, {"line\u2028sep", false}, {"nel\u0085", false}, {"Überblick ✓", false}, {"emoji 😀", false},
		{" lead", false}, {"trail ", false}, {"?", false}, {"-", false}, {"N/A", false},
	}
	for _, tt := range tests {
		q := yamlString(tt.s)
		if plain := q == tt.s; plain != tt.plain {
			t.Errorf("yamlString(%q) = %s: plain %v, want %v", tt.s, q, plain, tt.plain)
		}
		var got struct {
			A string `yaml:"a"`
			M struct {
				K string `yaml:"k"`
			} `yaml:"m"`
			L []string `yaml:"l"`
		}
		doc := "a: " + q + "\nm: {k: " + q + "}\nl: [" + q + ", " + q + "]\n"
		if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
			t.Errorf("%q: %v\n%s", tt.s, err, doc)
			continue
		}
		if got.A != tt.s || got.M.K != tt.s || len(got.L) != 2 || got.L[0] != tt.s || got.L[1] != tt.s {
			t.Errorf("%q read back as %q / %q / %q", tt.s, got.A, got.M.K, got.L)
		}
	}
}

func TestRenderShape(t *testing.T) {
	tests := []struct {
		value string
		order contract.DateOrder
		want  string
	}{
		{"03/25/2025 14:05", contract.MDY, "MM/DD/YYYY HH:mm"},
		{"3/5/2025", contract.MDY, "M/D/YYYY"},
		{"25/03/2025 14:05:09", contract.DMY, "DD/MM/YYYY HH:mm:ss"},
		{"2/07/2025 4:21 pm", contract.DMY, "D/MM/YYYY h:mm A"},
		{"12-Mar-2025", contract.DMY, "DD-MMM-YYYY"},
		{"Mar 12, 2025 3:04:05 PM", contract.DMY, "MMM DD, YYYY h:mm:ss A"},
		{"12/march/25 15:04", contract.MDY, "DD/MMMM/YY HH:mm"},
		{"03-12-2025 15:21:08", contract.Unresolved, "??-??-YYYY HH:mm:ss"},
		{"2025-03-12T15:04:05.5+11:00", contract.DMY, "YYYY-MM-DDTHH:mm:ss.SZ"},
		{"12.03.2025 15:04 UTC", contract.DMY, "DD.MM.YYYY HH:mm Z"},
		{"2025-03-25", contract.DMY, "YYYY-MM-DD"},
		{"2025-03-25T14:05:09.123", contract.MDY, "YYYY-MM-DDTHH:mm:ss.SSS"},
		{"8:30", contract.DMY, "H:mm"},
		{"08:30:00 AM", contract.DMY, "hh:mm:ss A"},
	}
	for _, tt := range tests {
		var sh shapes
		sh.add(tt.value)
		fs := sh.formats(tt.order)
		if len(fs) != 1 || fs[0].Format != tt.want || fs[0].Count != 1 {
			t.Errorf("%q (%s): got %+v, want %q", tt.value, tt.order, fs, tt.want)
		}
	}
}

func TestShapesAreBounded(t *testing.T) {
	var sh shapes
	for i := range 100 { // 100 distinct shapes: runs of spaces and fraction lengths
		sh.add("1/1/25" + strings.Repeat(" ", 1+i/6) + "1:00:00." + strings.Repeat("5", 1+i%6))
	}
	sh.add("not a date")
	sh.add("12345")
	fs := sh.formats(contract.DMY)
	var total int64
	for _, f := range fs {
		total += f.Count
	}
	if len(sh.n) != maxShapes || sh.other != 100-maxShapes || total != 100 {
		t.Errorf("%d shapes, %d other, %d counted; want %d, %d, 100", len(sh.n), sh.other, total, maxShapes, 100-maxShapes)
	}
}
