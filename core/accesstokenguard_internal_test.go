package auth0kit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

const guardSecret = "fuzz-secret-fuzz-secret-fuzz-secret-0123"

// guardCookie is a logged-in stateless session with a valid access token,
// so that an accepted request answers 200 without any network call.
func guardCookie(t *testing.T) *http.Cookie {
	t.Helper()
	v, err := GenerateSessionCookie(&Session{User: User{Sub: "u1"}, TokenSet: TokenSet{
		AccessToken: "at", ExpiresAt: time.Now().Add(time.Hour).Unix(), Scope: "openid"}}, guardSecret)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: "__session", Value: v}
}

func TestAccessTokenRouteSameOrigin(t *testing.T) {
	c := newTestClient(t)
	cases := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no signal", nil, 403},
		{"cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"same-site", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"garbage", map[string]string{"Sec-Fetch-Site": "same-origin, cross-site"}, 403},
		{"same-origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
		{"user typed", map[string]string{"Sec-Fetch-Site": "none"}, 200},
		{"custom header", map[string]string{AccessTokenRequestHeader: "fetch"}, 200},
		{"custom header beats cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", AccessTokenRequestHeader: "1"}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex := &testExchange{method: "GET", path: "/auth/access-token", header: http.Header{},
				cookies: []*http.Cookie{guardCookie(t)}}
			for k, v := range tc.header {
				ex.header.Set(k, v)
			}
			res, _ := c.handle(context.Background(), ex)
			if res.Status != tc.want {
				t.Fatalf("status %d, want %d: %s", res.Status, tc.want, res.Body)
			}
			if tc.want == 403 {
				var body struct{ Error struct{ Code string } }
				if err := json.Unmarshal(res.Body, &body); err != nil || body.Error.Code != CodeCrossSiteRequest {
					t.Fatalf("body %s, want code %s", res.Body, CodeCrossSiteRequest)
				}
				if len(ex.set) != 0 {
					t.Errorf("a refused request set cookies: %v", ex.set)
				}
			}
		})
	}
}

func TestAccessTokenRouteAllowList(t *testing.T) {
	c := newTestClient(t,
		WithAuthorizationParams(map[string]string{"audience": "https://api.example.com/", "scope": "openid profile offline_access read:a"}),
		WithAudienceScopes(map[string]string{"https://other.example.com/": "openid write:b"}))
	cases := []struct {
		query string
		code  string // "" when accepted
	}{
		{"", ""},
		{"audience=https://api.example.com/", ""},
		{"scope=read:a", ""},
		{"scope=read:a%20openid&mergeScopes=false", ""},
		{"audience=https://other.example.com/&scope=write:b", ""},
		{"audience=https://evil.example.com/", CodeAudienceNotAllowed},
		{"audience=https://api.example.com/x", CodeAudienceNotAllowed},
		{"scope=admin", CodeScopeNotAllowed},
		{"scope=read:a%20admin", CodeScopeNotAllowed},
		{"audience=https://other.example.com/&scope=read:a", CodeScopeNotAllowed},
		{"audience=" + strings.Repeat("a", 3000), CodeAudienceNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			// No session: an accepted query reaches GetAccessToken and is
			// answered 401; a refused one never gets that far.
			ex := &testExchange{method: "GET", path: "/auth/access-token", rawQuery: tc.query,
				header: http.Header{"Sec-Fetch-Site": {"same-origin"}}}
			res, _ := c.handle(context.Background(), ex)
			var body struct {
				Error struct{ Code, Message string }
			}
			_ = json.Unmarshal(res.Body, &body)
			if tc.code == "" {
				if res.Status != 401 || body.Error.Code != CodeMissingSession {
					t.Fatalf("status %d %s, want 401 missing_session", res.Status, res.Body)
				}
				return
			}
			if res.Status != 400 || body.Error.Code != tc.code {
				t.Fatalf("status %d %s, want 400 %s", res.Status, res.Body, tc.code)
			}
			if strings.Contains(string(res.Body), "evil") || strings.Contains(string(res.Body), "admin") {
				t.Errorf("the body echoes the query: %s", res.Body)
			}
		})
	}
}

func TestAccessTokensCapped(t *testing.T) {
	cases := []struct {
		name  string
		opts  []Option
		n     int
		limit int
	}{
		{"default", nil, 50, DefaultMaxAccessTokens},
		{"option", []Option{WithTuning(Tuning{MaxAccessTokens: 3})}, 7, 3},
		{"under the cap", nil, 4, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, tc.opts...)
			s := &Session{User: User{Sub: "u"}}
			for i := range tc.n {
				aud := fmt.Sprintf("https://api%d.example.com/", i)
				s = c.applyRefresh(context.Background(), s, &refreshResult{set: AccessTokenSet{AccessToken: "t" + aud}}, aud, "", "read")
			}
			if len(s.AccessTokens) != tc.limit {
				t.Fatalf("%d stored tokens, want %d", len(s.AccessTokens), tc.limit)
			}
			last := fmt.Sprintf("https://api%d.example.com/", tc.n-1)
			if s.AccessTokens[len(s.AccessTokens)-1].Audience != last {
				t.Errorf("the newest token was not kept")
			}
			// Storing an existing entry again moves it to the end: the
			// oldest is evicted next, not the one just refreshed.
			first := s.AccessTokens[0].Audience
			s = c.applyRefresh(context.Background(), s, &refreshResult{set: AccessTokenSet{AccessToken: "again"}}, first, "", "read")
			if len(s.AccessTokens) != tc.limit || s.AccessTokens[len(s.AccessTokens)-1].Audience != first {
				t.Fatalf("re-stored entry not moved to the end: %+v", s.AccessTokens)
			}
			s = c.applyRefresh(context.Background(), s, &refreshResult{set: AccessTokenSet{AccessToken: "new"}}, "https://new.example.com/", "", "read")
			for _, at := range s.AccessTokens {
				if at.Audience == first && tc.limit == len(s.AccessTokens) && tc.n >= tc.limit && at.AccessToken != "again" {
					t.Errorf("stale copy of the re-stored entry kept")
				}
			}
			if tc.n >= tc.limit && s.AccessTokens[len(s.AccessTokens)-2].Audience != first {
				t.Errorf("the recently re-stored entry was evicted: %+v", s.AccessTokens)
			}
		})
	}
}

func TestConnectionTokenSetsCapped(t *testing.T) {
	// The connection cache uses the same cap helper; the end-to-end check
	// with the development provider is in conformance/api_test.go.
	list := []int{1, 2, 3, 4, 5}
	if got := capOldest(list, 3); fmt.Sprint(got) != "[3 4 5]" {
		t.Fatalf("capOldest = %v", got)
	}
	if got := capOldest(list, 10); len(got) != 5 {
		t.Fatalf("capOldest under the cap = %v", got)
	}
}

func TestAccessTokenRequestErrorStatus(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusForbidden} {
		err := error(&AccessTokenRequestError{Status: status, Code: CodeScopeNotAllowed, Message: "x"})
		if got := HTTPStatus(fmt.Errorf("wrapped: %w", err)); got != status {
			t.Errorf("HTTPStatus = %d, want %d", got, status)
		}
		if !errors.Is(err, ErrAccessTokenRequest) {
			t.Error("not ErrAccessTokenRequest")
		}
	}
}
