package store

import (
	"fmt"
	"strconv"
	"strings"
)

// Packed and Unpack are how the cleaner and the load read a row before RawRows: one text per
// row built in SQL (concat), split in Go. They stay as the reference RawRows is checked
// against (TestRawRowsSameAsPacked, BenchmarkReadTable).

// Packed is SQL for the values of exprs as one text: each value's length in bytes, a colon,
// and the value (an integer as its decimal text); a NULL is the length -1 and no value.
// concat takes at most 1000 arguments and skips NULLs: many columns go in groups.
func Packed(exprs []string) string {
	const group = 300 // values per concat: 3 arguments each
	var groups []string
	for start := 0; start < len(exprs); start += group {
		var args []string
		for _, e := range exprs[start:min(start+group, len(exprs))] {
			args = append(args, "coalesce(octet_length("+e+"), -1)", "':'", e)
		}
		groups = append(groups, "concat("+strings.Join(args, ", ")+")")
	}
	if len(groups) == 1 {
		return groups[0]
	}
	return "concat(" + strings.Join(groups, ", ") + ")"
}

// Unpack splits a Packed text into vals, which share its memory. With null, null[i] reports
// whether value i is NULL (vals[i] is then ""); without it, a NULL is an error.
func Unpack(s string, vals []string, null []bool) error {
	for i := range vals {
		j := strings.IndexByte(s, ':')
		if j == 2 && s[:2] == "-1" && null != nil {
			vals[i], null[i], s = "", true, s[3:]
			continue
		}
		n, err := strconv.Atoi(s[:max(j, 0)])
		if j < 0 || err != nil || n < 0 || n > len(s)-j-1 {
			return fmt.Errorf("packed row does not unpack at column %d", i)
		}
		vals[i], s = s[j+1:j+1+n], s[j+1+n:]
		if null != nil {
			null[i] = false
		}
	}
	if s != "" {
		return fmt.Errorf("packed row has %d bytes more than its %d columns", len(s), len(vals))
	}
	return nil
}
