package synth

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// Dirt shared by the tables: the source formats a defect is written in, and how many cells a
// defect kind gets. Which rows get which defect is planned per table (tickets.go, comments.go,
// timesheets.go) from the table's own dirt stream.

// dayFirst formats t the way the Australian exports do: day without a leading zero, two-digit
// month, and (withTime) an hour without a leading zero and no seconds: "2/07/2025 8:42".
func dayFirst(t time.Time, withTime bool) string {
	y, m, d := t.Date()
	b := make([]byte, 0, 16)
	b = strconv.AppendInt(b, int64(d), 10)
	b = append(b, '/', byte('0'+int(m)/10), byte('0'+int(m)%10), '/')
	b = strconv.AppendInt(b, int64(y), 10)
	if withTime {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(t.Hour()), 10)
		b = append(b, ':', byte('0'+t.Minute()/10), byte('0'+t.Minute()%10))
	}
	return string(b)
}

// excelEpoch is serial day 0 of the 1900 date system (valid for serials >= 61).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// excelSerial writes t (to the millisecond) as Excel stores it: the float64 serial, in the
// shortest text that reads back as that float64. The clean stage reads serials to the
// millisecond, which gives t back exactly, fraction included.
func excelSerial(t time.Time) string {
	days := int64(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Sub(excelEpoch) / (24 * time.Hour))
	ms := int64(t.Hour()*3600+t.Minute()*60+t.Second())*1000 + int64(t.Nanosecond()/1e6)
	return strconv.FormatFloat(float64(days)+float64(ms)/86400000, 'f', -1, 64)
}

// dirtCount is how many cells a defect kind gets: rate*n rounded, but at least atLeast once n
// reaches minN (so small but realistic rates still show up at the reference size).
func dirtCount(n int, rate float64, atLeast, minN int) int {
	k := int(math.Round(rate * float64(n)))
	if n >= minN && k < atLeast {
		k = atLeast
	}
	return min(k, n)
}

// pickK returns k distinct elements of xs in a random order (a partial Fisher-Yates on a copy).
func pickK(r *rand.Rand, xs []int, k int) []int {
	k = min(k, len(xs))
	c := append([]int(nil), xs...)
	for i := 0; i < k; i++ {
		j := i + r.IntN(len(c)-i)
		c[i], c[j] = c[j], c[i]
	}
	return c[:k]
}

// insertNULs puts 1..3 NUL bytes between two non-space characters, where removing them gives
// the text back exactly whatever order the cleaner trims and strips in.
func insertNULs(r *rand.Rand, s string) string {
	b := []byte(s)
	for k := 1 + r.IntN(3); k > 0; k-- {
		for try := 0; try < 50; try++ {
			p := 1 + r.IntN(len(b)-1)
			if b[p-1] > ' ' && b[p] > ' ' {
				b = append(b[:p], append([]byte{0}, b[p:]...)...)
				break
			}
		}
	}
	return string(b)
}

// runSpot returns the position of a space between two non-newline characters (where a run of
// newlines can replace it and collapse to exactly three), or -1.
func runSpot(s string) int {
	for p := max(len(s)/2, 1); p < len(s)-1; p++ {
		if s[p] == ' ' && s[p-1] != '\n' && s[p+1] != '\n' {
			return p
		}
	}
	return -1
}
