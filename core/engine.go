package auth0kit

import (
	"context"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// Adapter returns the interface that framework adapters (package adapter)
// drive. Applications never call it: they mount an adapter's middleware.
func (c *Client) Adapter() adapter.Engine { return engine{c} }

// engine is the client as an [adapter.Engine].
type engine struct{ c *Client }

// Serve implements [adapter.Engine]: bind, answer the SDK's routes, roll
// the session.
func (e engine) Serve(ctx context.Context, ex adapter.Exchange) (context.Context, *adapter.Response) {
	ctx = e.c.bind(ctx, ex)
	if res, ok := e.c.handle(ctx, ex); ok {
		return ctx, res
	}
	if err := e.c.touch(ctx); err != nil {
		return ctx, errorResponse(err)
	}
	return ctx, nil
}

// Bind implements [adapter.Engine].
func (e engine) Bind(ctx context.Context, ex adapter.Exchange) context.Context {
	return e.c.bind(ctx, ex)
}
