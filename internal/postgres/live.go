package postgres

import "context"

// LiveHolds reports whether the live generation is recorded as holding exactly what
// fingerprint (reconcile.Fingerprint of the clean store's measures) measures: the check a load
// makes before it finds nothing to do, for a caller that wants to know before the load (the
// run skips a canary that would protect no load).
func (r *Run) LiveHolds(ctx context.Context, fingerprint string) (bool, error) {
	return r.liveFingerprintIs(ctx, fingerprint)
}
