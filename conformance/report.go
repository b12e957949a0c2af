package conformance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Result is one scenario's outcome in a conformance report.
type Result struct {
	Provider string `json:"provider"`
	Scenario string `json:"scenario"`
	Outcome  string `json:"outcome"` // pass, fail, skip
}

// Report is what [Run] writes for one adapter when
// AUTH0KIT_CONFORMANCE_REPORT names a directory: <dir>/<adapter>.json.
// cmd/conformance-table renders the README table from these files.
type Report struct {
	Adapter string   `json:"adapter"`
	Results []Result `json:"results"`
}

type recorder struct {
	mu     sync.Mutex
	report Report
}

func (r *recorder) record(t *testing.T, provider, scenario string) {
	t.Cleanup(func() {
		outcome := "pass"
		switch {
		case t.Failed():
			outcome = "fail"
		case t.Skipped():
			outcome = "skip"
		}
		r.mu.Lock()
		r.report.Results = append(r.report.Results, Result{provider, scenario, outcome})
		r.mu.Unlock()
	})
}

// newRecorder returns a recorder that writes its report when t ends, or
// nil when no report is asked for.
func newRecorder(t *testing.T, adapter string) *recorder {
	dir := os.Getenv("AUTH0KIT_CONFORMANCE_REPORT")
	if dir == "" {
		return nil
	}
	r := &recorder{report: Report{Adapter: adapter}}
	t.Cleanup(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		b, err := json.MarshalIndent(r.report, "", "  ")
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, adapter+".json"), b, 0o644)
		}
		if err != nil {
			t.Errorf("writing the conformance report: %v", err)
		}
	})
	return r
}
