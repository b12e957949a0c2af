package auth0kit

import (
	"context"
	"net/http"
)

// RequirePage is the logic of page guards: it returns nil when the request
// bound to ctx has a session, and otherwise the answer to send: a 302 to
// the login route with returnTo set to requestURI (the current path and
// query), or the store error's status. Adapters' RequireAuth call it.
func RequirePage(ctx context.Context, requestURI string) *Response {
	rs, ok := ctx.Value(requestKey{}).(*requestState)
	if !ok {
		return notMounted()
	}
	s, err := rs.session(ctx)
	if s != nil && err == nil {
		return nil
	}
	sdkHeaders(rs.ex)
	if err != nil {
		return ErrorResponse(err)
	}
	rs.ex.SetHeader("Cache-Control", "no-store")
	return redirect(http.StatusFound, rs.c.LoginURL(requestURI))
}

// RequireAPI is the logic of API guards: nil with a session, otherwise a
// 401 JSON answer (or the store error's status).
func RequireAPI(ctx context.Context) *Response {
	rs, ok := ctx.Value(requestKey{}).(*requestState)
	if !ok {
		return notMounted()
	}
	s, err := rs.session(ctx)
	if s != nil && err == nil {
		return nil
	}
	sdkHeaders(rs.ex)
	if err != nil {
		return JSONError(HTTPStatus(err), CodeSessionStoreError, "The session store is unavailable.")
	}
	rs.ex.SetHeader("Cache-Control", "no-store")
	return UnauthorizedJSON()
}

func notMounted() *Response {
	return &Response{Status: http.StatusInternalServerError, ContentType: "text/plain; charset=utf-8",
		Body: []byte("auth0kit: the session middleware is not mounted in front of this handler\n")}
}
