// Package devop is a strict, spec-following development OpenID Provider.
//
// It implements the subset of OpenID Connect Core 1.0, OAuth 2.0 (RFC 6749),
// PKCE (RFC 7636), Token Revocation (RFC 7009), Authorization Server Issuer
// Identification (RFC 9207), OpenID Connect Discovery 1.0, RP-Initiated
// Logout 1.0, Back-Channel Logout 1.0, CIBA Core 1.0 (poll mode) and Token
// Exchange (RFC 8693) that a web application logging users in needs, laid
// out like an Auth0 tenant, with Auth0's extensions (multi-resource refresh
// tokens, Token Vault, Custom Token Exchange and the MFA API):
//
//	GET    /.well-known/openid-configuration  discovery document
//	GET    /.well-known/jwks.json             RSA signing keys
//	GET    /authorize (also POST)             authorization endpoint
//	POST   /authorize/login                   target of the login form
//	POST   /oauth/token                       token endpoint
//	POST   /oauth/par                         pushed authorization request endpoint (RFC 9126)
//	GET    /userinfo (also POST)              UserInfo endpoint
//	POST   /oauth/revoke                      revocation endpoint
//	GET    /oidc/logout (also POST)           RP-Initiated Logout endpoint
//	GET    /v2/logout                         Auth0-style logout endpoint
//	POST   /bc-authorize                      CIBA backchannel authentication endpoint
//	GET    /mfa/authenticators                MFA API: list authenticators
//	DELETE /mfa/authenticators/{id}           MFA API: delete an authenticator
//	POST   /mfa/associate                     MFA API: enroll an authenticator
//	POST   /mfa/challenge                     MFA API: challenge an authenticator
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
// [Options.AutoLoginEmail] to skip it entirely. A user's sub is derived from
// the e-mail address; [Provider.Subject] returns it.
//
// # Token endpoint
//
// Clients authenticate with client_secret_basic or client_secret_post, or,
// when registered so ([Client.TokenEndpointAuthMethod]), only with
// private_key_jwt (RFC 7523: the assertion is verified with
// [Client.PublicKey]; iss = sub = client_id, aud the issuer or the endpoint
// called, exp at most 5 minutes ahead, a jti never seen before),
// tls_client_auth (a certificate chaining to [Options.ClientCAs] whose
// subject DN is [Client.Certificate]'s) or self_signed_tls_client_auth (that
// very certificate); the mutual-TLS methods need [StartTLS], whose
// discovery document then publishes them and mtls_endpoint_aliases. Using
// two methods at once, or another method than the registered one, is
// invalid_client. The same rules hold at the PAR, revocation and CIBA
// endpoints; the MFA challenge takes the assertion in its JSON body.
//
// # Pushed authorization requests, RAR and organizations
//
// POST /oauth/par validates a request as /authorize does, authenticates
// the client and answers 201 with a request_uri that is single use, lives
// 60 s and is bound to the client; /authorize then takes only client_id
// and request_uri. [Client.RequirePushedAuthorizationRequests] (one
// client) or [Options.RequirePushedAuthorizationRequests] (every client,
// published in discovery) refuses any other authorization request with
// invalid_request. authorization_details (a JSON array of objects with a
// type) is accepted at /authorize as at /bc-authorize and echoed in the
// token response; organization (an org_… id, or a name giving org_name
// in lower case) adds org_id/org_name to the ID token, and invitation
// needs an organization.
//
// The grant types are authorization_code, refresh_token and the ones below;
// [Client.GrantTypes] can restrict a client to some of them (others answer
// unauthorized_client). Access tokens are RS256 JWTs ("typ": "at+jwt")
// whose lifetime is [Options.AccessTokenTTL], read at each issuance and
// changeable with [Provider.SetAccessTokenTTL]. For tests of error handling
// and concurrency, [Provider.FailNextToken] makes the next request of a
// grant type fail with a chosen status and error, [Provider.DelayToken]
// holds every answer for a while, and [Provider.TokenRequests] counts the
// requests per grant type.
//
// # Refresh tokens per audience
//
// Refresh tokens rotate at each use; presenting a rotated one revokes the
// whole grant. Like Auth0's multi-resource refresh tokens, the
// refresh_token grant accepts an audience: the issuer's "userinfo" URL or
// one of [Options.APIAudiences] (any other answers 403 access_denied
// "Service not found: ..."). Its optional scope must be within the grant's
// scope, plus [Options.APIScopes] when the audience is an API. The access
// token then has that aud and scope.
//
// # Federated connection access tokens (Token Vault)
//
// The grant urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token
// takes connection (one of [Options.Connections]), subject_token (a
// refresh token of the client, or any valid access token issued by devop),
// subject_token_type (urn:ietf:params:oauth:token-type:refresh_token or
// ...:access_token, matching the token), requested_token_type
// (http://auth0.com/oauth/token-type/federated-connection-access-token,
// required) and an optional login_hint. It answers an opaque access_token
// with token_type, expires_in, scope and issued_token_type; the subject
// token is not consumed. audience and resource are rejected.
//
// # Custom token exchange
//
// The RFC 8693 grant urn:ietf:params:oauth:grant-type:token-exchange
// accepts a subject_token_type among [Options.CustomTokenTypes] and a
// subject_token "legacy:<email>" (anything else is invalid_grant), which
// logs that user in without a browser. An optional actor_token with
// actor_token_type urn:ietf:params:oauth:token-type:access_token (a valid
// devop access token) or ...:id_token (an unexpired devop ID token) adds
// the claim act {"sub": <actor's sub>} to the ID and access tokens (an
// invalid actor token is invalid_request, per RFC 8693). scope works as at
// /authorize (openid gives an ID token, offline_access a refresh token),
// audience as for refresh tokens, and organization adds org_id (the value
// itself when it starts with "org_", else a derived ID plus org_name). The
// answer includes issued_token_type
// urn:ietf:params:oauth:token-type:access_token.
//
// # CIBA
//
// POST /bc-authorize (client authentication as at the token endpoint)
// takes scope (with openid), Auth0's login_hint
// {"format":"iss_sub","iss":<issuer>,"sub":<sub>} of a known user,
// binding_message (required, at most 64 characters among A-Z a-z 0-9 and
// " +-_.,:#"), and optional requested_expiry (seconds, at most 3600,
// default 120), authorization_details (RFC 9396, echoed in the token
// answer) and audience. It answers auth_req_id, expires_in and interval
// ([Options.CIBAInterval] rounded up to seconds). The simulated user
// approves [Options.CIBAApprovalDelay] after the request, or denies it if
// its sub is in [Options.CIBADenySubs]. Polling the token endpoint with
// grant_type urn:openid:params:grant-type:ciba and auth_req_id answers
// authorization_pending before that, slow_down when polled again sooner
// than the interval (which then grows by [Options.CIBASlowDownIncrement]),
// expired_token after expiry, access_denied when denied, and the tokens
// (a refresh token with offline_access) once, then invalid_grant.
//
// # MFA step-up
//
// When a code, refresh or custom token exchange grant asks for an audience
// among [Options.MFAAudiences] and the grant has not been MFA-verified,
// the token endpoint answers 403 {"error":"mfa_required", "error_description":
// "Multifactor authentication required", "mfa_token": <valid 10 min>,
// "mfa_requirements": {"challenge": [{"type":"otp"},{"type":"oob"}]}}; a
// refresh token presented then is not rotated. Every user starts enrolled
// with an OTP and an SMS authenticator. The MFA API, authenticated with the
// mfa_token as Bearer token (401 otherwise), lists, deletes and enrolls
// (associates) authenticators; the first association also returns a
// recovery code. POST /mfa/challenge (JSON with client_id, optional
// client_secret, mfa_token, challenge_type and authenticator_id) answers
// {"challenge_type":"otp"} or an oob_code with binding_method "prompt".
// The grants http://auth0.com/oauth/grant-type/mfa-otp (otp),
// .../mfa-oob (oob_code and binding_code) and .../mfa-recovery-code
// (recovery_code, single use; the answer carries the next recovery_code)
// accept [Options.MFACode] as OTP and binding code, and return what the
// original grant would have, with amr ["mfa"] in the ID token. The grant is
// then MFA-verified for later refreshes and the mfa_token is spent. Errors
// follow Auth0: invalid_grant for a wrong code ("Invalid otp_code."),
// invalid_request "Malformed mfa_token" for an unknown one, 403
// expired_token for an expired or spent one.
//
// # Back-channel logout
//
// When an OP session ends at /oidc/logout or /v2/logout, or through
// [Provider.LogoutUser], devop POSTs logout_token=<JWT> synchronously
// (5 s timeout; failures are logged) to the [Client.BackchannelLogoutURI]
// of every client that obtained a code in that session. The token is
// signed with the current key, has header typ "logout+jwt" and claims iss,
// aud (the client ID), iat, exp (iat+120), jti, events
// {"http://schemas.openid.net/event/backchannel-logout":{}}, sub and sid,
// never nonce. [Provider.MintLogoutToken] builds good or deliberately bad
// logout tokens for testing a relying party's endpoint.
package devop
