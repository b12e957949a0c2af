package auth0kit

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
)

// keyFetchCooldown is the least time between two JWKS fetches of one
// issuer, the cooldown of jose's remote key set in the JS SDKs.
const keyFetchCooldown = 30 * time.Second

// maxKeySets bounds the per-issuer key sets a client keeps.
const maxKeySets = 100

// asymmetricAlgs are the JWS algorithms a key set can verify at all; the
// verifier then pins the one the client expects.
var asymmetricAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256,
	jose.PS384, jose.PS512, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA}

// errUnknownKey is returned for a token whose kid is not in the key set
// while a refetch is cooling down.
var errUnknownKey = errors.New("auth0kit: no key in the provider's JWKS matches the token's kid")

// keySet is one issuer's JWKS. It implements go-oidc's oidc.KeySet: it
// verifies with go-jose against the cached keys and fetches the JWKS again
// only for a kid it does not know, at most once per cooldown, so forged
// tokens (unknown kids, bad signatures) never make us call the network more
// than that. A bad signature under a known kid never refetches.
type keySet struct {
	uri      string
	hc       *http.Client
	timeout  time.Duration
	now      func() time.Time
	cooldown time.Duration

	mu        sync.Mutex
	keys      []jose.JSONWebKey
	loaded    bool      // keys came from a successful fetch
	lastFetch time.Time // start of the last fetch attempt
	flight    singleflight.Group
}

// VerifySignature implements oidc.KeySet.
func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(raw, asymmetricAlgs)
	if err != nil {
		return nil, err
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("auth0kit: JWS must carry exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	keys, err := k.keysFor(ctx, kid)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		if payload, err := jws.Verify(&keys[i]); err == nil {
			return payload, nil
		}
	}
	return nil, errors.New("auth0kit: JWS signature does not verify")
}

// keysFor returns the cached keys matching kid (all keys for an empty
// kid), fetching the JWKS first when kid is unknown and the cooldown allows.
func (k *keySet) keysFor(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	k.mu.Lock()
	keys, loaded, last := k.keys, k.loaded, k.lastFetch
	k.mu.Unlock()
	if m := matchKeys(keys, kid); len(m) > 0 {
		return m, nil
	}
	if loaded && kid == "" {
		return nil, errUnknownKey
	}
	if !last.IsZero() && k.now().Sub(last) < k.wait(loaded) {
		return nil, errUnknownKey
	}
	v, err, _ := k.flight.Do("", func() (any, error) { return k.fetch(ctx) })
	if err != nil {
		return nil, err
	}
	if m := matchKeys(v.([]jose.JSONWebKey), kid); len(m) > 0 {
		return m, nil
	}
	return nil, errUnknownKey
}

// fetch downloads the JWKS, under the cooldown.
func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	k.mu.Lock()
	if !k.lastFetch.IsZero() && k.now().Sub(k.lastFetch) < k.wait(k.loaded) {
		keys := k.keys
		k.mu.Unlock()
		return keys, nil // another caller fetched meanwhile
	}
	k.lastFetch = k.now()
	k.mu.Unlock()

	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), k.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(fctx, http.MethodGet, k.uri, nil)
	if err != nil {
		return nil, &Error{Code: CodeDiscoveryError, Message: "bad jwks_uri", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.hc.Do(req)
	if err != nil {
		return nil, &Error{Code: CodeDiscoveryError, Message: "JWKS request failed", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, &Error{Code: CodeDiscoveryError, Message: "JWKS answered " + resp.Status, Err: err}
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, &Error{Code: CodeDiscoveryError, Message: "JWKS is not a JSON key set", Err: err}
	}
	keys := make([]jose.JSONWebKey, 0, len(set.Keys))
	for _, key := range set.Keys {
		if key.IsPublic() && (key.Use == "" || key.Use == "sig") {
			keys = append(keys, key)
		}
	}
	k.mu.Lock()
	k.keys, k.loaded = keys, true
	k.mu.Unlock()
	return keys, nil
}

// failedFetchRetry is the least time between fetches while no fetch has
// succeeded yet, so that a provider outage at startup does not block
// logins for a whole cooldown.
const failedFetchRetry = time.Second

// wait is the least time between two fetches.
func (k *keySet) wait(loaded bool) time.Duration {
	if !loaded {
		return min(k.cooldown, failedFetchRetry)
	}
	return k.cooldown
}

// matchKeys returns the keys with this kid, or all keys for an empty kid.
func matchKeys(keys []jose.JSONWebKey, kid string) []jose.JSONWebKey {
	if kid == "" {
		return keys
	}
	for i := range keys {
		if keys[i].KeyID == kid {
			return keys[i : i+1]
		}
	}
	return nil
}

// keySets holds one [keySet] per issuer in a bounded LRU, so that the
// fetch limiter survives discovery-cache expiry (and, later, serves several
// issuers).
type keySets struct {
	mu    sync.Mutex
	order *list.List // of *keySet, front = most recently used
	byIss map[string]*list.Element
}

type keySetEntry struct {
	issuer string
	ks     *keySet
}

// keySetFor returns the key set of p's issuer, creating it (or replacing
// it when the jwks_uri changed).
func (c *Client) keySetFor(p *provider) *keySet {
	ks := c.jwks
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.byIss == nil {
		ks.order, ks.byIss = list.New(), map[string]*list.Element{}
	}
	if el, ok := ks.byIss[p.meta.Issuer]; ok {
		e := el.Value.(*keySetEntry)
		if e.ks.uri == p.meta.JWKSURI {
			ks.order.MoveToFront(el)
			return e.ks
		}
		ks.order.Remove(el)
		delete(ks.byIss, p.meta.Issuer)
	}
	set := &keySet{uri: p.meta.JWKSURI, hc: c.hc, timeout: c.s.httpTimeout, now: c.s.now, cooldown: keyFetchCooldown}
	ks.byIss[p.meta.Issuer] = ks.order.PushFront(&keySetEntry{issuer: p.meta.Issuer, ks: set})
	for ks.order.Len() > maxKeySets {
		last := ks.order.Back()
		ks.order.Remove(last)
		delete(ks.byIss, last.Value.(*keySetEntry).issuer)
	}
	return set
}
