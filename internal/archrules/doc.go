// Package archrules holds no code: its test enforces the import rules of
// docs/architecture.md, so a change that breaks a package boundary fails
// the build instead of waiting to be noticed in review.
package archrules
