package auth0kit

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// Sentinel errors. Every typed error below also matches one of these with
// [errors.Is], so callers can branch on the kind of failure without knowing
// the concrete type.
var (
	// ErrInvalidConfiguration matches every [*InvalidConfigurationError].
	ErrInvalidConfiguration = errors.New("auth0kit: invalid configuration")
	// ErrMissingState is returned when a callback carries no state parameter.
	ErrMissingState = errors.New("auth0kit: the state parameter is missing")
	// ErrInvalidState is returned when a callback's state matches no live
	// transaction (unknown, expired, already used or tampered with).
	ErrInvalidState = errors.New("auth0kit: the state parameter is invalid")
	// ErrIDTokenInvalid matches every ID token verification failure.
	ErrIDTokenInvalid = errors.New("auth0kit: the ID token is invalid")
	// ErrDiscovery is returned when the OpenID Provider's metadata or keys
	// cannot be fetched.
	ErrDiscovery = errors.New("auth0kit: discovery failed for the OpenID Connect configuration")
	// ErrLoginRequired is returned by a silent login (prompt=none) when the
	// user has no session at the OpenID Provider. It also matches
	// [*AuthorizationError] with code login_required.
	ErrLoginRequired = errors.New("auth0kit: login required")
	// ErrNoSession is returned by operations that need a logged-in user.
	ErrNoSession = errors.New("auth0kit: the user does not have an active session")
	// ErrSessionStore matches failures of a [sessionstore.Store].
	// It is sessionstore.ErrUnavailable, which stores wrap their failures in.
	ErrSessionStore = sessionstore.ErrUnavailable
	// ErrHeadersWritten is returned when a session change is requested after
	// the response headers were sent, so the cookie can no longer be set.
	ErrHeadersWritten = errors.New("auth0kit: response headers already written")
	// ErrNotBound is returned by calls that need the current request
	// (StartLogin, CompleteLogin, Logout, LoginBackchannel, BaseURL) when
	// ctx is not the context of a request that an adapter's middleware
	// served.
	ErrNotBound = errors.New("auth0kit: the context is not bound to a request by an adapter middleware")
)

// InvalidConfigurationError reports a configuration value that cannot work.
// Field names the option (and its environment variable when it has one).
type InvalidConfigurationError struct {
	Field  string
	Reason string
}

func (e *InvalidConfigurationError) Error() string {
	return fmt.Sprintf("auth0kit: invalid configuration: %s: %s", e.Field, e.Reason)
}

// Is reports whether target is [ErrInvalidConfiguration].
func (e *InvalidConfigurationError) Is(target error) bool { return target == ErrInvalidConfiguration }

// Error codes carried by [*Error]. They are the codes of Auth0's JavaScript
// SDKs, so logs and JSON bodies read the same.
const (
	CodeMissingState                       = "missing_state"
	CodeInvalidState                       = "invalid_state"
	CodeAuthorizationError                 = "authorization_error"
	CodeAuthorizationCodeGrantError        = "authorization_code_grant_error"
	CodeAuthorizationCodeGrantRequestError = "authorization_code_grant_request_error"
	CodeDiscoveryError                     = "discovery_error"
	CodeIDTokenInvalid                     = "id_token_invalid"
	CodeSessionExpired                     = "session_expired"
	CodeMissingSession                     = "missing_session"
	CodeSessionStoreError                  = "session_store_error"
	CodeLogoutError                        = "logout_error"
)

// Error is a failure of an authentication flow. Code is one of the Code…
// constants; Err, when set, is the underlying cause and is reachable through
// [errors.Is] and [errors.As].
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "auth0kit: " + e.Message + ": " + e.Err.Error()
	}
	return "auth0kit: " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the sentinel that corresponds to the code.
func (e *Error) Is(target error) bool {
	switch e.Code {
	case CodeMissingState:
		return target == ErrMissingState
	case CodeInvalidState:
		return target == ErrInvalidState
	case CodeDiscoveryError:
		return target == ErrDiscovery
	case CodeIDTokenInvalid:
		return target == ErrIDTokenInvalid
	case CodeMissingSession:
		return target == ErrNoSession
	case CodeSessionStoreError:
		return target == ErrSessionStore
	case CodeBackchannelError, CodeBackchannelNotSupported:
		return target == ErrBackchannel
	case CodeMissingRefreshToken:
		return target == ErrMissingRefreshToken
	case CodeFailedToRefreshToken:
		return target == ErrRefreshFailed
	}
	return false
}

// OAuthError is an error response of the OpenID Provider (RFC 6749 §5.2),
// from the authorization endpoint or the token endpoint.
type OAuthError struct {
	Code        string // the "error" value, e.g. invalid_grant, login_required
	Description string // "error_description"
	URI         string // "error_uri"
	StatusCode  int    // HTTP status of a token endpoint response; 0 for redirects
	body        []byte // the raw error body, for extension members (mfa_token)
}

func (e *OAuthError) Error() string {
	if e.Description != "" {
		return "auth0kit: oauth error " + e.Code + ": " + e.Description
	}
	return "auth0kit: oauth error " + e.Code
}

// Is makes a login_required answer match [ErrLoginRequired].
func (e *OAuthError) Is(target error) bool {
	return target == ErrLoginRequired && e.Code == "login_required"
}

// HTTPStatus maps an error from a route to the status an adapter answers
// with. Every adapter uses it, so all frameworks answer alike.
func HTTPStatus(err error) int {
	var cfg *InvalidConfigurationError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrSessionStore):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrNoSession), errors.Is(err, ErrMissingRefreshToken), errors.Is(err, ErrRefreshFailed):
		return http.StatusUnauthorized
	case errors.Is(err, ErrDiscovery):
		return http.StatusBadGateway
	case errors.As(err, &cfg):
		return http.StatusInternalServerError
	case errors.Is(err, ErrMissingState), errors.Is(err, ErrInvalidState),
		errors.Is(err, ErrIDTokenInvalid), errors.Is(err, ErrBackchannelLogout):
		return http.StatusBadRequest
	}
	var mfa *MfaRequiredError
	if errors.As(err, &mfa) || errors.Is(err, ErrMfaSessionMismatch) {
		return http.StatusForbidden
	}
	var me *MfaError
	if errors.As(err, &me) {
		return mfaStatus(me)
	}
	var atr *AccessTokenRequestError
	if errors.As(err, &atr) {
		return atr.Status
	}
	var e *Error
	if errors.As(err, &e) {
		switch e.Code {
		case CodeUntrustedOrigin, CodeSessionExpired:
			// A Host header that is malformed, too long or not one of the
			// configured base URLs, and an ID token whose provider
			// session already ended, are the request's fault.
			return http.StatusBadRequest
		case CodeFailedToExchangeRefreshToken:
			return http.StatusUnauthorized
		case CodeExchangeFailed, CodeMissingSubjectToken, CodeInvalidSubjectTokenTyp, CodeMissingActorTokenType, CodeInvalidActorTokenType:
			return http.StatusBadRequest
		case CodeAuthorizationError:
			return http.StatusBadRequest
		case CodeAuthorizationCodeGrantError:
			// The provider refused the code (the request's fault), or it
			// failed (5xx: a bad gateway, not a bad request).
			if oe := (*OAuthError)(nil); errors.As(e.Err, &oe) && oe.StatusCode >= 500 {
				return http.StatusBadGateway
			}
			return http.StatusBadRequest
		case CodeAuthorizationCodeGrantRequestError, CodePushedAuthorizationRequestError:
			return http.StatusBadGateway
		case CodeInvalidConnectRequest, CodeFailedToInitiate, CodeFailedToComplete, CodeFailedToList, CodeFailedToDisconnect:
			return connectStatus(e)
		}
	}
	return http.StatusInternalServerError
}

// mfaStatus is nextjs-auth0's getMfaErrorStatusCode: 401 for an expired
// or invalid mfa_token, 400 for a missing token, a bad request or a
// provider refusal, 502 when the provider failed or could not be reached.
func mfaStatus(e *MfaError) int {
	switch e.Code {
	case CodeMfaTokenExpired, CodeMfaTokenInvalid:
		return http.StatusUnauthorized
	case "unexpected_error":
		return http.StatusBadGateway
	}
	if oe := (*OAuthError)(nil); errors.As(e.Err, &oe) && oe.StatusCode >= 500 {
		return http.StatusBadGateway
	}
	return http.StatusBadRequest
}
