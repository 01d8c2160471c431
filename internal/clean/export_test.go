package clean

// Remeasured names the tables whose measures Run read back from the store.
func Remeasured(r *Report) []string { return r.remeasured }
