package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/sdetl/sdetl/internal/kpi"
)

// Truth is what the generator knows about the files it wrote (truth.json): per table how many
// rows the importer must read, keep in scope, load and quarantine, and every injected defect
// with the value the cleaner must produce or the rule that must quarantine its row.
type Truth struct {
	Options Options           `json:"options"`
	Cutoff  string            `json:"cutoff"`
	Counts  map[string]*Count `json:"counts"` // tickets, comments, timesheets, roster
	Defects []Defect          `json:"defects"`
	// BlankLines is, per table, how many blank lines its CSV export holds: no rows, skipped and
	// counted by the importer.
	BlankLines map[string]int `json:"blank_lines,omitempty"`
	// KPIs holds the true answer of every KPI (docs/kpis.md), computed from the model.
	KPIs *kpi.Truth `json:"kpis,omitempty"`
}

// Count is one table's row accounting; InScope == Loaded + Quarantined.
type Count struct {
	Exported    int `json:"exported"`
	InScope     int `json:"in_scope"`
	Loaded      int `json:"loaded"`
	Quarantined int `json:"quarantined"`
}

// Defect is one injected defect. A fixable defect has Expected (or ExpectNull); an unfixable
// one names the rule that quarantines its row.
type Defect struct {
	Table string `json:"table"`
	// Key is the row's natural key as canonical text (multi-column keys joined with "|"),
	// empty when the key does not parse.
	Key string `json:"key,omitempty"`
	// Row is the 1-based data row of the export (the first row after the header is 1).
	Row int `json:"row"`
	// Column is the database column name; "" for a row-level defect (field_count).
	Column string `json:"column"`
	Kind   string `json:"kind"`
	// Raw is the cell exactly as written; for a field_count row the whole CSV line.
	Raw        string  `json:"raw"`
	Expected   *string `json:"expected,omitempty"`
	ExpectNull bool    `json:"expect_null,omitempty"`
	Quarantine string  `json:"quarantine,omitempty"`
}

// Defect kinds.
const (
	KindDayFirst        = "day_first"
	KindExcelSerial     = "excel_serial"
	KindEmptyString     = "empty_string"
	KindSentinel        = "sentinel"
	KindFloatInt        = "float_int"
	KindLeadingSpace    = "leading_space"
	KindPadded          = "padded"
	KindFlagSpelling    = "flag_spelling"
	KindNanUser         = "nan_user"
	KindNulBytes        = "nul_bytes"
	KindCRLF            = "crlf"
	KindNewlineRun      = "newline_run"
	KindFutureDate      = "future_date"
	KindDuplicateKey    = "duplicate_key"
	KindGarbageID       = "garbage_id"
	KindMissingRequired = "missing_required"
	KindFieldCount      = "field_count"
)

// ReadTruth reads a truth.json written by Generate.
func ReadTruth(path string) (*Truth, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var t Truth
	if err := json.NewDecoder(bufio.NewReader(f)).Decode(&t); err != nil {
		return nil, fmt.Errorf("truth %s: %w", path, err)
	}
	return &t, nil
}

// writeTruth writes t with one defect per line, so that a diff of two truths is readable.
func writeTruth(path string, t *Truth) error {
	return writeAtomic(path, func(w *bufio.Writer) error {
		head := struct {
			Options    Options           `json:"options"`
			Cutoff     string            `json:"cutoff"`
			Counts     map[string]*Count `json:"counts"`
			BlankLines map[string]int    `json:"blank_lines,omitempty"`
			KPIs       *kpi.Truth        `json:"kpis,omitempty"`
		}{t.Options, t.Cutoff, t.Counts, t.BlankLines, t.KPIs}
		b, err := json.Marshal(head)
		if err != nil {
			return err
		}
		w.Write(b[:len(b)-1]) // reopen the object to append the defects
		w.WriteString(`,"defects":[`)
		for i := range t.Defects {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString("\n")
			b, err := json.Marshal(&t.Defects[i])
			if err != nil {
				return err
			}
			w.Write(b)
		}
		w.WriteString("\n]}\n")
		return nil
	})
}
