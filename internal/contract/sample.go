package contract

import (
	"fmt"
	"slices"
)

// Sample says how the canary draws a table's sample (SPEC section 4, migrate: "a stratified 10%
// sample, by month and status, not first-N"). A table with strata is sampled within every
// combination of their values; a table that follows another takes exactly the rows belonging to
// that table's sampled rows (comments of the sampled tickets), so the sample's joins behave like
// the full data's; a table with neither is one stratum.
type Sample struct {
	Strata []Stratum `yaml:"strata"`
	Follow *Follow   `yaml:"follow"`
}

// Stratum is one stratifying column: its value, or with By "month" the month of a date,
// timestamp or month column.
type Stratum struct {
	Column string `yaml:"column"`
	By     string `yaml:"by"` // "" (the value itself) or "month"
}

// Follow names the column holding the key of another, earlier table's sampled rows.
type Follow struct {
	Column string `yaml:"column"`
	Table  string `yaml:"table"`
}

// Canary holds the canary's configuration: the share sampled and how far a sample's null
// ratio may stray from the profile's. The tolerance is slack + sigmas standard errors of a
// sample proportion, sqrt(p(1-p)/n): a sample's ratio wanders by chance, and the profile is of
// the staging store, before cleaning quarantined a few rows.
type Canary struct {
	Share      float64 `yaml:"share" json:"share"`
	NullSlack  float64 `yaml:"null_ratio_slack" json:"null_ratio_slack"`
	NullSigmas float64 `yaml:"null_ratio_sigmas" json:"null_ratio_sigmas"`
}

// DefaultCanary returns the defaults: 10%, and 0.05 + 4 standard errors.
func DefaultCanary() Canary { return Canary{Share: 0.10, NullSlack: 0.05, NullSigmas: 4} }

func (c Canary) validate() error {
	if c.Share <= 0 || c.Share > 1 {
		return fmt.Errorf("share %v: want 0 < share <= 1", c.Share)
	}
	if c.NullSlack < 0 || c.NullSigmas < 0 {
		return fmt.Errorf("null_ratio_slack and null_ratio_sigmas must not be negative")
	}
	return nil
}

func (sm *Sample) validate(s *Spec, t *Table) error {
	for _, st := range sm.Strata {
		c := t.Column(st.Column)
		if c == nil {
			return fmt.Errorf("stratum column %q not declared", st.Column)
		}
		switch st.By {
		case "":
		case "month":
			if !slices.Contains([]Type{Date, Timestamp, Timestamptz, Month}, c.Type) {
				return fmt.Errorf("stratum %s by month: the column is %s, not a date, timestamp or month", c.Name, c.Type)
			}
		default:
			return fmt.Errorf("stratum %s: by %q, want month or nothing", c.Name, st.By)
		}
	}
	if f := sm.Follow; f != nil {
		if len(sm.Strata) > 0 {
			return fmt.Errorf("a sample follows another table or has strata, not both")
		}
		if t.Column(f.Column) == nil {
			return fmt.Errorf("follow column %q not declared", f.Column)
		}
		i := slices.IndexFunc(s.Tables, func(x *Table) bool { return x.Name == f.Table })
		if i < 0 || i >= slices.Index(s.Tables, t) {
			return fmt.Errorf("follow table %q must be declared before %s", f.Table, t.Name)
		}
		if len(s.Tables[i].Key) != 1 {
			return fmt.Errorf("follow table %s needs a one-column key", f.Table)
		}
	}
	return nil
}
