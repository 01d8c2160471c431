package specdraft

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func draftRows(t *testing.T, rows [][]string) *TableDraft {
	t.Helper()
	p := writeCSV(t, filepath.Join(t.TempDir(), "t.csv"), rows)
	d, err := New(context.Background(), Options{Files: []string{p}, Schema: "s"})
	if err != nil {
		t.Fatal(err)
	}
	return d.Tables[0]
}

// Issue 12: an event log's natural key is incident number + modification count; the
// timestamp and the free-text description are unique too, but never proposed.
func TestCompositeKey(t *testing.T) {
	rows := [][]string{{"Number", "State", "Mod Count", "Updated", "Description"}}
	for i := range 60 {
		n, mod := i/3, i%3
		rows = append(rows, []string{fmt.Sprintf("INC%04d", n), []string{"New", "Active", "Closed"}[mod], fmt.Sprint(mod),
			fmt.Sprintf("2016-02-%02d %02d:%02d:00", 1+i%28, i%24, i), fmt.Sprintf("printer on floor %d jammed again", i)})
	}
	td := draftRows(t, rows)
	if got := strings.Join(td.Key, ","); got != "Number,Mod Count" {
		t.Fatalf("key %q, want Number,Mod Count; note %q", got, td.KeyNote)
	}
	for _, want := range []string{`key: "Number", "Mod Count" together are fully populated and unique (60 rows)`, `"Number" 40 duplicates`} {
		if !strings.Contains(td.KeyNote, want) {
			t.Errorf("key note %q, want it to contain %q", td.KeyNote, want)
		}
	}
	for _, c := range td.Columns {
		if c.Required != (c.Name == "Number" || c.Name == "Mod Count") {
			t.Errorf("%s: required %v", c.Name, c.Required)
		}
	}
	if td.KeyOptions[0].Duplicates != 0 || len(td.KeyOptions[0].Columns) != 2 {
		t.Errorf("options %+v: want the unique pair first", td.KeyOptions)
	}
}

func TestCompositeKeyTriple(t *testing.T) {
	rows := [][]string{{"user", "day", "slot"}}
	for _, u := range []string{"ann", "bob"} {
		for _, d := range []string{"1", "2"} {
			for _, s := range []string{"1", "2"} {
				rows = append(rows, []string{u, d, s})
			}
		}
	}
	td := draftRows(t, rows)
	if got := strings.Join(td.Key, ","); got != "user,day,slot" {
		t.Errorf("key %q, want user,day,slot; note %q", got, td.KeyNote)
	}
}

// Only a timestamp (or free text) makes rows unique: listed to check, not proposed.
func TestNoCompositeFromDatesOrFreeText(t *testing.T) {
	rows := [][]string{{"Number", "Logged At", "Note"}}
	for i := range 12 {
		rows = append(rows, []string{fmt.Sprintf("INC%d", i%3), fmt.Sprintf("2016-03-%02d 10:00:00", 1+i), fmt.Sprintf("a free text note %d", i)})
	}
	td := draftRows(t, rows)
	if len(td.Key) != 0 {
		t.Fatalf("key %q: a timestamp or a note is never proposed", td.Key)
	}
	for _, want := range []string{`"Number" 9 duplicates`, "unique (a date or free text: check before making it the key)", `"Note" is unique but free text`} {
		if !strings.Contains(td.KeyNote, want) {
			t.Errorf("key note %q, want it to contain %q", td.KeyNote, want)
		}
	}
	// With a row repeated whole, nothing is unique: the draft is keyless (a snapshot).
	rows = append(rows, rows[len(rows)-1])
	if td := draftRows(t, rows); len(td.Key) != 0 || !strings.Contains(td.KeyNote, "no natural key") {
		t.Errorf("key %q note %q", td.Key, td.KeyNote)
	}
}

func TestCompositeKeyBudget(t *testing.T) {
	sc := &scanned{}
	td := &TableDraft{Rows: 1000}
	ms := []member{{col: 0}, {col: 1}, {col: 2}}
	if _, fit, err := compositeKeys(context.Background(), sc, td, ms, nil, 2000); fit || err != nil {
		t.Errorf("fit %v, err %v: 3 columns of 1,000 rows in a budget of 2,000 words cannot be checked", fit, err)
	}
}
