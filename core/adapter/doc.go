// Package adapter is the interface between the auth0kit engine and a web
// framework. Applications never import it: it is for the authors of
// adapters such as auth0http, auth0gin, auth0echo and auth0fiber.
//
// An adapter wraps its framework's request in an [Exchange] (or uses
// [HTTPExchange] for frameworks built on net/http), calls
// [Engine.Serve] from its middleware, writes the [Response] it may
// return, and otherwise calls the next handler with the context Serve
// returned. Its page and API guards call [RequirePage] and [RequireAPI]
// with that context. All behaviour lives in the engine, so every
// framework answers alike:
//
//	func Middleware(c *auth0kit.Client) func(http.Handler) http.Handler {
//		engine := c.Adapter()
//		return func(next http.Handler) http.Handler {
//			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//				ctx, res := engine.Serve(r.Context(), adapter.NewHTTPExchange(w, r))
//				if res != nil {
//					_ = res.Write(w)
//					return
//				}
//				next.ServeHTTP(w, r.WithContext(ctx))
//			})
//		}
//	}
package adapter
