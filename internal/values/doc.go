// Package values holds the pure value normalisers and the date logic: raw cell text becomes
// the canonical clean text of its contracted type, or a *ValueError saying why it cannot. It
// reads no store and no file, so the same rules serve import, clean, profile, quality and
// spec init alike.
package values
