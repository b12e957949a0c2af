// Package quickstart extracts and tests the READMEs' Go code ([Blocks],
// [GoMod]; the browser test in conformance/e2e logs in through them):
// every ```go block of README.md and adapters/*/README.md is a complete
// program that a user can copy into a fresh module outside this repository and build, with only the
// replace lines a pre-release user needs (core, the one adapter,
// adapters/fasthttp for the Fiber ones, and the stores a program imports).
// A Go block fenced with anything after "go" (such as "```go fragment", the
// old way around this test) is refused: excerpts become programs or prose.
package quickstart
