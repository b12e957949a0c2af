package devop_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

// meToken is an access token for the My Account API with scope.
func (r *rp) meToken(scope string) string {
	r.t.Helper()
	rt, _ := r.tokens()["refresh_token"].(string)
	status, body := r.refresh(rt, url.Values{"audience": {r.p.Issuer() + "me/"}, "scope": {scope}})
	if status != http.StatusOK {
		r.t.Fatalf("refresh for me/: %d %v", status, body)
	}
	return body["access_token"].(string)
}

// api is r without its cookie jar: a server calling the API.
func (r *rp) api() *rp {
	c := *r
	c.hc = &http.Client{CheckRedirect: r.hc.CheckRedirect}
	return &c
}

func (r *rp) raw(method, path string, body string, hdr ...string) int {
	r.t.Helper()
	r = r.api()
	req, _ := http.NewRequest(method, r.p.Issuer()+path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := r.hc.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestMyAccountStrict: a wrong header, audience or scope fails.
func TestMyAccountStrict(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	read := r.meToken("read:me:connected_accounts")
	const list = "me/v1/connected-accounts/accounts"
	if s := r.raw("GET", list, "", "Authorization", "Bearer "+read); s != http.StatusOK {
		t.Fatalf("good call: %d", s)
	}
	for name, tc := range map[string]struct {
		path string
		hdr  []string
		want int
	}{
		"no token":           {list, nil, 401},
		"lower-case scheme":  {list, []string{"Authorization", "bearer " + read}, 401},
		"DPoP scheme":        {list, []string{"Authorization", "DPoP " + read}, 401},
		"two Authorization":  {list, []string{"Authorization", "Bearer " + read, "Authorization", "Bearer " + read}, 401},
		"with a cookie":      {list, []string{"Authorization", "Bearer " + read, "Cookie", "a=b"}, 400},
		"token in the query": {list + "?access_token=" + read, []string{"Authorization", "Bearer " + read}, 400},
		"missing scope":      {"me/v1/factors", []string{"Authorization", "Bearer " + read}, 403},
		"other audience":     {"my-org/organization/members", []string{"Authorization", "Bearer " + read}, 401},
		"garbage token":      {list, []string{"Authorization", "Bearer x.y.z"}, 401},
	} {
		if s := r.raw("GET", tc.path, "", tc.hdr...); s != tc.want {
			t.Errorf("%s: %d, want %d", name, s, tc.want)
		}
	}
	create := r.meToken("create:me:connected_accounts")
	body := `{"connection":"github","redirect_uri":"` + testRedirect + `","state":"s","code_challenge":"` + strings.Repeat("a", 43) + `","code_challenge_method":"S256"}`
	if s := r.raw("POST", "me/v1/connected-accounts/connect", body, "Authorization", "Bearer "+create, "Content-Type", "text/plain"); s != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain body: %d, want 415", s)
	}
	if s := r.raw("POST", "me/v1/connected-accounts/connect", strings.Replace(body, "S256", "plain", 1), "Authorization", "Bearer "+create, "Content-Type", "application/json"); s != http.StatusBadRequest {
		t.Errorf("plain PKCE: %d, want 400", s)
	}
	if s := r.raw("POST", "me/v1/connected-accounts/connect", strings.Replace(body, "}", `,"extra":1}`, 1), "Authorization", "Bearer "+create, "Content-Type", "application/json"); s != http.StatusBadRequest {
		t.Errorf("unknown member: %d, want 400", s)
	}
	if s := r.raw("OPTIONS", list, "", "Access-Control-Request-Method", "GET", "Authorization", "Bearer "+read); s != http.StatusBadRequest {
		t.Errorf("preflight with credentials: %d, want 400", s)
	}
}

// TestMyAccountConnectFlow: connect → consent → complete with PKCE; a
// wrong verifier or a replay fails; list and delete.
func TestMyAccountConnectFlow(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{AutoLoginEmail: testEmail})
	create := r.meToken("create:me:connected_accounts")
	verifier, challenge := pkce()
	api := r.api()
	status, out := api.jsonReq("POST", "me/v1/connected-accounts/connect", create, map[string]any{"connection": "github",
		"redirect_uri": testRedirect, "state": "st", "code_challenge": challenge, "code_challenge_method": "S256", "scopes": []string{"repo"}})
	if status != http.StatusCreated {
		t.Fatalf("connect: %d %v", status, out)
	}
	m := out.(map[string]any)
	ticket := m["connect_params"].(map[string]any)["ticket"].(string)
	resp, err := r.hc.PostForm(m["connect_uri"].(string), url.Values{"ticket": {ticket}, "decision": {"allow"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("connect_code")
	if code == "" || loc.Query().Get("state") != "st" {
		t.Fatalf("consent redirect %s", loc)
	}
	complete := func(v string) (int, any) {
		return api.jsonReq("POST", "me/v1/connected-accounts/complete", create, map[string]any{"auth_session": m["auth_session"],
			"connect_code": code, "redirect_uri": testRedirect, "code_verifier": v})
	}
	if s, _ := complete(strings.Repeat("x", 43)); s != http.StatusBadRequest {
		t.Errorf("wrong verifier: %d", s)
	}
	if s, a := complete(verifier); s != http.StatusCreated || a.(map[string]any)["connection"] != "github" {
		t.Fatalf("complete: %d %v", s, a)
	}
	if s, _ := complete(verifier); s != http.StatusBadRequest {
		t.Errorf("replayed complete: %d", s)
	}
	if got := r.p.ConnectedAccounts(testEmail); len(got) != 1 {
		t.Fatalf("accounts %v", got)
	}
	_, list := api.jsonReq("GET", "me/v1/connected-accounts/accounts", r.meToken("read:me:connected_accounts"), nil)
	id := list.(map[string]any)["accounts"].([]any)[0].(map[string]any)["id"].(string)
	del := r.meToken("delete:me:connected_accounts")
	if s, _ := api.jsonReq("DELETE", "me/v1/connected-accounts/accounts/"+id, del, nil); s != http.StatusNoContent {
		t.Errorf("delete: %d", s)
	}
	if s, _ := api.jsonReq("DELETE", "me/v1/connected-accounts/accounts/"+id, del, nil); s != http.StatusNotFound {
		t.Errorf("second delete: %d", s)
	}
}
