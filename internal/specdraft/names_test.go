package specdraft

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestTableName(t *testing.T) {
	taken := map[string]bool{}
	tests := []struct{ base, want string }{
		{"Help Desk Cases", "help_desk_cases"},
		{"help-desk-cases", "help_desk_cases_2"}, // same sanitized name: made unique
		{"Tickets 2025 (Q3)", "tickets_2025__q3_"},
		{"Überblick", "_berblick"},
		{"quarantine", "quarantine_data"}, // the stores' own table
		{"sqlite_stat", "sqlite_stat_data"},
		{"losers", "losers_data"},           // the clean stage's temporary table
		{"tickets_key", "tickets_key_data"}, // stage.db's index of table tickets
		{"", "export"},
		{"x234567890123456789012345678901234567890123456789012345", "x23456789012345678901234567890123456789012345678901"},
	}
	for _, tt := range tests {
		if got := tableName(tt.base, taken); got != tt.want {
			t.Errorf("tableName(%q) = %q, want %q", tt.base, got, tt.want)
		}
	}
}

func TestColumnNames(t *testing.T) {
	long := "A header far longer than PostgreSQL keeps in an identifier, which is 63 bytes"
	tests := []struct {
		name    string
		headers []string
		want    []string
	}{
		{"as is", []string{"\ufeffCase Number", " Priority ", "Escalated?"}, []string{"Case Number", "Priority", "Escalated?"}},
		{"lineage prefix", []string{"_id", "Name"}, []string{"id", "Name"}},
		{"prefix clash keeps the plain header", []string{"_id", "ID"}, []string{"id_2", "ID"}},
		{"only underscores", []string{"__", "x"}, []string{"column_1", "x"}},
		{"cut at 63 bytes", []string{long}, []string{long[:63]}},
		{"cut inside a rune", []string{"ééééééééééééééééééééééééééééééééééé"}, []string{"ééééééééééééééééééééééééééééééé"}},
		{"system columns", []string{"rowid", "CTID", "xmin", "oid", "tableoid", "xmax", "cmin", "cmax"},
			[]string{"rowid_2", "CTID_2", "xmin_2", "oid_2", "tableoid_2", "xmax_2", "cmin_2", "cmax_2"}},
		{"system column next to its rename", []string{"rowid", "rowid_2"}, []string{"rowid_3", "rowid_2"}},
		{"NUL bytes", []string{"a\x00b", "c\td", "e\x00b"}, []string{"a_b", "c\td", "e_b"}}, // a tab is a legal name
		{"equal in the first 63 bytes", []string{long + " one", long + " two"}, []string{long[:63], long[:61] + "_2"}},
		{"case-only duplicates are one header", []string{"Name", "x"}, []string{"Name", "x"}},
		// Issue 12: Jira repeats a header per value; import matches the repeats numbered.
		{"repeated headers", []string{"Labels", "Summary", "labels", " Labels ", "Id", " ID"}, []string{"Labels", "Summary", "labels (2)", "Labels (3)", "Id", "ID (2)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := &scanned{}
			if err := sc.columns(tt.headers, NamesHeaders); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range sc.cols {
				got = append(got, c.name)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("column %d: got %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestColumnsRefuseWhatImportRefuses(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		unnamed []int
		err     bool
	}{
		{"a repeat named like a header of its own", []string{"Labels", "Labels (2)", "labels"}, nil, true},
		{"no names at all", []string{"", " "}, []int{1, 2}, true},
		{"unnamed columns are skipped", []string{"a", "", "b", " "}, []int{2, 4}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := &scanned{}
			err := sc.columns(tt.headers, NamesHeaders)
			if (err != nil) != tt.err {
				t.Fatalf("err %v, want error %v", err, tt.err)
			}
			if len(sc.unnamed) != len(tt.unnamed) {
				t.Errorf("unnamed %v, want %v", sc.unnamed, tt.unnamed)
			}
		})
	}
}

func TestKeyish(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"Case Number", true}, {"TicketID", true}, {"ticket_id", true}, {"Ticket #", true}, {"Ref No.", true},
		{"uuid", true}, {"Valid", false}, {"Paid", false}, {"Width", false}, {"Keyboard", false}, {"Customer", false},
	}
	for _, tt := range tests {
		if got := keyish(tt.name); got != tt.want {
			t.Errorf("keyish(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidSchema(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"helpdesk", true}, {"_x1", true}, {"", false}, {"1x", false}, {"Help", false}, {"a-b", false},
		{"a2345678901234567890123456789012345678901234567890", true},   // 50 bytes: + __g and a 10-digit run id = 63
		{"a23456789012345678901234567890123456789012345678901", false}, // 51: a generation's name would be cut
		{"ops__g7", false}, // named like a generation
		{"public", false}, {"information_schema", false}, {"pg_catalog", false}, {"pg_x", false}, {"sdetl", false},
		{"ops__next", false},
	}
	for _, tt := range tests {
		if got := ValidSchema(tt.s); got != tt.want {
			t.Errorf("ValidSchema(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// TestDefaultSchemaRenamesReserved: exports in a directory named like a schema sdetl may never
// replace give a renamed schema and a note saying so.
func TestDefaultSchemaRenamesReserved(t *testing.T) {
	for dir, want := range map[string]string{"public": "public_data", "information_schema": "information_schema_data",
		"pg_catalog": "data_pg_catalog", "pg_toast": "data_pg_toast", "sdetl": "sdetl_data", "Public": "public_data", "helpdesk": "helpdesk"} {
		got, note := defaultSchema(filepath.Join("/exports", dir, "tickets.csv"))
		if got != want {
			t.Errorf("%s: schema %q, want %q", dir, got, want)
		}
		if (note != "") != (want != dir && want != strings.ToLower(dir)) && dir != "Public" {
			t.Errorf("%s: note %q", dir, note)
		}
		if want != "helpdesk" && !strings.Contains(note, "schema "+want+", not ") {
			t.Errorf("%s: note %q does not say what it was renamed to", dir, note)
		}
		if !ValidSchema(got) {
			t.Errorf("%s: %q is not a valid schema", dir, got)
		}
	}
}

func TestSnakeNames(t *testing.T) {
	headers := []string{"Case Number", "TKT-Created Time", "TicketID", "Escalated?", "Job#/Ref#", "Labels", "Labels", "Café Owner", "2nd Line", "???", "rowid", "case_number"}
	want := []string{"case_number", "tkt_created_time", "ticket_id", "escalated", "job_number_ref_number", "labels", "labels_2", "café_owner", "col_2nd_line", "column_10", "rowid_2", "case_number_2"}
	sc := &scanned{}
	if err := sc.columns(headers, NamesSnake); err != nil {
		t.Fatal(err)
	}
	for i, c := range sc.cols {
		if c.name != want[i] {
			t.Errorf("%q: got %q, want %q", headers[i], c.name, want[i])
		}
	}
}
