// Command conformance-table renders the conformance reports written by
// conformance.Run (AUTH0KIT_CONFORMANCE_REPORT=dir) as a Markdown table
// and puts it into README.md between the markers
// <!-- conformance:start --> and <!-- conformance:end -->.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/auth0kit/auth0kit/conformance"
)

func main() {
	dir := flag.String("dir", ".conformance", "directory of <adapter>.json reports")
	readme := flag.String("readme", "README.md", "file to update")
	flag.Parse()
	files, err := filepath.Glob(filepath.Join(*dir, "*.json"))
	if err != nil || len(files) == 0 {
		log.Fatalf("no reports in %s", *dir)
	}
	var reports []conformance.Report
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		var r conformance.Report
		if err := json.Unmarshal(b, &r); err != nil {
			log.Fatalf("%s: %v", f, err)
		}
		reports = append(reports, r)
	}
	order := []string{"nethttp", "gin", "echo", "echov5", "fiber", "fiberv3"}
	rank := func(name string) int {
		if i := slices.Index(order, name); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortFunc(reports, func(a, b conformance.Report) int { return rank(a.Adapter) - rank(b.Adapter) })

	var sb strings.Builder
	sb.WriteString("| Adapter | " + conformance.DevProvider + " pass / fail / skip | " + conformance.CertifiedProvider + " pass / fail / skip |\n|---|---|---|\n")
	for _, r := range reports {
		count := func(provider string) string {
			var pass, fail, skip int
			for _, res := range r.Results {
				if res.Provider != provider {
					continue
				}
				switch res.Outcome {
				case "pass":
					pass++
				case "fail":
					fail++
				default:
					skip++
				}
			}
			return fmt.Sprintf("%d / %d / %d", pass, fail, skip)
		}
		fmt.Fprintf(&sb, "| %s | %s | %s |\n", r.Adapter, count(conformance.DevProvider), count(conformance.CertifiedProvider))
	}
	b, err := os.ReadFile(*readme)
	if err != nil {
		log.Fatal(err)
	}
	text := string(b)
	const start, end = "<!-- conformance:start -->", "<!-- conformance:end -->"
	i, j := strings.Index(text, start), strings.Index(text, end)
	if i < 0 || j < i {
		log.Fatalf("%s has no %s … %s markers", *readme, start, end)
	}
	text = text[:i+len(start)] + "\n" + sb.String() + text[j:]
	if err := os.WriteFile(*readme, []byte(text), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(sb.String())
}
