// Package auth0kit is the framework-agnostic engine of auth0kit: it logs
// users into server-rendered web apps and BFFs with Auth0 or any OpenID
// Connect provider, keeps their session, and logs them out.
//
// It ports the server side of Auth0's @auth0/nextjs-auth0 v4 and
// @auth0/auth0-server-js and keeps their wire formats (routes, cookies,
// JSON), so Go and JavaScript services can share sessions and migrate
// either way. Where those SDKs are weak it does better: ID token
// signatures are verified against the provider's JWKS, state and nonce
// are always used, returnTo is never an open redirect (on login and
// logout), a garbled or expired cookie is "no session" and never a 500,
// and a rolling session is not re-encrypted on every request.
//
// Applications use it through an adapter, which mounts the routes and
// binds the session to each request: auth0http (net/http), auth0gin,
// auth0echo and auth0fiber. Configuration comes from the environment
// (AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET,
// APP_BASE_URL, AUTH0_COOKIE_*) and from [Option]s, which win:
//
//	client, err := auth0kit.New(auth0kit.WithAuthorizationParams(map[string]string{
//		"audience": "https://api.example.com/",
//	}))
//
// Sessions are stateless by default: an encrypted cookie (JWE dir +
// A256GCM, key derived from AUTH0_SECRET with HKDF-SHA256, nextjs-auth0's
// info "JWE CEK"; transaction cookies and mfa_tokens use keys of their own,
// so none passes for another; AUTH0_SECRET must be unique per
// application), chunked into
// __session__0, __session__1, … past 3500 bytes. With [WithSessionStore]
// they live server-side and the cookie holds only an opaque id.
package auth0kit
