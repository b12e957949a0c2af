package auth0gin

import (
	"context"

	"github.com/auth0kit/auth0kit/core"
	"github.com/gin-gonic/gin"
)

// exchange is the request's auth0kit.HTTPExchange plus the context
// [Middleware] bound to it; it is what the Gin context stores.
type exchange struct {
	*auth0kit.HTTPExchange
	ctx context.Context
}

func newExchange(c *gin.Context) *exchange {
	return &exchange{HTTPExchange: auth0kit.NewHTTPExchange(c.Writer, c.Request)}
}
