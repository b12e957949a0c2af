package adapter_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/auth0kit/auth0kit/core/adapter"
)

func TestCookieHeader(t *testing.T) {
	h := adapter.CookieHeader{`a=1; __session=x.y.z;  b="quoted" ; =skip`, "c=3"}
	var got []string
	h.Visit(func(n, v string) { got = append(got, n+"="+v) })
	want := []string{"a=1", "__session=x.y.z", "b=quoted", "c=3"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Visit = %v, want %v", got, want)
	}
	if v, ok := h.Get("__session"); !ok || v != "x.y.z" {
		t.Fatalf("Get = %q %v", v, ok)
	}
	if _, ok := h.Get("missing"); ok {
		t.Fatal("found a missing cookie")
	}
}

// FuzzCookieHeader checks the raw parser against net/http's on every
// cookie net/http accepts.
func FuzzCookieHeader(f *testing.F) {
	f.Add("a=1; b=2")
	f.Add(`__session="x"; ;;=;a`)
	f.Fuzz(func(t *testing.T, line string) {
		r := &http.Request{Header: http.Header{"Cookie": {line}}}
		h := adapter.CookieHeader{line}
		for _, c := range r.Cookies() {
			v, ok := h.Get(c.Name)
			if !ok {
				t.Fatalf("cookie %q missing", c.Name)
			}
			_ = v
		}
	})
}
