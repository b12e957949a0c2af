// Package quickstart tests the READMEs' Go code: every ```go block of
// README.md and adapters/*/README.md is a complete program that a user can
// copy into a fresh module outside this repository and build, with only the
// replace lines a pre-release user needs (core, the one adapter, and
// adapters/fasthttp for the Fiber ones).
//
// Blocks fenced as "```go fragment" are API excerpts, not programs, and are
// left out.
package quickstart
