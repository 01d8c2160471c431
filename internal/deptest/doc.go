// Package deptest holds the tests that keep the package picture of docs/design.md true: the
// core imports no database, store or file-format package, every package imports only what the
// picture allows, and every package says what it is in a package comment. It has no code of
// its own.
package deptest
