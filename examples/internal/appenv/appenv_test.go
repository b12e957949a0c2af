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

// TestClientDomainMap: AUTH0_DOMAIN_MAP alone puts the example apps in
// resolver mode (Multiple Custom Domains), each host on its own origin.
func TestClientDomainMap(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("AUTH0_DOMAIN", "")
	t.Setenv("APP_BASE_URL", "")
	t.Setenv("AUTH0_DOMAIN_MAP", "brand-a.localhost:3000=brand-a.example.com,brand-b.localhost:3000=https://brand-b.example.com/")
	t.Setenv("AUTH0_CLIENT_ID", "id")
	t.Setenv("AUTH0_CLIENT_SECRET", "secret")
	t.Setenv("AUTH0_SECRET", "0123456789abcdef0123456789abcdef")
	client, _, err := Client(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if client.Issuer() != "" {
		t.Fatalf("static issuer %q in resolver mode", client.Issuer())
	}
	t.Setenv("AUTH0_DOMAIN", "static.example.com")
	if _, _, err := Client(t.Context()); err == nil {
		t.Fatal("AUTH0_DOMAIN and AUTH0_DOMAIN_MAP together were accepted")
	}
}
