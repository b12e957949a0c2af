// Package devop is a strict, spec-following development OpenID Provider.
//
// It implements the subset of OpenID Connect Core 1.0, OAuth 2.0 (RFC 6749),
// PKCE (RFC 7636), Token Revocation (RFC 7009), Authorization Server Issuer
// Identification (RFC 9207), OpenID Connect Discovery 1.0 and RP-Initiated
// Logout 1.0 that a web application logging users in with the authorization
// code flow needs, laid out like an Auth0 tenant:
//
//	GET  /.well-known/openid-configuration  discovery document
//	GET  /.well-known/jwks.json             RSA signing keys
//	GET  /authorize (also POST)             authorization endpoint
//	POST /authorize/login                   target of the login form
//	POST /oauth/token                       token endpoint
//	GET  /userinfo (also POST)              UserInfo endpoint
//	POST /oauth/revoke                      revocation endpoint
//	GET  /oidc/logout (also POST)           RP-Initiated Logout endpoint
//	GET  /v2/logout                         Auth0-style logout endpoint
//
// All paths are relative to the issuer, which always ends with "/" as
// Auth0 issuers do. Every piece of state lives in memory.
//
// The provider is meant for tests (see [Start]) and local demos (see the
// devop command). It is deliberately strict: requests that a lenient provider
// would tolerate (missing PKCE, a redirect_uri that does not match, a
// repeated parameter, a replayed code or refresh token, ...) are rejected the
// way the specifications require, so that a relying party passing against
// devop is not relying on leniency. Hooks such as
// [Provider.TamperNextIDToken] and [Provider.RotateKeys] let tests check that
// a relying party rejects bad tokens and survives key rotation.
//
// The login form accepts any e-mail address without a password. Its fields
// are "req_id" (hidden, the pending authorization request) and "email"; set
// [Options.AutoLoginEmail] to skip it entirely.
package devop
