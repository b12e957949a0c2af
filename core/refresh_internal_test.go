package auth0kit

import (
	"testing"
	"time"
)

func TestRefreshMemoPerSession(t *testing.T) {
	now := time.Now()
	const ttl = 30 * time.Second
	res := &refreshResult{refreshToken: "rt1", set: AccessTokenSet{AccessToken: "at1"}}
	key := refreshRequest{audience: "a"}.key("rt0")
	cases := []struct {
		name       string
		forget     string
		rememberAt string // session remembering again after the forget
		ask        string
		wantMemo   bool
	}{
		{"same session", "", "", "sid:s1", true},
		{"another session with the same refresh token", "", "", "sid:s2", false},
		{"after logout", "sid:s1", "", "sid:s1", false},
		{"in-flight refresh after logout", "sid:s1", "sid:s1", "sid:s1", false},
		{"other session's logout", "sid:s2", "", "sid:s1", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r refresher
			r.remember("sid:s1", key, "rt0", res, now, ttl)
			if tc.forget != "" {
				r.forget(tc.forget, now, ttl)
			}
			if tc.rememberAt != "" {
				r.remember(tc.rememberAt, key, "rt0", res, now, ttl)
			}
			got := r.recent(tc.ask, key, now) != nil
			rotated := r.current(tc.ask, "rt0", now) == "rt1"
			if got != tc.wantMemo || rotated != tc.wantMemo {
				t.Fatalf("memo hit %v, rotation followed %v; want %v", got, rotated, tc.wantMemo)
			}
		})
	}
	// A forgotten session may be remembered again once the logout window
	// has passed (a new login with the same store id is impossible, but a
	// map entry must not live forever).
	var r refresher
	r.forget("sid:s1", now, ttl)
	r.remember("sid:s1", key, "rt0", res, now.Add(ttl+time.Second), ttl)
	if r.recent("sid:s1", key, now.Add(ttl+time.Second)) == nil {
		t.Fatal("the logout window never ends")
	}
}

func TestMemoSession(t *testing.T) {
	cases := []struct {
		id   string
		s    *Session
		want string
	}{
		{"store-id", &Session{Internal: SessionInternal{SID: "x"}}, "id:store-id"},
		{"", &Session{Internal: SessionInternal{SID: "x"}}, "sid:x"},
		{"", &Session{User: User{Sub: "u"}, Internal: SessionInternal{CreatedAt: 7}}, "sub:u\x007"},
		{"", nil, ""},
	}
	for _, tc := range cases {
		if got := memoSession(tc.id, tc.s); got != tc.want {
			t.Errorf("memoSession(%q, %+v) = %q, want %q", tc.id, tc.s, got, tc.want)
		}
	}
}
