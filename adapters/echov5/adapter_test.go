package auth0echo_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	auth0echo "github.com/auth0kit/auth0kit/adapters/echov5"
	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/labstack/echo/v5"
)

// testClient is a client and a logged-in cookie for the reference
// session (user "Jane Doe").
func testClient(t *testing.T) (*auth0kit.Client, *http.Cookie) {
	t.Helper()
	fx := conformance.LoadFixture(t)
	return fx.Client, fx.Cookie
}

func serve(h http.Handler, path string, ck *http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000"+path, nil)
	if ck != nil {
		req.AddCookie(ck)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// The guards stop the chain: the handler after them never runs.
func TestGuardsStop(t *testing.T) {
	client, _ := testClient(t)
	e := echo.New()
	e.Use(auth0echo.Middleware(client))
	ran := false
	h := func(*echo.Context) error { ran = true; return nil }
	e.GET("/page", h, auth0echo.RequireAuth())
	e.Group("/api", auth0echo.RequireAuthAPI()).GET("/x", h)
	if w := serve(e, "/page?x=1", nil); w.Code != http.StatusFound || w.Header().Get("Location") != "/auth/login?returnTo=%2Fpage%3Fx%3D1" {
		t.Errorf("page guard: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := serve(e, "/api/x", nil); w.Code != http.StatusUnauthorized || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("API guard: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if ran {
		t.Error("handler ran behind a failing guard")
	}
}

// A guard without the middleware answers 500 rather than letting the
// request through.
func TestGuardWithoutMiddleware(t *testing.T) {
	_, ck := testClient(t)
	e := echo.New()
	e.GET("/p", func(c *echo.Context) error { return c.String(http.StatusOK, "leak") }, auth0echo.RequireAuth())
	if w := serve(e, "/p", ck); w.Code != http.StatusInternalServerError {
		t.Errorf("guard without middleware: %d, want 500", w.Code)
	}
}

// The middleware also works as pre-middleware (e.Pre), and the accessors
// agree with c.Request().Context().
func TestPreAndAccessors(t *testing.T) {
	client, ck := testClient(t)
	e := echo.New()
	e.Pre(auth0echo.Middleware(client))
	e.GET("/", func(c *echo.Context) error {
		s, err := auth0kit.SessionFromContext(c.Request().Context())
		if err != nil || s == nil || auth0echo.Session(c) != s {
			return c.String(http.StatusInternalServerError, "accessors disagree")
		}
		return c.String(http.StatusOK, auth0echo.User(c).Name)
	})
	if w := serve(e, "/", ck); w.Code != http.StatusOK || w.Body.String() != "Jane Doe" {
		t.Errorf("%d %q", w.Code, w.Body.String())
	}
	if w := serve(e, "/auth/profile", ck); w.Code != http.StatusOK {
		t.Errorf("profile through Pre: %d", w.Code)
	}
}

// UpdateSession after the response was committed cannot set the cookie
// and says so; before, it sets it.
func TestUpdateSessionCommitted(t *testing.T) {
	client, ck := testClient(t)
	e := echo.New()
	e.Use(auth0echo.Middleware(client))
	var late, early error
	e.GET("/late", func(c *echo.Context) error {
		if err := c.String(http.StatusOK, "body first"); err != nil {
			return err
		}
		late = auth0echo.UpdateSession(c, client, auth0echo.Session(c))
		return nil
	})
	e.GET("/early", func(c *echo.Context) error {
		early = auth0echo.UpdateSession(c, client, auth0echo.Session(c))
		return c.String(http.StatusOK, "ok")
	})
	if w := serve(e, "/late", ck); !errors.Is(late, auth0kit.ErrHeadersWritten) || len(w.Result().Cookies()) != 0 {
		t.Errorf("late update: %v, cookies %v", late, w.Result().Cookies())
	}
	if w := serve(e, "/early", ck); early != nil || len(w.Result().Cookies()) == 0 {
		t.Errorf("early update: %v, cookies %v", early, w.Result().Cookies())
	}
	e2 := echo.New()
	var unmounted error
	e2.GET("/", func(c *echo.Context) error {
		unmounted = auth0echo.UpdateSession(c, client, &auth0kit.Session{})
		return c.NoContent(http.StatusOK)
	})
	serve(e2, "/", nil)
	if !errors.Is(unmounted, auth0kit.ErrNoSession) {
		t.Errorf("update without middleware or session: %v", unmounted)
	}
}

// The SDK's routes are served without an Echo route.
func TestRoutesWithoutEchoRoute(t *testing.T) {
	client, _ := testClient(t)
	e := echo.New()
	e.Use(auth0echo.Middleware(client))
	w := serve(e, "/auth/profile", nil)
	if w.Code != http.StatusUnauthorized || w.Header().Get("Cache-Control") == "" {
		t.Errorf("profile: %d %v", w.Code, w.Header())
	}
}
