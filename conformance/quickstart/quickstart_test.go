package quickstart

import (
	"bufio"
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

const modulePrefix = "github.com/auth0kit/auth0kit/"

// block is one ```go block of a README.
type block struct {
	name string // README path relative to the repository, and line of the fence
	src  string
}

// blocks returns the ```go blocks of README.md and adapters/*/README.md.
func blocks(t *testing.T, root string) []block {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "adapters", "*", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	var out []block
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		var cur *block
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			switch {
			case cur == nil && strings.TrimSpace(line) == "```go":
				cur = &block{name: rel + ":" + strconv.Itoa(n)}
			case cur != nil && strings.TrimSpace(line) == "```":
				out = append(out, *cur)
				cur = nil
			case cur != nil:
				cur.src += line + "\n"
			}
		}
		if cur != nil {
			t.Errorf("%s: unterminated ```go block", cur.name)
		}
	}
	return out
}

// goMod is the go.mod a pre-release user writes for src: core and the
// adapters it imports, each replaced by its local folder, plus
// adapters/fasthttp under the Fiber adapters.
func goMod(root, src string) (string, error) {
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
		} else if strings.HasPrefix(p, modulePrefix) && !strings.HasPrefix(p, modulePrefix+"core") {
			return "", fmt.Errorf("imports %s: a quickstart needs only core and one adapter", p)
		}
	}
	if local["adapters/fiber"] || local["adapters/fiberv3"] {
		local["adapters/fasthttp"] = true
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

// TestREADMEGoBlocksBuild builds every ```go block as the main package of
// its own module in a temporary folder outside the workspace, as a user
// who copies it would: go mod tidy, go vet, go build.
func TestREADMEGoBlocksBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every README program (-short)")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bs := blocks(t, root)
	if len(bs) < 6 {
		t.Fatalf("found %d ```go blocks, want at least one per adapter", len(bs))
	}
	sem := make(chan struct{}, 2) // the machine has few cores; go build is parallel already
	for _, b := range bs {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			mod, err := goMod(root, b.src)
			if err != nil {
				t.Fatalf("%s is not a complete program: %v", b.name, err)
			}
			dir := t.TempDir() // outside the repository and its go.work
			for name, data := range map[string]string{"go.mod": mod, "main.go": b.src} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, args := range [][]string{{"mod", "tidy"}, {"vet", "."}, {"build", "-o", os.DevNull, "."}} {
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
				cmd := exec.CommandContext(ctx, "go", args...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
				out, err := cmd.CombinedOutput()
				cancel()
				if err != nil {
					t.Fatalf("%s: go %s: %v\n%s\ngo.mod:\n%s", b.name, strings.Join(args, " "), err, out, mod)
				}
			}
		})
	}
}
