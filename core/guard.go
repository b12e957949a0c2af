package auth0kit

import (
	"context"
	"net/http"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// RequirePage implements [adapter.Binding]: nil with a session, otherwise
// a 302 to the login route with returnTo set to requestURI, or the store
// error's status.
func (rs *requestState) RequirePage(ctx context.Context, requestURI string) *adapter.Response {
	s, err := rs.session(ctx)
	if s != nil && err == nil {
		return nil
	}
	sdkHeaders(rs.ex)
	if err != nil {
		return rs.c.errorAnswer(rs.ex, err)
	}
	rs.ex.SetHeader("Cache-Control", "no-store")
	return redirect(http.StatusFound, rs.c.loginURL(requestURI))
}

// RequireAPI implements [adapter.Binding]: nil with a session, otherwise a
// 401 JSON answer (or the store error's status).
func (rs *requestState) RequireAPI(ctx context.Context) *adapter.Response {
	s, err := rs.session(ctx)
	if s != nil && err == nil {
		return nil
	}
	sdkHeaders(rs.ex)
	if err != nil {
		return jsonError(HTTPStatus(err), CodeSessionStoreError, "The session store is unavailable.")
	}
	rs.ex.SetHeader("Cache-Control", "no-store")
	return unauthorizedJSON()
}
