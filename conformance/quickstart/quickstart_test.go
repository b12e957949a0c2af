package quickstart

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

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
	bs, err := Blocks(root)
	if err != nil {
		t.Error(err)
	}
	if len(bs) < 6 {
		t.Fatalf("found %d ```go blocks, want at least one per adapter", len(bs))
	}
	sem := make(chan struct{}, 2) // the machine has few cores; go build is parallel already
	for _, b := range bs {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			mod, err := GoMod(root, b.Src)
			if err != nil {
				t.Fatalf("%s is not a complete program: %v", b.Name, err)
			}
			dir := t.TempDir() // outside the repository and its go.work
			for name, data := range map[string]string{"go.mod": mod, "main.go": b.Src} {
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
					t.Fatalf("%s: go %s: %v\n%s\ngo.mod:\n%s", b.Name, strings.Join(args, " "), err, out, mod)
				}
			}
		})
	}
}
