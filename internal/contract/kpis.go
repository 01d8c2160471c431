package contract

import (
	"fmt"
	"slices"

	"github.com/sdetl/sdetl/internal/kpi"
)

// KPIBand is one KPI's green/red thresholds in the contract's kpis: section. Both bounds are
// pointers so that a band missing one is refused instead of read as 0.
type KPIBand struct {
	Green *float64 `yaml:"green"`
	Red   *float64 `yaml:"red"`
}

// validateKPIs checks the kpis: section when the contract is parsed, so a typo in a KPI name
// or a band upside down fails before any run, not as a wrong colour on a dashboard.
func (s *Spec) validateKPIs() error {
	names := make([]string, 0, len(s.KPIs))
	for n := range s.KPIs {
		names = append(names, n)
	}
	slices.Sort(names) // the same contract gives the same first error
	for _, n := range names {
		b := s.KPIs[n]
		if b == nil || b.Green == nil || b.Red == nil {
			return fmt.Errorf("%s: want both green and red", n)
		}
		if err := kpi.CheckBand(n, kpi.Band{Green: *b.Green, Red: *b.Red}); err != nil {
			return err
		}
	}
	return nil
}

// KPIParams are SPEC 6.1's conventions with the contract's thresholds, which override the
// built-in SPEC 6.2 ones KPI by KPI.
func (s *Spec) KPIParams() kpi.Params {
	p := kpi.DefaultParams()
	if len(s.KPIs) > 0 {
		p.Bands = map[string]kpi.Band{}
		for n, b := range s.KPIs {
			p.Bands[n] = kpi.Band{Green: *b.Green, Red: *b.Red}
		}
	}
	return p
}
