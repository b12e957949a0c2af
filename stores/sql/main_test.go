package sqlstore_test

import (
	"os"
	"testing"
)

// tempDir is a directory for the examples' SQLite files, removed after
// the tests.
var tempDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sqlstore-example-")
	if err != nil {
		panic(err)
	}
	tempDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
