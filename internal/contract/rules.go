package contract

// Quarantine rules: why a row could not be loaded. The generator's truth.json uses the same
// names, so tests compare reasons exactly.
const (
	RuleMissingRequired = "missing_required" // a required column is empty or a sentinel
	RuleDuplicateKey    = "duplicate_key"    // an older row of a duplicated natural key
	RuleFieldCount      = "field_count"      // a CSV row with the wrong number of fields
	RuleOutOfDomain     = "out_of_domain"    // a value outside its column's reject_outside bounds
)

// RuleInvalid is the quarantine rule for a value that does not convert to type t,
// e.g. "invalid_integer" or "invalid_timestamp".
func RuleInvalid(t Type) string { return "invalid_" + string(t) }

// Severities of quarantine and quality rules.
const (
	Critical = "CRITICAL"
	High     = "HIGH"
	Medium   = "MEDIUM"
	Low      = "LOW"
)
