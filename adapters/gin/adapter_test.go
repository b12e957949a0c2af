package auth0gin_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	auth0gin "github.com/auth0kit/auth0kit/adapters/gin"
	"github.com/auth0kit/auth0kit/conformance"
	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/gin-gonic/gin"
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

// The guards abort the chain: the handler after them never runs.
func TestGuardsAbort(t *testing.T) {
	client, _ := testClient(t)
	r := gin.New()
	r.Use(auth0gin.Middleware(client))
	ran := false
	h := func(c *gin.Context) { ran = true }
	r.GET("/page", auth0gin.RequireAuth(), h)
	r.Group("/api", auth0gin.RequireAuthAPI()).GET("/x", h)
	if w := serve(r, "/page?x=1", nil); w.Code != http.StatusFound || w.Header().Get("Location") != "/auth/login?returnTo=%2Fpage%3Fx%3D1" {
		t.Errorf("page guard: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := serve(r, "/api/x", nil); w.Code != http.StatusUnauthorized || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("API guard: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if ran {
		t.Error("handler ran behind a failing guard")
	}
}

// Routes registered before Use run without the middleware: the guard
// answers 500 rather than letting the request through.
func TestUseAfterRouteIsNotMounted(t *testing.T) {
	client, ck := testClient(t)
	r := gin.New()
	r.GET("/early", auth0gin.RequireAuth(), func(c *gin.Context) { c.String(http.StatusOK, "leak") })
	r.Use(auth0gin.Middleware(client))
	if w := serve(r, "/early", ck); w.Code != http.StatusInternalServerError {
		t.Errorf("guard without middleware: %d, want 500", w.Code)
	}
}

// The accessors work on the *gin.Context, on a c.Copy() and through
// c.Request.Context().
func TestAccessors(t *testing.T) {
	client, ck := testClient(t)
	r := gin.New()
	r.Use(auth0gin.Middleware(client))
	r.GET("/", func(c *gin.Context) {
		cp := c.Copy()
		s, err := auth0kit.SessionFromContext(c.Request.Context())
		if err != nil || s == nil || auth0gin.User(cp) == nil || auth0gin.Session(c) != s {
			c.String(http.StatusInternalServerError, "accessors disagree")
			return
		}
		c.String(http.StatusOK, auth0gin.User(c).Name)
	})
	if w := serve(r, "/", ck); w.Code != http.StatusOK || w.Body.String() != "Jane Doe" {
		t.Errorf("%d %q", w.Code, w.Body.String())
	}
	if w := serve(r, "/", nil); w.Code != http.StatusInternalServerError {
		t.Errorf("anonymous: %d", w.Code)
	}
}

// UpdateSession after the body was written cannot set the cookie and says
// so; before, it sets it.
func TestUpdateSessionHeadersWritten(t *testing.T) {
	client, ck := testClient(t)
	r := gin.New()
	r.Use(auth0gin.Middleware(client))
	var late, early error
	r.GET("/late", func(c *gin.Context) {
		c.String(http.StatusOK, "body first")
		late = auth0gin.UpdateSession(c, client, auth0gin.Session(c))
	})
	r.GET("/early", func(c *gin.Context) {
		early = auth0gin.UpdateSession(c, client, auth0gin.Session(c))
		c.String(http.StatusOK, "ok")
	})
	if w := serve(r, "/late", ck); !errors.Is(late, auth0kit.ErrHeadersWritten) || len(w.Result().Cookies()) != 0 {
		t.Errorf("late update: %v, cookies %v", late, w.Result().Cookies())
	}
	if w := serve(r, "/early", ck); early != nil || len(w.Result().Cookies()) == 0 {
		t.Errorf("early update: %v, cookies %v", early, w.Result().Cookies())
	}
	r2 := gin.New()
	var unmounted error
	r2.GET("/", func(c *gin.Context) {
		unmounted = auth0gin.UpdateSession(c, client, &auth0kit.Session{})
		c.Status(http.StatusOK)
	})
	serve(r2, "/", nil)
	if !errors.Is(unmounted, auth0kit.ErrNoSession) {
		t.Errorf("update without middleware or session: %v", unmounted)
	}
}

// The SDK's routes are served on an engine with no matching Gin route.
func TestRoutesWithoutGinRoute(t *testing.T) {
	client, _ := testClient(t)
	r := gin.New()
	r.Use(auth0gin.Middleware(client))
	w := serve(r, "/auth/profile", nil)
	if w.Code != http.StatusUnauthorized || w.Header().Get("Cache-Control") == "" {
		t.Errorf("profile: %d %v", w.Code, w.Header())
	}
}
