package synth

import (
	"context"
	"testing"
)

// BenchmarkGenerate measures a whole data set at the reference size (scale 1); it writes about
// 290 MB (CSV) or 100 MB (XLSX) per iteration. Run with: go test -run - -bench Generate -benchtime 1x
func BenchmarkGenerate(b *testing.B) {
	for _, format := range []string{"csv", "xlsx"} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				if _, err := Generate(context.Background(), b.TempDir(), Options{Scale: 1, Seed: 1, Format: format}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
