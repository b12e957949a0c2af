package auth0kit

import (
	"context"
	"errors"
	"testing"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// Calls without a request (a nil adapter.Exchange and a context no adapter bound)
// read as "no session" and never panic.
func TestUnboundNilExchange(t *testing.T) {
	c := newTestClient(t)
	ctx := context.Background()
	if s, err := c.GetSession(ctx); s != nil || err != nil {
		t.Fatalf("GetSession = %v, %v", s, err)
	}
	if err := c.UpdateSession(ctx, &Session{}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("UpdateSession = %v", err)
	}
	if _, err := c.GetAccessToken(ctx, AccessTokenOptions{}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("GetAccessToken = %v", err)
	}
	if _, err := c.GetAccessTokenForConnection(ctx, ConnectionTokenOptions{Connection: "github"}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("GetAccessTokenForConnection = %v", err)
	}
	if s, err := SessionFromContext(ctx); s != nil || err != nil {
		t.Fatalf("SessionFromContext = %v, %v", s, err)
	}
	if res := adapter.RequireAPI(ctx); res == nil || res.Status != 500 {
		t.Fatalf("RequireAPI without middleware = %+v", res)
	}
}
