package auth0echo

import (
	"context"

	"github.com/auth0kit/auth0kit/core"
	"github.com/labstack/echo/v5"
)

// exchange is the request's auth0kit.HTTPExchange plus the context
// [Middleware] bound to it; it is what the Echo context stores.
type exchange struct {
	*auth0kit.HTTPExchange
	ctx context.Context
}

func newExchange(c *echo.Context) *exchange {
	return &exchange{HTTPExchange: auth0kit.NewHTTPExchange(c.Response(), c.Request())}
}
