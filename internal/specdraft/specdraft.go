// Package specdraft drafts a data contract (internal/spec) for exports the tool has never seen:
// `sdetl spec init`. Each export is read in full, streaming, the way the import stage reads it,
// and profiled column by column (internal/profile plus the draft's own evidence); the draft
// then proposes a table per export and a column per header with the inferred type, the date
// order where the evidence decides it, the null sentinels found, and a natural key where one
// column is fully populated and unique. Every decision is explained in a YAML comment beside it,
// because a draft is for a person to review: the evidence is the data, not knowledge of it.
//
// The draft is rendered as YAML and parsed back with contract.Parse before it is returned, so what
// it proposes is exactly what the pipeline will read.
package specdraft

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/sdetl/sdetl/internal/contract"
	"github.com/sdetl/sdetl/internal/csvfile"
	"github.com/sdetl/sdetl/internal/exports"
)

// DefaultSentinels are the null markers of the built-in contract (docs/design.md); a draft
// always lists them.
var DefaultSentinels = []string{"nan", "NULL", "N/A", "?", "-"}

// extraSentinels are further null markers a draft adopts when an export holds them. Only
// spellings that never carry data are candidates: "none" or "unknown" can be real values.
var extraSentinels = []string{"#N/A", "NaT", "(null)", "(blank)", "--"}

// Options configure a draft.
type Options struct {
	Files  []string // the exports: .xlsx or .csv, one table each
	Schema string   // target PostgreSQL schema; "" = from Name, else the first export's directory
	Name   string   // contract name; "" = the schema
	// DateOrder is the contract's order for ambiguous d/m values, as the user states it; ""
	// leaves it to the evidence: each column's own, else the export's other date columns',
	// else unresolved (the run refuses such a column until its order is set).
	DateOrder contract.DateOrder
	// Encoding, when set, is every CSV export's encoding (--encoding); "" = decided per file
	// from its bytes (a UTF-16 byte-order mark, else UTF-8 unless its bytes are not).
	Encoding string
	// Progress, when set, is called every few thousand rows with the rows read so far.
	Progress func(file string, rows int)
}

// Draft is a drafted contract and the evidence behind it.
type Draft struct {
	Name         string             `json:"name"`
	Schema       string             `json:"schema"`
	DateOrder    contract.DateOrder `json:"date_order"`
	Sentinels    []string           `json:"sentinels"`
	SentinelHits map[string]int64   `json:"sentinel_hits"`   // values found per sentinel, over all exports
	Notes        []string           `json:"notes,omitempty"` // what the reviewer should know about the whole contract
	Tables       []*TableDraft      `json:"tables"`
	Dates        *DateRange         `json:"dates"` // quality.dates, from the data seen

	YAML []byte         `json:"-"` // the contract, commented
	Spec *contract.Spec `json:"-"` // the contract as contract.Parse reads YAML
}

// TableDraft is one export's table.
type TableDraft struct {
	Table         string         `json:"table"`
	File          string         `json:"file"` // base name: Import looks for <file>.xlsx|csv
	Path          string         `json:"path"`
	Format        string         `json:"format"`
	Rows          int64          `json:"rows"`           // data rows Import stages
	Misfits       int64          `json:"rows_misfit"`    // rows Import rejects (wrong field count)
	Key           string         `json:"key,omitempty"`  // the proposed natural key
	KeyCandidates []string       `json:"key_candidates"` // every fully populated unique column, best first
	KeyNote       string         `json:"key_note"`       // why this key, or why none
	Modified      string         `json:"modified,omitempty"`
	Orders        []OrderRule    `json:"order_rules,omitempty"`   // quality.order rules the names and the data suggest
	Encoding      string         `json:"encoding,omitempty"`      // a CSV export's, when not UTF-8
	EncodingNote  string         `json:"encoding_note,omitempty"` // the evidence for it
	Notes         []string       `json:"notes,omitempty"`         // what the reviewer should know about the file
	Columns       []*ColumnDraft `json:"columns"`
}

// ColumnDraft is one column and the evidence for its type.
type ColumnDraft struct {
	Name       string             `json:"name"`   // database column name
	Header     string             `json:"header"` // as the export spells it
	Type       contract.Type      `json:"type"`
	Required   bool               `json:"required"`
	ZeroID     bool               `json:"zero_id,omitempty"`    // an integer column where 0 is a value (quality.zero_ids)
	DateOrder  contract.DateOrder `json:"date_order,omitempty"` // set only where it differs from the contract's
	Confidence float64            `json:"confidence"`           // share of non-null values converting to Type
	NonNull    int64              `json:"non_null"`
	Nulls      int64              `json:"nulls"`
	Sentinels  map[string]int64   `json:"sentinels,omitempty"` // nulls per sentinel found
	Distinct   int64              `json:"distinct"`
	Exact      bool               `json:"distinct_exact"`
	Min        string             `json:"min,omitempty"`
	Max        string             `json:"max,omitempty"`
	Formats    []FormatCount      `json:"formats,omitempty"`       // date and time spellings
	Serials    int64              `json:"excel_serials,omitempty"` // numbers read as Excel serials (the profile's number rule)
	Epochs     int64              `json:"epochs,omitempty"`        // numbers read as epoch seconds or milliseconds
	OrderNote  string             `json:"order_note,omitempty"`
	Invalid    int64              `json:"invalid"` // non-null values that do not convert: rows the clean stage quarantines
	InvalidEx  []string           `json:"invalid_examples,omitempty"`
	Examples   []string           `json:"examples,omitempty"`
	Notes      []string           `json:"notes,omitempty"`
}

// New profiles the exports and drafts their contract.
func New(ctx context.Context, o Options) (*Draft, error) {
	if len(o.Files) == 0 {
		return nil, fmt.Errorf("spec init: no exports to draft from")
	}
	d := &Draft{Schema: o.Schema, Name: o.Name, DateOrder: o.DateOrder, SentinelHits: map[string]int64{}}
	if d.Schema == "" && ValidSchema(sanitize(o.Name)) {
		d.Schema = sanitize(o.Name)
	}
	if d.Schema == "" {
		var note string
		if d.Schema, note = defaultSchema(o.Files[0]); note != "" {
			d.Notes = append(d.Notes, note)
		}
	}
	if !ValidSchema(d.Schema) {
		return nil, fmt.Errorf("spec init: %s", SchemaError(d.Schema))
	}
	if d.Name == "" {
		d.Name = d.Schema
	}
	stated := d.DateOrder != ""
	if !stated {
		d.DateOrder = contract.Unresolved
	}
	if d.DateOrder != contract.DMY && d.DateOrder != contract.MDY && d.DateOrder != contract.Unresolved {
		return nil, fmt.Errorf("spec init: date order %q: want dmy or mdy", d.DateOrder)
	}
	counted := append(append([]string(nil), DefaultSentinels...), extraSentinels...)
	files := map[string]string{}
	tables := map[string]bool{}
	for _, path := range o.Files {
		base := baseName(path)
		if prev, dup := files[base]; dup {
			return nil, fmt.Errorf("spec init: %s and %s are both export %q; import reads one <dir>/%s.xlsx|csv per table", prev, path, base, base)
		}
		files[base] = path
		sc, encNote, err := scanEncoded(ctx, path, o.Encoding, counted, d.DateOrder, o.Progress)
		if err != nil {
			return nil, fmt.Errorf("spec init: %w", err)
		}
		td := d.decideTable(sc, tableName(base, tables))
		if sc.encoding != "" && sc.encoding != csvfile.UTF8 {
			td.Encoding, td.EncodingNote = sc.encoding, encNote
		}
		if !exports.IsExportExt(filepath.Base(path)) {
			td.Notes = append(td.Notes, fmt.Sprintf("import looks for %s.xlsx or %s.csv (lower-case extension): rename %s", base, base, filepath.Base(path)))
		}
		if err := d.explainInvalid(ctx, sc, td, counted); err != nil {
			return nil, fmt.Errorf("spec init: %w", err)
		}
		if err := d.orderRules(ctx, sc, td, counted); err != nil {
			return nil, fmt.Errorf("spec init: %w", err)
		}
		d.Tables = append(d.Tables, td)
	}
	d.dateRange(time.Now())
	d.Sentinels = append([]string(nil), DefaultSentinels...)
	for _, x := range extraSentinels {
		if d.SentinelHits[x] > 0 {
			d.Sentinels = append(d.Sentinels, x)
		}
	}
	d.YAML = d.render()
	s, err := contract.Parse(d.YAML)
	if err != nil {
		return nil, fmt.Errorf("spec init: the draft does not parse (a bug, please report it): %w", err)
	}
	if err := d.check(s); err != nil {
		return nil, fmt.Errorf("spec init: the draft does not read back as drafted (a bug, please report it): %w", err)
	}
	d.Spec = s
	return d, nil
}

// check compares the parsed contract with the draft, field by field.
func (d *Draft) check(s *contract.Spec) error {
	if s.Name != d.Name || s.Schema != d.Schema || s.DateOrder != d.DateOrder || s.Scope != nil {
		return fmt.Errorf("name/schema/date_order/scope read back as %q/%q/%q/%v", s.Name, s.Schema, s.DateOrder, s.Scope != nil)
	}
	if strings.Join(s.Sentinels, "\x00") != strings.Join(d.Sentinels, "\x00") {
		return fmt.Errorf("sentinels read back as %q", s.Sentinels)
	}
	var zeros []contract.ColumnRef
	for _, t := range d.Tables {
		for _, c := range t.Columns {
			if c.ZeroID {
				zeros = append(zeros, contract.ColumnRef{Table: t.Table, Column: c.Name})
			}
		}
	}
	if fmt.Sprint(zeros) != fmt.Sprint(s.Quality.ZeroIDs) || len(zeros) != len(s.Quality.ZeroIDs) {
		return fmt.Errorf("quality.zero_ids read back as %v", s.Quality.ZeroIDs)
	}
	if s.Quality.Dates.Min != d.Dates.Min || s.Quality.Dates.MaxAheadDays != d.Dates.MaxAheadDays {
		return fmt.Errorf("quality.dates read back as %+v", s.Quality.Dates)
	}
	var orders []contract.Order
	for _, t := range d.Tables {
		for _, o := range t.Orders {
			orders = append(orders, contract.Order{Table: o.Table, Columns: o.Columns})
		}
	}
	if fmt.Sprint(orders) != fmt.Sprint(s.Quality.Order) || len(orders) != len(s.Quality.Order) {
		return fmt.Errorf("quality.order read back as %v", s.Quality.Order)
	}
	if len(s.Tables) != len(d.Tables) {
		return fmt.Errorf("%d tables read back, drafted %d", len(s.Tables), len(d.Tables))
	}
	for i, td := range d.Tables {
		t := s.Tables[i]
		key := ""
		if len(t.Key) == 1 {
			key = t.Key[0]
		}
		if t.Encoding != td.Encoding {
			return fmt.Errorf("table %q encoding read back as %q, drafted %q", td.Table, t.Encoding, td.Encoding)
		}
		if t.Name != td.Table || t.File != td.File || key != td.Key || len(t.Key) > 1 || t.Modified != td.Modified || t.Optional || len(t.Columns) != len(td.Columns) {
			return fmt.Errorf("table %q read back as %q file %q key %q modified %q", td.Table, t.Name, t.File, t.Key, t.Modified)
		}
		for j, cd := range td.Columns {
			c := t.Columns[j]
			order := cd.DateOrder
			if order == "" {
				order = d.DateOrder
			}
			if c.Name != cd.Name || len(c.Headers) != 1 || normHeader(c.Headers[0]) != normHeader(cd.Header) ||
				c.Type != cd.Type || c.Required != cd.Required || c.DateOrder != order {
				return fmt.Errorf("column %q read back as %q headers %q type %s required %v date_order %s", cd.Name, c.Name, c.Headers, c.Type, c.Required, c.DateOrder)
			}
		}
	}
	return nil
}
