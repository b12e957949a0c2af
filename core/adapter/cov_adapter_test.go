package adapter_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// The compile-time contract: HTTPExchange streams request bodies.
var _ adapter.BodyExchange = (*adapter.HTTPExchange)(nil)

func TestHTTPExchange(t *testing.T) {
	r := httptest.NewRequest("POST", "http://app.example.com/auth/callback?state=s&x=1", strings.NewReader("logout_token=lt&state=form"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Add("Cookie", `a=1; __session="v"`)
	r.Header.Add("Cookie", "b=2")
	r.Header.Set("X-Forwarded-Host", "proxy.example.com")
	r.RemoteAddr = "10.0.0.1:5555"
	w := httptest.NewRecorder()
	ex := adapter.NewHTTPExchange(w, r)
	if ex.R != r || ex.W != w {
		t.Fatal("the exchange does not hold the request and writer")
	}

	if ex.Method() != "POST" || ex.Path() != "/auth/callback" || ex.RawQuery() != "state=s&x=1" || ex.Host() != "app.example.com" ||
		ex.Header("x-forwarded-host") != "proxy.example.com" || ex.Header("Missing") != "" || ex.RemoteAddr() != "10.0.0.1:5555" || ex.TLS() {
		t.Fatalf("request accessors: %s %s %s %s", ex.Method(), ex.Path(), ex.RawQuery(), ex.Host())
	}
	if v, ok := ex.Cookie("__session"); !ok || v != "v" {
		t.Fatalf("Cookie = %q %v", v, ok)
	}
	if _, ok := ex.Cookie("nope"); ok {
		t.Fatal("found a missing cookie")
	}
	var seen []string
	ex.VisitCookies(func(n, v string) { seen = append(seen, n+"="+v) })
	if !reflect.DeepEqual(seen, []string{"a=1", "__session=v", "b=2"}) {
		t.Fatalf("VisitCookies %v", seen)
	}
	// FormValue reads the POST body only, never the query.
	if ex.FormValue("logout_token") != "lt" || ex.FormValue("state") != "form" || ex.FormValue("x") != "" {
		t.Fatalf("FormValue: %q %q %q", ex.FormValue("logout_token"), ex.FormValue("state"), ex.FormValue("x"))
	}

	ex.SetCookie(&http.Cookie{Name: "__session", Value: "a.b", Path: "/", HttpOnly: true})
	ex.SetCookie(&http.Cookie{Name: "__session", Value: "", MaxAge: -1})
	ex.SetHeader("Cache-Control", "no-store")
	ex.SetHeader("Cache-Control", "private")
	h := w.Header()
	if sc := h.Values("Set-Cookie"); len(sc) != 2 || !strings.HasPrefix(sc[0], "__session=a.b") || !strings.Contains(sc[1], "Max-Age=0") {
		t.Fatalf("Set-Cookie %v", sc)
	}
	if h.Values("Cache-Control")[0] != "private" || len(h.Values("Cache-Control")) != 1 {
		t.Fatalf("Cache-Control %v", h.Values("Cache-Control"))
	}

	tlsReq := httptest.NewRequest("PUT", "https://app.example.com/me/v1/x", strings.NewReader("payload"))
	tlsReq.TLS = &tls.ConnectionState{}
	tx := adapter.NewHTTPExchange(httptest.NewRecorder(), tlsReq)
	b, _ := io.ReadAll(tx.RequestBody())
	if !tx.TLS() || string(b) != "payload" {
		t.Fatalf("TLS %v body %q", tx.TLS(), b)
	}
}

// covBinding records the guard calls it answers.
type covBinding struct{ calls []string }

func (b *covBinding) RequirePage(_ context.Context, uri string) *adapter.Response {
	b.calls = append(b.calls, "page "+uri)
	return &adapter.Response{Status: http.StatusFound, Location: "/auth/login?returnTo=" + url.QueryEscape(uri)}
}

func (b *covBinding) RequireAPI(context.Context) *adapter.Response {
	b.calls = append(b.calls, "api")
	return nil
}

func TestGuards(t *testing.T) {
	// A guard on a request no middleware bound is a programming error.
	for _, res := range []*adapter.Response{adapter.RequirePage(context.Background(), "/x"), adapter.RequireAPI(context.Background())} {
		if res == nil || res.Status != http.StatusInternalServerError || !strings.Contains(string(res.Body), "middleware is not mounted") ||
			res.ContentType != "text/plain; charset=utf-8" {
			t.Fatalf("unbound guard: %+v", res)
		}
	}
	if _, ok := adapter.BindingFrom(context.Background()); ok {
		t.Fatal("a binding in an empty context")
	}

	b := &covBinding{}
	ctx := adapter.WithBinding(context.Background(), b)
	if got, ok := adapter.BindingFrom(ctx); !ok || got != b {
		t.Fatalf("BindingFrom = %v %v", got, ok)
	}
	if res := adapter.RequirePage(ctx, "/page?q=1"); res == nil || res.Status != http.StatusFound || res.Location != "/auth/login?returnTo=%2Fpage%3Fq%3D1" {
		t.Fatalf("RequirePage = %+v", res)
	}
	if res := adapter.RequireAPI(ctx); res != nil {
		t.Fatalf("RequireAPI = %+v", res)
	}
	if !reflect.DeepEqual(b.calls, []string{"page /page?q=1", "api"}) {
		t.Fatalf("calls %v", b.calls)
	}
}

func TestResponseWrite(t *testing.T) {
	t.Run("body", func(t *testing.T) {
		w := httptest.NewRecorder()
		res := &adapter.Response{Status: 400, ContentType: "application/json", Body: []byte(`{"error":"x"}`),
			Header: http.Header{"X-Request-Id": {"r1"}}}
		if err := res.Write(w); err != nil {
			t.Fatal(err)
		}
		if w.Code != 400 || w.Header().Get("Content-Type") != "application/json" || w.Header().Get("X-Request-Id") != "r1" ||
			w.Body.String() != `{"error":"x"}` || w.Header().Get("Location") != "" {
			t.Fatalf("%d %v %q", w.Code, w.Header(), w.Body.String())
		}
	})
	t.Run("redirect without body", func(t *testing.T) {
		w := httptest.NewRecorder()
		if err := (&adapter.Response{Status: 307, Location: "https://idp.example/authorize"}).Write(w); err != nil {
			t.Fatal(err)
		}
		if w.Code != 307 || w.Header().Get("Location") != "https://idp.example/authorize" || w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" {
			t.Fatalf("%d %v %q", w.Code, w.Header(), w.Body.String())
		}
	})
	t.Run("stream of unknown length is flushed", func(t *testing.T) {
		w := httptest.NewRecorder()
		src := &covStream{parts: []string{"a", "bc", strings.Repeat("d", 40<<10)}}
		res := &adapter.Response{Status: 200, Stream: src, Header: http.Header{"Content-Type": {"text/event-stream"}}}
		if err := res.Write(w); err != nil {
			t.Fatal(err)
		}
		if w.Body.String() != "abc"+strings.Repeat("d", 40<<10) || !w.Flushed || !src.closed || w.Header().Get("Content-Type") != "text/event-stream" {
			t.Fatalf("len %d flushed %v closed %v", w.Body.Len(), w.Flushed, src.closed)
		}
	})
	t.Run("stream of known length is not flushed", func(t *testing.T) {
		w := httptest.NewRecorder()
		src := &covStream{parts: []string{"hello"}}
		res := &adapter.Response{Status: 200, Stream: src, Header: http.Header{"Content-Length": {"5"}}}
		if err := res.Write(w); err != nil {
			t.Fatal(err)
		}
		if w.Body.String() != "hello" || w.Flushed || !src.closed {
			t.Fatalf("%q flushed %v closed %v", w.Body.String(), w.Flushed, src.closed)
		}
	})
	t.Run("upstream read error", func(t *testing.T) {
		w := httptest.NewRecorder()
		boom := errors.New("upstream reset")
		src := &covStream{parts: []string{"part"}, err: boom}
		if err := (&adapter.Response{Status: 200, Stream: src}).Write(w); !errors.Is(err, boom) || w.Body.String() != "part" || !src.closed {
			t.Fatalf("%v %q closed %v", err, w.Body.String(), src.closed)
		}
	})
	t.Run("client write error", func(t *testing.T) {
		gone := errors.New("client gone")
		src := &covStream{parts: []string{"x", "y"}}
		if err := (&adapter.Response{Status: 200, Stream: src}).Write(&covFailWriter{err: gone}); !errors.Is(err, gone) || !src.closed {
			t.Fatalf("stream: %v closed %v", err, src.closed)
		}
		if err := (&adapter.Response{Status: 200, Body: []byte("x")}).Write(&covFailWriter{err: gone}); !errors.Is(err, gone) {
			t.Fatalf("body: %v", err)
		}
	})
}

// covStream yields parts one Read at a time, then err (io.EOF when nil).
type covStream struct {
	parts  []string
	err    error
	closed bool
}

func (s *covStream) Read(p []byte) (int, error) {
	if len(s.parts) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		return 0, io.EOF
	}
	n := copy(p, s.parts[0])
	if n < len(s.parts[0]) {
		s.parts[0] = s.parts[0][n:]
	} else {
		s.parts = s.parts[1:]
	}
	return n, nil
}

func (s *covStream) Close() error { s.closed = true; return nil }

// covFailWriter is a ResponseWriter whose writes fail.
type covFailWriter struct {
	h   http.Header
	err error
}

func (w *covFailWriter) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}
func (w *covFailWriter) Write([]byte) (int, error) { return 0, w.err }
func (w *covFailWriter) WriteHeader(int)           {}
