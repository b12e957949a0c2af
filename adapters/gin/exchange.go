package auth0gin

import (
	"context"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/gin-gonic/gin"
)

// exchange is the request's adapter.HTTPExchange plus the context
// [Middleware] bound to it; it is what the Gin context stores.
type exchange struct {
	adapter.HTTPExchange
	ctx context.Context
}

func newExchange(c *gin.Context) *exchange {
	return &exchange{HTTPExchange: adapter.HTTPExchange{R: c.Request, W: c.Writer}}
}
