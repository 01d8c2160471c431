package specdraft

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func draftBytes(t *testing.T, name, body string) *TableDraft {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := New(context.Background(), Options{Files: []string{p}, Schema: "s"})
	if err != nil {
		t.Fatal(err)
	}
	return d.Tables[0]
}

// TestCROnlyFile (issue 15 item 2): old Mac Excel's CR-only file drafts its real columns and
// rows (it drafted four columns named "b\r1", ... and imported 0 rows).
func TestCROnlyFile(t *testing.T) {
	td := draftBytes(t, "t.csv", "a,b\r1,2\r3,4\r")
	if len(td.Columns) != 2 || td.Columns[0].Name != "a" || td.Columns[1].Name != "b" || td.Rows != 2 || td.Misfits != 0 {
		t.Fatalf("columns %d, rows %d, misfits %d", len(td.Columns), td.Rows, td.Misfits)
	}
	for _, n := range td.Notes {
		if strings.HasPrefix(n, "WARN") {
			t.Errorf("unexpected note %q", n)
		}
	}
}

// TestHeaderLineBreakWarns: a header holding a line break is a WARN note of the draft.
func TestHeaderLineBreakWarns(t *testing.T) {
	td := draftBytes(t, "t.csv", "a,\"b\nc\"\n1,2\n")
	want := `WARN: the header of column 2 ("b\nc") holds a line break`
	found := false
	for _, n := range td.Notes {
		found = found || strings.HasPrefix(n, want)
	}
	if !found {
		t.Errorf("notes %q, want one starting %q", td.Notes, want)
	}
}

// TestBlankLinesAreNoRows (issue 15 item 5): a trailing blank line is no row, so a one-column
// export keeps its key (it drafted a NULL row and lost the key candidate).
func TestBlankLinesAreNoRows(t *testing.T) {
	td := draftBytes(t, "t.csv", "id\n1\n\n2\n\n")
	if td.Rows != 2 || td.Misfits != 0 || strings.Join(td.Key, ",") != "id" {
		t.Errorf("rows %d, misfits %d, key %q; want 2, 0, id", td.Rows, td.Misfits, td.Key)
	}
}
