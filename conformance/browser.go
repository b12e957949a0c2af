package conformance

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// browser is a cookie-keeping HTTP client that either follows redirects
// like a browser or stops at the first answer.
type browser struct {
	t   *testing.T
	jar *cookiejar.Jar
	hc  *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, jar: jar, hc: &http.Client{Jar: jar}}
}

// page is a fetched answer: the final response after redirects (when
// followed), its body, and every URL visited.
type page struct {
	*http.Response
	body string
	path []string // URLs requested, in order
}

// get fetches url following redirects.
func (b *browser) get(u string, hdr ...string) *page { return b.do(u, true, hdr...) }

// hit fetches url without following redirects.
func (b *browser) hit(u string, hdr ...string) *page { return b.do(u, false, hdr...) }

// fetch is a script's same-origin fetch() of url: like hit, with the
// Sec-Fetch-Site: same-origin header every current browser sends (hdr may
// override it).
func (b *browser) fetch(u string, hdr ...string) *page {
	return b.do(u, false, append([]string{"Sec-Fetch-Site", "same-origin"}, hdr...)...)
}

func (b *browser) do(u string, follow bool, hdr ...string) *page {
	b.t.Helper()
	p := &page{}
	hc := *b.hc
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		p.path = append(p.path, req.URL.String())
		if !follow {
			return http.ErrUseLastResponse
		}
		if len(via) > 20 {
			return http.ErrUseLastResponse
		}
		return nil
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Host") {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	p.path = append(p.path, u)
	resp, err := hc.Do(req)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p.Response, p.body = resp, string(body)
	return p
}

// cookie returns the jar's value of a cookie for u ("" when absent).
func (b *browser) cookie(u, name string) string {
	pu, _ := url.Parse(u)
	for _, c := range b.jar.Cookies(pu) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// cookieNames lists the jar's cookie names for u.
func (b *browser) cookieNames(u string) []string {
	pu, _ := url.Parse(u)
	var names []string
	for _, c := range b.jar.Cookies(pu) {
		names = append(names, c.Name)
	}
	return names
}

// setCookie puts a cookie into the jar for u.
func (b *browser) setCookie(u, name, value string) {
	pu, _ := url.Parse(u)
	b.jar.SetCookies(pu, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// setCookies returns the response's Set-Cookie values.
func (p *page) setCookies() []*http.Cookie { return p.Cookies() }

// location returns the Location header parsed.
func (p *page) location(t *testing.T) *url.URL {
	t.Helper()
	u, err := url.Parse(p.Header.Get("Location"))
	if err != nil || p.Header.Get("Location") == "" {
		t.Fatalf("no usable Location (status %d): %q", p.StatusCode, p.Header.Get("Location"))
	}
	return u
}
