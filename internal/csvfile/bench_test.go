package csvfile

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// benchData is a ticket-export-like file: mostly short unquoted fields, some quoted text with
// commas, doubled quotes and CRLF inside.
func benchData(rows int) []byte {
	var b bytes.Buffer
	b.WriteString("\xEF\xBB\xBFTKT-Ticket ID,TKT-Title,TKT-Created Date,TKT-Status,TKT-Assigned To User,TKT-Description\r\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "%d,Printer on floor %d not working,2/07/2025 16:%02d,Open,jdoe%d,", 100000+i, i%9, i%60, i%48)
		if i%3 == 0 {
			b.WriteString("\"Tried \"\"turning it off\"\", no luck.\r\nUser says: it's urgent, please call back; é\"\r\n")
		} else {
			b.WriteString("Short plain description of the issue with some words in it\r\n")
		}
	}
	return b.Bytes()
}

func BenchmarkRead(b *testing.B) {
	data := benchData(50000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data), "bench.csv")
		for {
			_, _, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
