// Package postgres owns everything the tool does in PostgreSQL: the DDL generated from the
// contract, the COPY load of the clean store into a new schema, the in-transaction
// reconciliation, and the swap that makes the new data live. Dynamic names always go through
// pgx.Identifier.
package postgres

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sdetl/sdetl/internal/contract"
)

// PGType is the PostgreSQL type of a contracted type.
func PGType(t contract.Type) string {
	switch t {
	case contract.Integer:
		return "bigint"
	case contract.Decimal:
		return "numeric"
	case contract.Timestamp:
		return "timestamp"
	case contract.Timestamptz:
		return "timestamptz"
	case contract.Date:
		return "date"
	case contract.Time:
		return "time"
	case contract.Boolean:
		return "boolean"
	}
	return "text" // text, flag, month
}

func ident(parts ...string) string { return pgx.Identifier(parts).Sanitize() }

// Lineage columns added to every loaded table.
var lineage = []string{"_source_file", "_source_row"}

// tableDDL creates one contract table in schema.
func tableDDL(schema string, t *contract.Table) string {
	cols := []string{}
	for _, c := range t.Columns {
		def := ident(c.Name) + " " + PGType(c.Type)
		if c.Required {
			def += " NOT NULL"
		}
		cols = append(cols, def)
	}
	for _, d := range t.Derived {
		cols = append(cols, ident(d.Name)+" "+PGType(d.Type))
	}
	cols = append(cols, ident(lineage[0])+" text NOT NULL", ident(lineage[1])+" bigint NOT NULL")
	return fmt.Sprintf("CREATE TABLE %s (\n\t%s\n)", ident(schema, t.Name), strings.Join(cols, ",\n\t"))
}

// keyDDL makes the natural key unique once the data is in (indexes after the load are faster).
func keyDDL(schema string, t *contract.Table) string {
	if len(t.Key) == 0 {
		return ""
	}
	keys := make([]string, len(t.Key))
	for i, k := range t.Key {
		keys[i] = ident(k)
	}
	return fmt.Sprintf("CREATE UNIQUE INDEX %s ON %s (%s)", ident(t.Name+"_natural_key"), ident(schema, t.Name), strings.Join(keys, ", "))
}

// QuarantineTable is the name of the loaded quarantine.
const QuarantineTable = "quarantine"

func quarantineDDL(schema string) string {
	return fmt.Sprintf(`CREATE TABLE %s (
	table_name text NOT NULL,
	source_file text NOT NULL,
	source_row bigint NOT NULL,
	source_line bigint NOT NULL,
	column_name text,
	rule text NOT NULL,
	severity text NOT NULL,
	raw_value text,
	reason text NOT NULL,
	record json NOT NULL
)`, ident(schema, QuarantineTable))
}

// DDL returns the whole target schema, for review and golden tests.
func DDL(s *contract.Spec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE SCHEMA %s;\n", ident(s.Schema))
	for _, t := range s.Tables {
		b.WriteString(tableDDL(s.Schema, t) + ";\n")
		if k := keyDDL(s.Schema, t); k != "" {
			b.WriteString(k + ";\n")
		}
	}
	b.WriteString(quarantineDDL(s.Schema) + ";\n")
	return b.String()
}
