package devop_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

// bcReceiver is a relying party's back-channel logout endpoint that
// records the logout tokens it receives.
type bcReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	tokens []string
	status int
}

func newBCReceiver(t *testing.T) *bcReceiver {
	rc := &bcReceiver{status: http.StatusOK}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("back-channel request %s %q", r.Method, r.Header.Get("Content-Type"))
		}
		_ = r.ParseForm()
		if len(r.PostForm) != 1 {
			t.Errorf("back-channel form %v", r.PostForm)
		}
		rc.mu.Lock()
		rc.tokens = append(rc.tokens, r.PostForm.Get("logout_token"))
		status := rc.status
		rc.mu.Unlock()
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// take returns and forgets the tokens received so far.
func (rc *bcReceiver) take() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	t := rc.tokens
	rc.tokens = nil
	return t
}

func (rc *bcReceiver) setStatus(s int) {
	rc.mu.Lock()
	rc.status = s
	rc.mu.Unlock()
}

func TestBackchannelLogout(t *testing.T) {
	t.Parallel()
	a, b := newBCReceiver(t), newBCReceiver(t)
	p := devop.Start(t, devop.Options{Clients: []devop.Client{
		{ID: "a", Secret: "sa", BackchannelLogoutURI: a.srv.URL + "/bcl"},
		{ID: "b", Secret: "sb", BackchannelLogoutURI: b.srv.URL + "/bcl?tenant=1"},
		{ID: "c", Secret: "sc"},
	}})
	// login logs a fresh browser in through the form and gets tokens for
	// each client in turn, in one OP session; it returns the ID token
	// claims of the last login.
	login := func(t *testing.T, email string, clients ...string) (*rp, map[string]any) {
		r := newRP(t, p)
		var idc map[string]any
		for i, id := range clients {
			r.client = devop.Client{ID: id, Secret: "s" + id}
			verifier, challenge := pkce()
			params := r.authParams(challenge)
			params.Set("client_id", id)
			var q url.Values
			if i == 0 {
				q = r.callback(r.postLoginResp(loginForm(t, r.authorize(params)), email))
			} else {
				q = r.callback(r.authorize(params))
			}
			status, tok := r.exchange(q.Get("code"), verifier)
			if status != http.StatusOK {
				t.Fatalf("exchange: %d %v", status, tok)
			}
			idc = claims(t, tok["id_token"].(string))
		}
		return r, idc
	}
	tests := []struct {
		name      string
		clients   []string
		logout    func(t *testing.T, r *rp, sub string)
		wantA     int
		wantB     int
		failing   bool // a answers 500
		wantError bool // LogoutUser reports an error
	}{
		{name: "oidc/logout, two clients", clients: []string{"a", "b", "c"}, logout: func(t *testing.T, r *rp, _ string) {
			resp := r.get(p.Issuer() + "oidc/logout")
			resp.Body.Close()
		}, wantA: 1, wantB: 1},
		{name: "v2/logout, one client", clients: []string{"b", "c"}, logout: func(t *testing.T, r *rp, _ string) {
			resp := r.get(p.Issuer() + "v2/logout?client_id=b")
			resp.Body.Close()
		}, wantB: 1},
		{name: "client without URI only", clients: []string{"c"}, logout: func(t *testing.T, r *rp, _ string) {
			resp := r.get(p.Issuer() + "oidc/logout")
			resp.Body.Close()
		}},
		{name: "failing RP does not block the logout", clients: []string{"a"}, failing: true, logout: func(t *testing.T, r *rp, _ string) {
			resp := r.get(p.Issuer() + "oidc/logout")
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("logout page: %d", resp.StatusCode)
			}
		}, wantA: 1},
		{name: "LogoutUser", clients: []string{"a", "b"}, logout: func(t *testing.T, r *rp, sub string) {
			if err := p.LogoutUser(sub); err != nil {
				t.Errorf("LogoutUser: %v", err)
			}
		}, wantA: 1, wantB: 1},
		{name: "LogoutUser reports failures", clients: []string{"a"}, failing: true, logout: func(t *testing.T, r *rp, sub string) {
			if err := p.LogoutUser(sub); err == nil || !strings.Contains(err.Error(), "500") {
				t.Errorf("LogoutUser error = %v, want the 500", err)
			}
		}, wantA: 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			email := "bcl" + string(rune('a'+i)) + "@example.com"
			r, idc := login(t, email, tt.clients...)
			if tt.failing {
				a.setStatus(http.StatusInternalServerError)
				defer a.setStatus(http.StatusOK)
			}
			// Another session of another user stays untouched.
			other, _ := login(t, "bystander"+string(rune('a'+i))+"@example.com", "a", "b")
			tt.logout(t, r, idc["sub"].(string))
			ta, tb := a.take(), b.take()
			if len(ta) != tt.wantA || len(tb) != tt.wantB {
				t.Fatalf("a got %d tokens, b got %d; want %d and %d", len(ta), len(tb), tt.wantA, tt.wantB)
			}
			for client, tokens := range map[string][]string{"a": ta, "b": tb} {
				for _, tok := range tokens {
					h, _, _ := decodeJWT(t, tok)
					if h["typ"] != "logout+jwt" || h["alg"] != "RS256" || h["kid"] == nil {
						t.Errorf("header %v", h)
					}
					c, _, err := r.verify(tok)
					if err != nil {
						t.Fatalf("logout token does not verify: %v", err)
					}
					iat, _ := c["iat"].(float64)
					if c["iss"] != p.Issuer() || c["aud"] != client || c["sub"] != idc["sub"] || c["sid"] != idc["sid"] ||
						c["exp"] != iat+120 || c["jti"] == nil || c["nonce"] != nil ||
						!reflect.DeepEqual(c["events"], map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}) {
						t.Errorf("claims %v", c)
					}
				}
			}
			// The OP session is over; the bystander's is not.
			for _, x := range []struct {
				r     *rp
				alive bool
			}{{r, false}, {other, true}} {
				_, challenge := pkce()
				params := x.r.authParams(challenge)
				params.Set("client_id", x.r.client.ID)
				params.Set("prompt", "none")
				if q := x.r.callback(x.r.authorize(params)); (q.Get("error") == "") != x.alive {
					t.Errorf("session alive = %v, want %v", q.Get("error") == "", x.alive)
				}
			}
		})
	}
	t.Run("LogoutUser without sessions", func(t *testing.T) {
		if err := p.LogoutUser("devop|nobody"); err != nil {
			t.Error(err)
		}
	})
}

func TestMintLogoutToken(t *testing.T) {
	t.Parallel()
	r := startRP(t, devop.Options{})
	kid := r.jwks().Keys[0].KeyID
	pubDER, err := x509.MarshalPKIXPublicKey(r.jwks().Keys[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		spec    devop.LogoutToken
		wantErr bool
		check   func(t *testing.T, token string)
	}{
		{name: "defaults", spec: devop.LogoutToken{Claims: map[string]any{"sub": "devop|x", "sid": "s1"}}, check: func(t *testing.T, token string) {
			c, k, err := r.verify(token)
			h, _, _ := decodeJWT(t, token)
			if err != nil || k != kid || h["typ"] != "logout+jwt" {
				t.Fatalf("verify: %v, kid %s, header %v", err, k, h)
			}
			if c["iss"] != r.p.Issuer() || c["aud"] != devop.DefaultClientID || c["sub"] != "devop|x" || c["sid"] != "s1" ||
				c["exp"] != c["iat"].(float64)+120 || c["jti"] == nil || c["events"] == nil || c["nonce"] != nil {
				t.Errorf("claims %v", c)
			}
		}},
		{name: "changed and deleted claims", spec: devop.LogoutToken{Claims: map[string]any{"sid": "s2", "nonce": "n", "events": nil, "aud": []string{"x", "y"}}},
			check: func(t *testing.T, token string) {
				c, _, err := r.verify(token)
				if err != nil || c["nonce"] != "n" || c["events"] != nil || c["sub"] != nil || len(c["aud"].([]any)) != 2 {
					t.Errorf("claims %v (%v)", c, err)
				}
			}},
		{name: "header changes", spec: devop.LogoutToken{Header: map[string]any{"typ": "JWT", "kid": nil}}, check: func(t *testing.T, token string) {
			h, _, _ := decodeJWT(t, token)
			if h["typ"] != "JWT" || h["kid"] != nil || h["alg"] != "RS256" {
				t.Errorf("header %v", h)
			}
		}},
		{name: "alg none", spec: devop.LogoutToken{Alg: "none"}, check: func(t *testing.T, token string) {
			h, _, sig := decodeJWT(t, token)
			if h["alg"] != "none" || len(sig) != 0 || !strings.HasSuffix(token, ".") {
				t.Errorf("header %v, %d signature bytes", h, len(sig))
			}
		}},
		{name: "HS256 with the public key", spec: devop.LogoutToken{Alg: "HS256", HMACKey: pubDER}, check: func(t *testing.T, token string) {
			h, _, sig := decodeJWT(t, token)
			m := hmac.New(sha256.New, pubDER)
			m.Write([]byte(token[:strings.LastIndex(token, ".")]))
			if h["alg"] != "HS256" || h["kid"] != kid || !hmac.Equal(sig, m.Sum(nil)) {
				t.Errorf("header %v; HMAC mismatch", h)
			}
		}},
		{name: "HS256 without key", spec: devop.LogoutToken{Alg: "HS256"}, wantErr: true},
		{name: "unknown alg", spec: devop.LogoutToken{Alg: "ES256"}, wantErr: true},
		{name: "foreign key", spec: devop.LogoutToken{ForeignKey: true}, check: func(t *testing.T, token string) {
			h, _, _ := decodeJWT(t, token)
			if _, _, err := r.verify(token); err == nil || h["kid"] != kid {
				t.Errorf("foreign-key token verifies (%v) or kid %v", err, h["kid"])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := r.p.MintLogoutToken(tt.spec)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, token)
			}
		})
	}
}
