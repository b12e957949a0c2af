package appenv

import (
	"errors"
	"testing"
)

// Both store variables set is refused before anything is opened.
func TestClientRefusesTwoStores(t *testing.T) {
	t.Setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
	t.Setenv("DATABASE_URL", "sqlite:///tmp/appenv-test.db")
	if _, _, err := Client(t.Context()); !errors.Is(err, ErrTwoStores) {
		t.Fatalf("Client with REDIS_URL and DATABASE_URL: %v, want ErrTwoStores", err)
	}
}
