package quality

// Helpers for the external tests (package quality_test), which import the adapters that
// implement Source and so cannot live in package quality.
var (
	Mini    = mini
	Now     = now
	RuleFor = rule
)
