// Package legacy reads the session cookies of the JavaScript SDKs that
// auth0kit users migrate from, and converts them to the nextjs-auth0 v4
// session JSON that package wire decodes:
//
//   - @auth0/auth0-server-js: cookie "__a0_session" or its chunks
//     "__a0_session.0", ".1", …; JWE compact, alg "dir", enc
//     "A256CBC-HS512", a random "kid" per encryption, and a 64-byte key
//     HKDF-SHA256(secret, salt = identifier+kid, info = "derived cookie
//     encryption secret"); the payload is the StateData plus "exp".
//   - @auth0/nextjs-auth0 v3: cookie "appSession" or its chunks
//     "appSession.0", …; JWE compact, alg "dir", enc "A256GCM", key
//     HKDF-SHA256(secret, salt = "", info = "JWE CEK", 32 bytes), with
//     "iat", "uat" and "exp" in the protected header.
//
// The conversion mirrors what the newer SDKs do: nextjs-auth0 v4's
// convertFromLegacy for v3, and the obvious field mapping for server-js.
// Every secret of the rotation list is tried. JWE decryption is go-jose's.
package legacy

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Formats, as named in AUTH0_MIGRATE_SESSIONS.
const (
	ServerJS = "auth0-server-js"
	NextjsV3 = "nextjs-v3"
)

// Cookie base names.
const (
	ServerJSCookie = "__a0_session"
	NextjsV3Cookie = "appSession"
)

// clockTolerance is the JS SDKs' tolerance on "exp", in seconds.
const clockTolerance = 15

// MaxChunks caps how many chunk cookies are joined.
const MaxChunks = 64

// Errors. All mean "no session" to the caller.
var (
	ErrMalformed = errors.New("legacy: malformed session cookie")
	ErrDecrypt   = errors.New("legacy: session cookie does not decrypt with any secret")
	ErrExpired   = errors.New("legacy: session cookie expired")
)

const serverJSInfo = "derived cookie encryption secret"

// BaseName returns the cookie base name of a format.
func BaseName(format string) string {
	if format == NextjsV3 {
		return NextjsV3Cookie
	}
	return ServerJSCookie
}

// ChunkIndex reports whether name is base itself (-1, true) or one of its
// chunks base.<n> (n, true). Both SDKs use a "." separator.
func ChunkIndex(base, name string) (int, bool) {
	if name == base {
		return -1, true
	}
	rest, ok := strings.CutPrefix(name, base+".")
	if !ok || rest == "" || len(rest) > 2 {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n >= MaxChunks || (len(rest) > 1 && rest[0] == '0') {
		return 0, false
	}
	return n, true
}

// Join returns the cookie value: the unchunked cookie if present, else the
// chunks 0..n-1, which must be contiguous.
func Join(base string, hasBase bool, baseVal string, chunks []string, present []bool) (string, bool) {
	if hasBase && baseVal != "" {
		return baseVal, true
	}
	if len(chunks) == 0 {
		return "", false
	}
	var b strings.Builder
	for i, v := range chunks {
		if !present[i] {
			return "", false
		}
		b.WriteString(v)
	}
	return b.String(), b.Len() > 0
}

// Open decrypts a joined cookie value of the given format with each secret
// in turn and returns the session as nextjs-auth0 v4 JSON (without "exp")
// and the cookie's expiry (unix seconds, 0 when it has none).
func Open(format, value string, secrets []string, now int64) (payload []byte, exp int64, err error) {
	switch format {
	case ServerJS:
		return openServerJS(value, secrets, now)
	case NextjsV3:
		return openNextjsV3(value, secrets, now)
	}
	return nil, 0, ErrMalformed
}

func openServerJS(value string, secrets []string, now int64) ([]byte, int64, error) {
	obj, err := jose.ParseEncryptedCompact(value, []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256CBC_HS512})
	if err != nil {
		return nil, 0, ErrMalformed
	}
	kid := obj.Header.KeyID
	if kid == "" {
		return nil, 0, ErrMalformed
	}
	plain, err := decryptAny(obj, secrets, func(s string) ([]byte, error) {
		return hkdf.Key(sha256.New, []byte(s), []byte(ServerJSCookie+kid), serverJSInfo, 64)
	})
	if err != nil {
		return nil, 0, err
	}
	var st serverJSState
	if json.Unmarshal(plain, &st) != nil || st.User == nil {
		return nil, 0, ErrMalformed
	}
	exp, err := checkExp(st.Exp, now)
	if err != nil {
		return nil, 0, err
	}
	out, err := st.v4()
	return out, exp, err
}

// serverJSState is auth0-server-js's StateData.
type serverJSState struct {
	User         map[string]json.RawMessage `json:"user"`
	IDToken      string                     `json:"idToken"`
	RefreshToken string                     `json:"refreshToken"`
	TokenSets    []struct {
		Audience    string `json:"audience"`
		AccessToken string `json:"accessToken"`
		Scope       string `json:"scope"`
		ExpiresAt   int64  `json:"expiresAt"`
	} `json:"tokenSets"`
	ConnectionTokenSets json.RawMessage `json:"connectionTokenSets"`
	SessionExpiresAt    int64           `json:"sessionExpiresAt"`
	Internal            struct {
		SID       string `json:"sid"`
		CreatedAt int64  `json:"createdAt"`
	} `json:"internal"`
	Exp *float64 `json:"exp"`
}

// v4TokenSet is nextjs-auth0 v4's tokenSet / accessTokens entry.
type v4TokenSet struct {
	AccessToken  string `json:"accessToken,omitempty"`
	IDToken      string `json:"idToken,omitempty"`
	RefreshToken string `json:"refreshToken,omitempty"`
	Scope        string `json:"scope,omitempty"`
	Audience     string `json:"audience,omitempty"`
	ExpiresAt    int64  `json:"expiresAt"`
}

type v4Session struct {
	User                any             `json:"user"`
	TokenSet            v4TokenSet      `json:"tokenSet"`
	AccessTokens        []v4TokenSet    `json:"accessTokens,omitempty"`
	Internal            v4Internal      `json:"internal"`
	ConnectionTokenSets json.RawMessage `json:"connectionTokenSets,omitempty"`
}

type v4Internal struct {
	SID              string `json:"sid"`
	CreatedAt        int64  `json:"createdAt"`
	SessionExpiresAt int64  `json:"sessionExpiresAt,omitempty"`
}

// v4 maps StateData to SessionData: the first token set is the primary one
// (server-js stores the default audience as "default"), the others are the
// per-audience cache.
func (st *serverJSState) v4() ([]byte, error) {
	s := v4Session{
		User:     st.User,
		TokenSet: v4TokenSet{IDToken: st.IDToken, RefreshToken: st.RefreshToken},
		Internal: v4Internal{SID: st.Internal.SID, CreatedAt: st.Internal.CreatedAt, SessionExpiresAt: st.SessionExpiresAt},
	}
	if len(st.ConnectionTokenSets) > 0 && string(st.ConnectionTokenSets) != "null" {
		s.ConnectionTokenSets = st.ConnectionTokenSets
	}
	for i, ts := range st.TokenSets {
		aud := ts.Audience
		if aud == "default" {
			aud = ""
		}
		if i == 0 {
			s.TokenSet.AccessToken, s.TokenSet.Scope, s.TokenSet.Audience, s.TokenSet.ExpiresAt = ts.AccessToken, ts.Scope, aud, ts.ExpiresAt
			continue
		}
		if aud == "" || ts.AccessToken == "" {
			continue
		}
		s.AccessTokens = append(s.AccessTokens, v4TokenSet{AccessToken: ts.AccessToken, Scope: ts.Scope, Audience: aud, ExpiresAt: ts.ExpiresAt})
	}
	return json.Marshal(s)
}

func openNextjsV3(value string, secrets []string, now int64) ([]byte, int64, error) {
	obj, err := jose.ParseEncryptedCompact(value, []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, 0, ErrMalformed
	}
	iat, okIat := numberHeader(obj.Header.ExtraHeaders, "iat")
	hexp, okExp := numberHeader(obj.Header.ExtraHeaders, "exp")
	if !okIat {
		// Not a v3 cookie (v4's own format has no "iat" header).
		return nil, 0, ErrMalformed
	}
	plain, err := decryptAny(obj, secrets, func(s string) ([]byte, error) {
		return hkdf.Key(sha256.New, []byte(s), nil, "JWE CEK", 32)
	})
	if err != nil {
		return nil, 0, err
	}
	var exp int64
	if okExp {
		if exp, err = checkExp(&hexp, now); err != nil {
			return nil, 0, err
		}
	}
	var v3 struct {
		User                 map[string]json.RawMessage `json:"user"`
		IDToken              string                     `json:"idToken"`
		AccessToken          string                     `json:"accessToken"`
		AccessTokenScope     string                     `json:"accessTokenScope"`
		AccessTokenExpiresAt int64                      `json:"accessTokenExpiresAt"`
		RefreshToken         string                     `json:"refreshToken"`
	}
	if json.Unmarshal(plain, &v3) != nil || v3.User == nil {
		return nil, 0, ErrMalformed
	}
	// nextjs-auth0 v4's convertFromLegacy: sid from the user's claims,
	// createdAt from the header's iat.
	var sid string
	if raw, ok := v3.User["sid"]; ok {
		_ = json.Unmarshal(raw, &sid)
	}
	out, err := json.Marshal(v4Session{
		User: v3.User,
		TokenSet: v4TokenSet{AccessToken: v3.AccessToken, IDToken: v3.IDToken, RefreshToken: v3.RefreshToken,
			Scope: v3.AccessTokenScope, ExpiresAt: v3.AccessTokenExpiresAt},
		Internal: v4Internal{SID: sid, CreatedAt: int64(iat)},
	})
	return out, exp, err
}

// decryptAny decrypts obj with the key derive makes from each secret in
// turn (secret rotation: the JS SDKs try every secret), or ErrDecrypt.
func decryptAny(obj *jose.JSONWebEncryption, secrets []string, derive func(secret string) ([]byte, error)) ([]byte, error) {
	for _, s := range secrets {
		key, err := derive(s)
		if err != nil {
			continue
		}
		if plain, err := obj.Decrypt(key); err == nil {
			return plain, nil
		}
	}
	return nil, ErrDecrypt
}

func numberHeader(h map[jose.HeaderKey]any, k jose.HeaderKey) (float64, bool) {
	v, ok := h[k].(float64)
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1<<40 {
		return 0, false
	}
	return v, true
}

func checkExp(exp *float64, now int64) (int64, error) {
	if exp == nil {
		return 0, nil // the JS SDKs accept a token without exp
	}
	e := *exp
	if math.IsNaN(e) || math.IsInf(e, 0) || e < 0 || e > 1<<40 {
		return 0, ErrMalformed
	}
	if float64(now) >= e+clockTolerance {
		return 0, ErrExpired
	}
	return int64(e), nil
}
