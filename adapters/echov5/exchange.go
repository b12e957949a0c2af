package auth0echo

import (
	"context"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/labstack/echo/v5"
)

// exchange is the request's adapter.HTTPExchange plus the context
// [Middleware] bound to it; it is what the Echo context stores.
type exchange struct {
	adapter.HTTPExchange
	ctx context.Context
}

func newExchange(c *echo.Context) *exchange {
	return &exchange{HTTPExchange: adapter.HTTPExchange{R: c.Request(), W: c.Response()}}
}
