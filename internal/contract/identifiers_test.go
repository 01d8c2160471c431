package contract

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// contractYAML renders a one-table contract (JSON is YAML) with the given schema, table and columns.
func contractYAML(t *testing.T, schema, table string, cols []string, derived ...string) []byte {
	t.Helper()
	var cs []map[string]string
	for _, c := range cols {
		cs = append(cs, map[string]string{"name": c, "type": "text"})
	}
	tb := map[string]any{"name": table, "columns": cs}
	if len(derived) > 0 {
		var ds []map[string]any
		for _, d := range derived {
			ds = append(ds, map[string]any{"name": d, "type": "text", "from": cols[0], "map": map[string]string{"a": "b"}})
		}
		tb["derived"] = ds
	}
	b, err := json.Marshal(map[string]any{"name": "c", "schema": schema, "tables": []any{tb}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func manyColumns(n int) []string {
	cols := make([]string, n)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i+1)
	}
	return cols
}

// TestIdentifierRules: every name the stores cannot hold as declared is refused when the
// contract is parsed (before any data is read), naming the name and the rule.
func TestIdentifierRules(t *testing.T) {
	long := strings.Repeat("a", 63)
	cases := []struct {
		name          string
		schema, table string
		cols          []string
		derived       []string
		want          string // a fragment of the error; "" = valid
	}{
		{"valid", "ops", "tickets", []string{"id", "Title"}, nil, ""},
		{"63-byte column is fine", "ops", "t", []string{long}, nil, ""},
		{"64-byte column", "ops", "t", []string{long + "b"}, nil, "is 64 bytes; PostgreSQL keeps 63"},
		{"equal in first 63 bytes", "ops", "t", []string{long + "x", long + "y"}, nil, "equal in their first 63 bytes"},
		{"case-only duplicate", "ops", "t", []string{"Name", "name"}, nil, `"Name" and "name" are one name to SQLite`},
		{"case-only duplicate with derived", "ops", "t", []string{"kind"}, []string{"KIND"}, "one name to SQLite"},
		{"NUL in column", "ops", "t", []string{"a\x00b"}, nil, "NUL byte"},
		{"rowid", "ops", "t", []string{"rowid"}, nil, `column "rowid" is a system column name`},
		{"ROWID any case", "ops", "t", []string{"RowID"}, nil, "system column name"},
		{"oid", "ops", "t", []string{"oid"}, nil, "system column name"},
		{"ctid", "ops", "t", []string{"ctid"}, nil, "system column name"},
		{"xmin", "ops", "t", []string{"xmin"}, nil, "system column name"},
		{"xmax", "ops", "t", []string{"xmax"}, nil, "system column name"},
		{"cmin", "ops", "t", []string{"cmin"}, nil, "system column name"},
		{"cmax", "ops", "t", []string{"cmax"}, nil, "system column name"},
		{"tableoid", "ops", "t", []string{"tableoid"}, nil, "system column name"},
		{"lineage", "ops", "t", []string{"_source_file"}, nil, "reserved for lineage"},
		{"derived lineage", "ops", "t", []string{"a"}, []string{"_row"}, "reserved for the tool's lineage"},
		{"derived rowid", "ops", "t", []string{"a"}, []string{"rowid"}, "system column name"},
		{"public", "public", "t", []string{"a"}, nil, `schema "public" is reserved by PostgreSQL`},
		{"Public", "Public", "t", []string{"a"}, nil, "reserved by PostgreSQL"},
		{"information_schema", "information_schema", "t", []string{"a"}, nil, "reserved by PostgreSQL"},
		{"pg_catalog", "pg_catalog", "t", []string{"a"}, nil, "reserved by PostgreSQL"},
		{"pg_toast", "pg_toast", "t", []string{"a"}, nil, "reserved by PostgreSQL"},
		{"bookkeeping", "sdetl", "t", []string{"a"}, nil, "sdetl's own bookkeeping schema"},
		{"loader suffix", "ops__next", "t", []string{"a"}, nil, "ends in __next"},
		{"schema too long for a generation name", strings.Repeat("s", 51), "t", []string{"a"}, nil, "at most 50 fit"},
		{"schema named like a generation", "sd__g12", "t", []string{"a"}, nil, "names the loader's generations"},
		{"schema at the limit", strings.Repeat("s", 50), "t", []string{"a"}, nil, ""},
		{"table too long for its index", "ops", strings.Repeat("t", 52), []string{"a"}, nil, "at most 51 fit"},
		{"store table", "ops", "quarantine", []string{"a"}, nil, "stores keep for themselves"},
		{"store table any case", "ops", "Import_File", []string{"a"}, nil, "stores keep for themselves"},
		{"sqlite_ table", "ops", "sqlite_stat1", []string{"a"}, nil, "SQLite reserves"},
		{"NUL in table", "ops", "t\x00", []string{"a"}, nil, "NUL byte"},
		{"1597 columns fit", "ops", "t", manyColumns(1597), nil, ""},
		{"1598 columns", "ops", "t", manyColumns(1598), nil, "1598 columns; a table holds at most 1597 (PostgreSQL's limit of 1600"},
		{"2001 columns", "ops", "t", manyColumns(2001), nil, "at most 1597"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(contractYAML(t, c.schema, c.table, c.cols, c.derived...))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused a valid contract: %v", err)
			case c.want != "" && err == nil:
				t.Fatalf("accepted; want an error containing %q", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Fatalf("error %q, want it to contain %q", err, c.want)
			}
		})
	}
}

// TestTableIndexClash: a table named like another's index in either store is refused.
func TestTableIndexClash(t *testing.T) {
	for _, second := range []string{"tickets_key", "tickets_natural_key"} {
		b := fmt.Appendf(nil, `{"name": "c", "schema": "ops", "tables": [
			{"name": "tickets", "columns": [{"name": "a", "type": "text"}]},
			{"name": %q, "columns": [{"name": "a", "type": "text"}]}]}`, second)
		_, err := Parse(b)
		if err == nil || !strings.Contains(err.Error(), "clashes with the index") {
			t.Errorf("tables tickets and %s: err %v, want a clash with the index", second, err)
		}
	}
	b := []byte(`{"name": "c", "schema": "ops", "tables": [
		{"name": "Tickets", "columns": [{"name": "a", "type": "text"}]},
		{"name": "tickets", "columns": [{"name": "a", "type": "text"}]}]}`)
	if _, err := Parse(b); err == nil || !strings.Contains(err.Error(), "one name to SQLite") {
		t.Errorf("tables Tickets and tickets: err %v", err)
	}
}

// TestInvalidUTF8Names: YAML cannot carry invalid UTF-8, but a contract built in code can.
func TestInvalidUTF8Names(t *testing.T) {
	for _, p := range []string{SchemaProblem("a\xffb"), TableProblem("a\xffb"), ColumnProblem("a\xffb")} {
		if !strings.Contains(p, "not valid UTF-8") {
			t.Errorf("problem %q, want invalid UTF-8", p)
		}
	}
}

func TestContractNameNUL(t *testing.T) {
	_, err := Parse([]byte(`{name: "a\0b", schema: ops, tables: [{name: t, columns: [{name: a, type: text}]}]}`))
	if err == nil || !strings.Contains(err.Error(), "NUL byte") {
		t.Errorf("err %v", err)
	}
}
