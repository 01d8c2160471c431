// Package contract owns the data contract: the tables an export holds, their database columns,
// the header aliases that identify them in each export dialect, contracted types, natural keys,
// required columns, null sentinels and the scope filter. The ServiceDesk contract is embedded;
// users may load their own YAML file. Code reads the contract; it never hard-codes column lists.
package contract

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed servicedesk.yaml
var serviceDeskYAML []byte

// Type is a contracted column type.
type Type string

// The contracted types. Their canonical clean text forms are documented on each.
const (
	Integer   Type = "integer"   // "123" (bigint)
	Decimal   Type = "decimal"   // "7.5": no exponent, no trailing zeros (numeric)
	Timestamp Type = "timestamp" // "2025-07-02 16:21:00", "2025-07-02 16:21:00.125" (timestamp without time zone, to the µs)
	// Timestamptz is an instant: values carry a UTC offset and are converted to UTC exactly,
	// "2025-07-02 05:21:00+00" (PostgreSQL's timestamptz text under TimeZone UTC).
	Timestamptz Type = "timestamptz"
	Date        Type = "date"    // "2025-07-02"
	Time        Type = "time"    // "16:21:00", "09:00:00.5"
	Flag        Type = "flag"    // "yes" | "no" (text; dashboards compare to 'yes')
	Month       Type = "month"   // "2025-07" (text)
	Boolean     Type = "boolean" // "true" | "false"
	Text        Type = "text"    // trimmed, NUL-free, LF line ends, at most 3 newlines in a row
)

// Valid reports whether t is one of the contracted types.
func (t Type) Valid() bool {
	switch t {
	case Integer, Decimal, Timestamp, Timestamptz, Date, Time, Flag, Month, Boolean, Text:
		return true
	}
	return false
}

// DateOrder says how an ambiguous d/m/y value is read.
type DateOrder string

// Date orders. Unresolved says that nothing has decided the order yet (spec init writes it
// where no value and no sibling column decides): a column whose values are all ambiguous is
// then refused by the run, never read in a guessed order, until the contract states dmy or mdy.
const (
	DMY        DateOrder = "dmy"
	MDY        DateOrder = "mdy"
	Unresolved DateOrder = "unresolved"
)

// IsDated reports whether t holds dates read by the date parser (date, timestamp, timestamptz).
func (t Type) IsDated() bool { return t == Date || t == Timestamp || t == Timestamptz }

// Spec is a whole data contract.
type Spec struct {
	Name      string    `yaml:"name"`
	Schema    string    `yaml:"schema"`     // target PostgreSQL schema, e.g. servicedesk
	DateOrder DateOrder `yaml:"date_order"` // default order for ambiguous dates
	Sentinels []string  `yaml:"sentinels"`  // besides '' and whitespace; case-insensitive
	Scope     *Scope    `yaml:"scope"`      // nil: no scope filter
	Tables    []*Table  `yaml:"tables"`
	Profile   Profile   `yaml:"profile"` // profiler thresholds (thresholds.go)
	Quality   Quality   `yaml:"quality"` // quality score configuration (thresholds.go)
	Canary    Canary    `yaml:"canary"`  // the canary's share and tolerances (sample.go)
	// KPIs are green/red thresholds by KPI name; a KPI not named keeps SPEC 6.2's (kpis.go).
	KPIs map[string]*KPIBand `yaml:"kpis"`
}

// Table is one export and the database table it lands in.
type Table struct {
	Name     string   `yaml:"name"`     // database table name
	File     string   `yaml:"file"`     // export base name without extension (tickets -> tickets.xlsx|csv)
	Dialects []string `yaml:"dialects"` // names of header dialects; headers[i] belongs to dialects[i]
	Key      []string `yaml:"key"`      // natural key (database column names)
	Modified string   `yaml:"modified"` // column deciding which duplicate is newest; "" = later row wins
	// Indexes are the column lists the loader indexes after the bulk load, for the KPI queries
	// (the natural key gets its unique index anyway).
	Indexes  [][]string `yaml:"indexes"`
	Optional bool       `yaml:"optional"` // the export may be absent (e.g. the roster: no roster, no scope filter)
	Columns  []*Column  `yaml:"columns"`
	Derived  []*Derived `yaml:"derived"`
	Sample   *Sample    `yaml:"sample"` // how the canary samples it; nil: one stratum (sample.go)
	// Encoding is a CSV export's character encoding (Encodings); "" is UTF-8. XLSX says its own.
	Encoding string `yaml:"encoding"`
	// Mode is how a newer export of the table meets what earlier ones staged: a table with a
	// key upserts by it (ModeUpsert); one without replaces the rows of earlier exports of the
	// table (ModeSnapshot, the default) or adds to them (ModeAppend).
	Mode Mode `yaml:"mode"`
}

// Mode is how a table's exports accumulate in the staging store.
type Mode string

// The modes.
const (
	ModeUpsert   Mode = "upsert"   // keyed tables: a later export's row replaces the staged row of its key
	ModeSnapshot Mode = "snapshot" // keyless tables (default): a later export replaces the table's staged rows
	ModeAppend   Mode = "append"   // keyless tables: a later export's rows are added to the staged ones
)

// Encodings are the CSV encodings a contract may name (csvfile decodes exactly these).
var Encodings = []string{"utf-8", "utf-16", "utf-16le", "utf-16be", "windows-1252", "iso-8859-1", "iso-8859-15", "windows-1250", "windows-1251"}

// Column is one contracted column.
type Column struct {
	Name      string    `yaml:"name"`    // database column name
	Headers   []string  `yaml:"headers"` // export header per dialect; empty = Name
	Type      Type      `yaml:"type"`
	Required  bool      `yaml:"required"`   // a row without a valid value is quarantined
	DateOrder DateOrder `yaml:"date_order"` // overrides Spec.DateOrder for this column
	// Format, when set, is the one spelling of the column's dates (docs/spec-format.md,
	// "Date formats"), e.g. "DD-MM-YYYY HH:mm": the explicit escape hatch where evidence cannot
	// decide. Parse compiles it into Layout and refuses a format it cannot read.
	Format string  `yaml:"format"`
	Layout *Layout `yaml:"-"`
	// OrderStated says the contract wrote this column's order (its own date_order or the
	// spec's, dmy or mdy), rather than defaulting to dmy: only an unstated order gives way to
	// the evidence of the file's other date columns.
	OrderStated bool `yaml:"-"`
	// RejectOutside quarantines a row whose (integer or decimal) value lies outside these
	// bounds: a value that cannot be true, e.g. more than 24 hours in a day.
	RejectOutside *Bounds `yaml:"reject_outside"`
	// NumberDates, when set, is where a bare number (Excel serial, epoch) in this date or
	// timestamp column may fall to be read as a date; a number dated outside it is invalid.
	// It is never read from YAML: the profile decides it from the column's own evidence (a
	// stray 1 among 2020 text dates is not 1900-01-01), and the run applies it.
	NumberDates *DaySpan `yaml:"-"`
}

// DaySpan is an inclusive range of days, counted from 1970-01-01.
type DaySpan struct{ From, To int }

// String renders the span as "2019-01-01..2026-12-31".
func (d DaySpan) String() string {
	day := func(n int) string { return time.Unix(int64(n)*86400, 0).UTC().Format(time.DateOnly) }
	return day(d.From) + ".." + day(d.To)
}

// Derived is a column computed from another by a declared mapping (SPEC 6.3).
type Derived struct {
	Name string            `yaml:"name"`
	Type Type              `yaml:"type"`
	From string            `yaml:"from"`
	Map  map[string]string `yaml:"map"` // clean source value -> clean derived value; unmapped -> NULL
}

// Scope is the "team-touched" filter of SPEC section 3.
type Scope struct {
	Cutoff string `yaml:"cutoff"` // YYYY-MM-DD
	Roster struct {
		Table string `yaml:"table"`
		User  string `yaml:"user"`
	} `yaml:"roster"`
	Activity struct {
		Table  string `yaml:"table"`
		Ticket string `yaml:"ticket"`
		User   string `yaml:"user"`
		Time   string `yaml:"time"`
	} `yaml:"activity"`
	Tickets struct {
		Table string `yaml:"table"`
		Key   string `yaml:"key"`
	} `yaml:"tickets"`
	Dated []struct {
		Table  string `yaml:"table"`
		Column string `yaml:"column"`
	} `yaml:"dated"`
}

// CutoffTime parses the cutoff date.
func (s *Scope) CutoffTime() (time.Time, error) {
	return time.Parse("2006-01-02", s.Cutoff)
}

// ServiceDesk returns a fresh copy of the built-in ServiceDesk contract.
func ServiceDesk() *Spec {
	s, err := Parse(serviceDeskYAML)
	if err != nil {
		panic("embedded servicedesk spec: " + err.Error()) // a build defect, caught by tests
	}
	return s
}

// Load reads a contract from a YAML file; "" means the built-in ServiceDesk contract.
func Load(path string) (*Spec, error) {
	if path == "" {
		return ServiceDesk(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	s, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", path, err)
	}
	return s, nil
}

// Parse decodes and validates a contract.
func Parse(b []byte) (*Spec, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	s := Spec{Profile: DefaultProfile(), Quality: DefaultQuality(), Canary: DefaultCanary()} // keys the YAML omits keep their defaults
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Spec) validate() error {
	if s.Schema == "" {
		return fmt.Errorf("schema is required")
	}
	specStated := s.DateOrder == DMY || s.DateOrder == MDY
	if s.DateOrder == "" {
		s.DateOrder = DMY
	}
	if !s.DateOrder.valid() {
		return fmt.Errorf("date_order %q: want dmy, mdy or unresolved", s.DateOrder)
	}
	if len(s.Tables) == 0 {
		return fmt.Errorf("no tables")
	}
	seen := map[string]bool{}
	for _, t := range s.Tables {
		if t.Name == "" || seen[t.Name] {
			return fmt.Errorf("table name %q empty or repeated", t.Name)
		}
		seen[t.Name] = true
		if t.File == "" {
			t.File = t.Name
		}
		if err := t.validate(s, specStated); err != nil {
			return fmt.Errorf("table %s: %w", t.Name, err)
		}
	}
	if err := s.validateIdentifiers(); err != nil {
		return err
	}
	if s.Scope != nil {
		if err := s.Scope.validate(s); err != nil {
			return fmt.Errorf("scope: %w", err)
		}
	}
	if err := s.Profile.validate(); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if err := s.Quality.validate(s); err != nil {
		return fmt.Errorf("quality: %w", err)
	}
	if err := s.Canary.validate(); err != nil {
		return fmt.Errorf("canary: %w", err)
	}
	if err := s.validateKPIs(); err != nil {
		return fmt.Errorf("kpis: %w", err)
	}
	for _, t := range s.Tables {
		if t.Sample != nil {
			if err := t.Sample.validate(s, t); err != nil {
				return fmt.Errorf("table %s: sample: %w", t.Name, err)
			}
		}
	}
	return nil
}

func (o DateOrder) valid() bool { return o == DMY || o == MDY || o == Unresolved }

func (t *Table) validate(s *Spec, specStated bool) error {
	if len(t.Columns) == 0 {
		return fmt.Errorf("no columns")
	}
	nd := max(len(t.Dialects), 1)
	names := map[string]bool{}
	for _, c := range t.Columns {
		if c.Name == "" || names[c.Name] {
			return fmt.Errorf("column name %q empty or repeated", c.Name)
		}
		if strings.HasPrefix(c.Name, "_") {
			return fmt.Errorf("column %q: names starting with _ are reserved for lineage", c.Name)
		}
		names[c.Name] = true
		if !c.Type.Valid() {
			return fmt.Errorf("column %s: unknown type %q", c.Name, c.Type)
		}
		if len(c.Headers) == 0 {
			c.Headers = []string{c.Name}
		}
		if len(c.Headers) != 1 && len(c.Headers) != nd {
			return fmt.Errorf("column %s: %d headers for %d dialects", c.Name, len(c.Headers), nd)
		}
		switch {
		case c.DateOrder == "":
			c.DateOrder, c.OrderStated = s.DateOrder, specStated
		case !c.DateOrder.valid():
			return fmt.Errorf("column %s: date_order %q: want dmy, mdy or unresolved", c.Name, c.DateOrder)
		default:
			c.OrderStated = c.DateOrder != Unresolved
		}
		if c.Format != "" {
			if err := c.compileFormat(); err != nil {
				return fmt.Errorf("column %s: %w", c.Name, err)
			}
		}
		if c.RejectOutside != nil && c.Type != Integer && c.Type != Decimal {
			return fmt.Errorf("column %s: reject_outside needs an integer or decimal column, not %s", c.Name, c.Type)
		}
	}
	for _, k := range t.Key {
		c := t.Column(k)
		if c == nil {
			return fmt.Errorf("key column %q not declared", k)
		}
		c.Required = true // a key with a NULL cannot identify a row
	}
	if t.Modified != "" && t.Column(t.Modified) == nil {
		return fmt.Errorf("modified column %q not declared", t.Modified)
	}
	if err := t.validateMode(); err != nil {
		return err
	}
	if t.Encoding != "" {
		e := strings.ToLower(strings.TrimSpace(t.Encoding))
		if !slices.Contains(Encodings, e) {
			return fmt.Errorf("encoding %q: want one of %s", t.Encoding, strings.Join(Encodings, ", "))
		}
		t.Encoding = e
	}
	if len(t.Indexes) > 99 {
		return fmt.Errorf("%d indexes: at most 99", len(t.Indexes))
	}
	for i, ix := range t.Indexes {
		if len(ix) == 0 {
			return fmt.Errorf("index %d names no column", i+1)
		}
		for _, c := range ix {
			if t.Column(c) == nil && !slices.ContainsFunc(t.Derived, func(d *Derived) bool { return d.Name == c }) {
				return fmt.Errorf("index %d: column %q not declared", i+1, c)
			}
		}
	}
	for _, d := range t.Derived {
		if names[d.Name] || d.Name == "" {
			return fmt.Errorf("derived column %q empty or clashes", d.Name)
		}
		if t.Column(d.From) == nil {
			return fmt.Errorf("derived %s: source %q not declared", d.Name, d.From)
		}
		if !d.Type.Valid() {
			return fmt.Errorf("derived %s: unknown type %q", d.Name, d.Type)
		}
		names[d.Name] = true
	}
	return nil
}

func (sc *Scope) validate(s *Spec) error {
	if _, err := sc.CutoffTime(); err != nil {
		return fmt.Errorf("cutoff %q: want YYYY-MM-DD", sc.Cutoff)
	}
	need := []struct{ table, col string }{
		{sc.Roster.Table, sc.Roster.User},
		{sc.Activity.Table, sc.Activity.Ticket},
		{sc.Activity.Table, sc.Activity.User},
		{sc.Activity.Table, sc.Activity.Time},
		{sc.Tickets.Table, sc.Tickets.Key},
	}
	for _, d := range sc.Dated {
		need = append(need, struct{ table, col string }{d.Table, d.Column})
	}
	for _, n := range need {
		t := s.Table(n.table)
		if t == nil || t.Column(n.col) == nil {
			return fmt.Errorf("%s.%s is not declared", n.table, n.col)
		}
	}
	return nil
}

// Table returns the named table or nil.
func (s *Spec) Table(name string) *Table {
	for _, t := range s.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Column returns the named column or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ColumnIndex returns the position of the named column or -1.
func (t *Table) ColumnIndex(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Header returns the export header of c in dialect d (index into Table.Dialects).
func (c *Column) Header(d int) string {
	if d < len(c.Headers) {
		return c.Headers[d]
	}
	return c.Headers[0]
}

// IsSentinel reports whether raw means "missing": empty, whitespace only, or one of the
// spec's sentinels (case-insensitive, surrounding whitespace ignored).
func (s *Spec) IsSentinel(raw string) bool {
	v := strings.TrimSpace(raw)
	if v == "" {
		return true
	}
	for _, x := range s.Sentinels {
		if strings.EqualFold(v, x) {
			return true
		}
	}
	return false
}

// validateMode fills in the table's default mode and refuses one that does not fit its key.
func (t *Table) validateMode() error {
	switch {
	case t.Mode == "" && len(t.Key) > 0:
		t.Mode = ModeUpsert
	case t.Mode == "":
		t.Mode = ModeSnapshot
	case len(t.Key) > 0 && t.Mode != ModeUpsert:
		return fmt.Errorf("mode %q: a table with a key upserts by it (mode: upsert); snapshot and append are for tables without one", t.Mode)
	case len(t.Key) == 0 && t.Mode != ModeSnapshot && t.Mode != ModeAppend:
		return fmt.Errorf("mode %q: a table without a key is a snapshot (each export replaces the last) or append (exports accumulate)", t.Mode)
	}
	return nil
}
