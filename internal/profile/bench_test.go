package profile

import (
	"strings"
	"testing"

	"github.com/sdetl/sdetl/internal/contract"
)

// BenchmarkTableAdd feeds rows shaped like the staging store's comments: ids, a day-first
// timestamp, a 2 KB text and short categorical text.
func BenchmarkTableAdd(b *testing.B) {
	s := contract.ServiceDesk()
	p := NewTable(s, s.Table("comments"))
	text := strings.Repeat("restarted the proxy and confirmed with the customer. ", 40)
	row := []string{"8000123", "3601234", text, "10425", "ajackson", "User", "20/05/2025 8:42", "", "comments", "Cloud - BAU Support"}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := p.Add(row); err != nil {
			b.Fatal(err)
		}
	}
}
