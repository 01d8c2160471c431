package clean

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/sdetl/sdetl/internal/cellguard"
	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/store"
)

// QuarantinedRow is one row of the quarantine.
type QuarantinedRow struct {
	Table  string `json:"table"`
	File   string `json:"source_file"`
	Row    int    `json:"source_row"`
	Line   int    `json:"source_line,omitempty"`
	Column string `json:"column,omitempty"`
	Rule   string `json:"rule"`
	Sev    string `json:"severity"`
	Raw    string `json:"raw_value,omitempty"`
	Reason string `json:"reason"`
	Record string `json:"record"`
}

// Quarantine reads the clean store's quarantine, optionally for one table and rule.
func Quarantine(ctx context.Context, cleanPath, table, rule string, fn func(*QuarantinedRow) error) error {
	return eachQuarantined(ctx, cleanPath, true, `SELECT `+quarantineColumns+`, record FROM quarantine
		WHERE (? = '' OR table_name = ?) AND (? = '' OR rule = ?) ORDER BY table_name, source_file, source_row`,
		fn, table, table, rule, rule)
}

// FirstQuarantined calls fn with the first n quarantined rows of each rule, in Quarantine's
// order, without their raw records: what the run report shows. Reading the whole quarantine
// for that sorted every raw record (at scale 1, 14K rows and 25 MB through a temporary file,
// in every run and most of an unchanged re-run's time); this sorts only the short columns.
func FirstQuarantined(ctx context.Context, cleanPath string, n int, fn func(*QuarantinedRow) error) error {
	return eachQuarantined(ctx, cleanPath, false, `SELECT `+quarantineColumns+` FROM (
		SELECT table_name, source_file, source_row, source_line, column_name, rule, severity, raw_value, reason,
			row_number() OVER (PARTITION BY rule ORDER BY table_name, source_file, source_row, rowid) AS k
		FROM quarantine) WHERE k <= ? ORDER BY table_name, source_file, source_row`, fn, n)
}

// quarantineColumns are a QuarantinedRow's columns but the record.
const quarantineColumns = `table_name, source_file, source_row, source_line, coalesce(column_name, ''),
	rule, severity, coalesce(raw_value, ''), reason`

func eachQuarantined(ctx context.Context, cleanPath string, record bool, query string, fn func(*QuarantinedRow) error, args ...any) error {
	db, err := store.OpenReadOnly(cleanPath)
	if err != nil {
		return fmt.Errorf("clean store: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var q QuarantinedRow
		dst := []any{&q.Table, &q.File, &q.Row, &q.Line, &q.Column, &q.Rule, &q.Sev, &q.Raw, &q.Reason}
		if record {
			dst = append(dst, &q.Record)
		}
		if err := rows.Scan(dst...); err != nil {
			return err
		}
		if err := fn(&q); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ExportQuarantine writes one table's quarantined rows as CSV for an operator to fix: the
// contract's export headers with each row's raw values, then the columns naming the row
// (_quarantine_file, _quarantine_row), why it was quarantined, and, for a row whose fields
// could not be mapped, its raw fields as JSON. The edited file goes back with
// `sdetl quarantine release`.
//
// Every cell is guarded against formula injection (internal/cellguard): a value starting with
// =, +, -, @, a tab, a carriage return or ' gets one leading ', and the last column,
// _quarantine_guard, says so on every row; release removes exactly that quote, so the values
// come back byte for byte.
func ExportQuarantine(ctx context.Context, cleanPath string, t *contract.Table, w io.Writer) (int, error) {
	cw := csv.NewWriter(w)
	header := make([]string, 0, len(t.Columns)+5)
	for _, c := range t.Columns {
		header = append(header, c.Header(0))
	}
	header = append(header, "_quarantine_file", "_quarantine_row", "_quarantine_rule", "_quarantine_reason", "_quarantine_raw", cellguard.Column)
	if err := cw.Write(guardAll(header)); err != nil {
		return 0, err
	}
	n := 0
	err := Quarantine(ctx, cleanPath, t.Name, "", func(q *QuarantinedRow) error {
		line := make([]string, len(header))
		var rec map[string]any
		if err := json.Unmarshal([]byte(q.Record), &rec); err == nil {
			for i, c := range t.Columns {
				line[i] = text(rec[c.Name])
			}
		} else {
			line[len(header)-2] = q.Record // a JSON array of fields: not mappable to columns
		}
		k := len(t.Columns)
		line[k], line[k+1], line[k+2], line[k+3] = q.File, strconv.Itoa(q.Row), q.Rule, q.Reason
		line[len(header)-1] = cellguard.Marker
		n++
		return cw.Write(guardAll(line))
	})
	if err != nil {
		return n, err
	}
	cw.Flush()
	return n, cw.Error()
}

// guardAll guards every cell of a line in place.
func guardAll(line []string) []string {
	for i, v := range line {
		line[i] = cellguard.Guard(v)
	}
	return line
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
