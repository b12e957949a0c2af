package conformance

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// loginEmail is who the scenarios log in as, on every provider.
const loginEmail = "jane.doe@example.com"

var (
	formTag   = regexp.MustCompile(`(?is)<form\b([^>]*)>`)
	inputTag  = regexp.MustCompile(`(?is)<input\b([^>]*)>`)
	buttonTag = regexp.MustCompile(`(?is)<button\b([^>]*)>`)
	attrRe    = regexp.MustCompile(`(?is)([a-z_-]+)\s*=\s*"([^"]*)"`)
)

func attrs(tag string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRe.FindAllStringSubmatch(tag, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// providerForm finds the provider's POST form in p (login, consent or
// logout confirmation) and the values a user would submit: hidden fields,
// the login e-mail, a password, and the first named button.
func providerForm(p *page) (action string, values url.Values, ok bool) {
	f := formTag.FindStringSubmatch(p.body)
	if f == nil {
		return "", nil, false
	}
	fa := attrs(f[1])
	if !strings.EqualFold(fa["method"], "post") {
		return "", nil, false
	}
	base := p.Request.URL
	target, err := base.Parse(fa["action"])
	if err != nil {
		return "", nil, false
	}
	values = url.Values{}
	for _, in := range inputTag.FindAllStringSubmatch(p.body, -1) {
		a := attrs(in[1])
		name := a["name"]
		switch {
		case name == "":
		case name == "login" || name == "email" || a["type"] == "email":
			values.Set(name, loginEmail)
		case a["type"] == "password":
			values.Set(name, "any-password")
		case a["type"] == "hidden":
			values.Set(name, a["value"])
		}
	}
	for _, b := range buttonTag.FindAllStringSubmatch(p.body, -1) {
		if a := attrs(b[1]); a["name"] != "" && a["value"] != "" {
			values.Set(a["name"], a["value"])
			break
		}
	}
	return target.String(), values, true
}

// post submits a form like a browser, following redirects when follow.
func (b *browser) post(target string, values url.Values, follow bool) *page {
	b.t.Helper()
	p := &page{}
	hc := *b.hc
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		p.path = append(p.path, req.URL.String())
		if !follow || len(via) > 20 {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := hc.PostForm(target, values)
	if err != nil {
		b.t.Fatalf("POST %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p.Response, p.body = resp, string(body)
	return p
}

// onProvider reports whether p was served by the provider (not the app).
func (e *env) onProvider(p *page) bool {
	return p.Request != nil && !strings.HasPrefix(p.Request.URL.String(), e.appURL)
}

// browse fetches u following redirects and, like a user, completes every
// provider page with a form (login, consent, logout confirmation) until
// the provider sends the browser elsewhere.
func (e *env) browse(u string) *page {
	e.t.Helper()
	p := e.browser.get(u)
	for range 5 {
		if !e.onProvider(p) || p.StatusCode != http.StatusOK {
			return p
		}
		action, values, ok := providerForm(p)
		if !ok {
			return p
		}
		p = e.browser.post(action, values, true)
	}
	return p
}
