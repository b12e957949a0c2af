package quickstart

import (
	"bufio"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

const modulePrefix = "github.com/auth0kit/auth0kit/"

// Block is one ```go block of a README.
type Block struct {
	// Name is the README's path relative to the repository and the line
	// of the fence ("README.md:53").
	Name string
	// Src is the block's text.
	Src string
}

// Blocks returns the ```go blocks of README.md and adapters/*/README.md
// under the repository root. A Go block fenced with an info string after
// "go" ("```go fragment") or left open is an error: every Go block must be
// a program.
func Blocks(root string) ([]Block, error) {
	files, err := filepath.Glob(filepath.Join(root, "adapters", "*", "README.md"))
	if err != nil {
		return nil, err
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	var out []Block
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(root, f)
		var cur *Block
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			switch {
			case cur == nil && strings.TrimSpace(line) == "```go":
				cur = &Block{Name: rel + ":" + strconv.Itoa(n)}
			case cur == nil && strings.HasPrefix(strings.TrimSpace(line), "```go "):
				errs = append(errs, fmt.Errorf("%s:%d: a Go block fenced %q is not built: make it a complete program", rel, n, strings.TrimSpace(line)))
			case cur != nil && strings.TrimSpace(line) == "```":
				out = append(out, *cur)
				cur = nil
			case cur != nil:
				cur.Src += line + "\n"
			}
		}
		if cur != nil {
			errs = append(errs, fmt.Errorf("%s: unterminated ```go block", cur.Name))
		}
	}
	return out, errors.Join(errs...)
}

// Adapter returns the adapter a program imports ("gin", "nethttp"…), or
// "" when it imports none.
func Adapter(src string) string {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", src, parser.ImportsOnly)
	if err != nil {
		return ""
	}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if rest, ok := strings.CutPrefix(p, modulePrefix+"adapters/"); ok {
			return strings.SplitN(rest, "/", 2)[0]
		}
	}
	return ""
}

// GoMod is the go.mod a pre-release user writes for src: core, the
// adapters and stores it imports, each replaced by its local folder under
// root, plus adapters/fasthttp under the Fiber adapters and conformance
// under a store (its tests import conformance/storetest).
func GoMod(root, src string) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", src, parser.ImportsOnly)
	if err != nil {
		return "", err
	}
	if f.Name.Name != "main" {
		return "", fmt.Errorf("package %s, want main", f.Name.Name)
	}
	local := map[string]bool{"core": true}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if rest, ok := strings.CutPrefix(p, modulePrefix+"adapters/"); ok {
			local["adapters/"+strings.SplitN(rest, "/", 2)[0]] = true
		} else if rest, ok := strings.CutPrefix(p, modulePrefix+"stores/"); ok {
			local["stores/"+strings.SplitN(rest, "/", 2)[0]] = true
		} else if strings.HasPrefix(p, modulePrefix) && !strings.HasPrefix(p, modulePrefix+"core") {
			return "", fmt.Errorf("imports %s: a README program needs only core, one adapter and the stores", p)
		}
	}
	if local["adapters/fiber"] || local["adapters/fiberv3"] {
		local["adapters/fasthttp"] = true
	}
	if local["stores/redis"] || local["stores/sql"] {
		// The stores' own tests import conformance/storetest, which go mod
		// tidy resolves too: before the release it needs its replace line,
		// and so do both stores, which conformance requires.
		local["conformance"], local["stores/redis"], local["stores/sql"] = true, true, true
	}
	dirs := make([]string, 0, len(local))
	for d := range local {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var b strings.Builder
	b.WriteString("module quickstart\n\ngo 1.26.0\n\n")
	for _, d := range dirs {
		fmt.Fprintf(&b, "require %s%s v0.0.0\n", modulePrefix, d)
	}
	for _, d := range dirs {
		fmt.Fprintf(&b, "replace %s%s => %s\n", modulePrefix, d, filepath.Join(root, d))
	}
	return b.String(), nil
}
