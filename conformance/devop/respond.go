package devop

import (
	"encoding/json"
	"net/http"
)

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError is an OAuth 2.0 error response (RFC 6749 §5.2).
type oauthError struct {
	status      int
	code        string
	description string
	extra       map[string]any // additional members, e.g. mfa_token
	dpopNonce   string         // sent as DPoP-Nonce (use_dpop_nonce)
}

func (e *oauthError) Error() string { return e.code + ": " + e.description }

func errInvalidRequest(desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_request", description: desc}
}

func errInvalidGrant(desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_grant", description: desc}
}

func errInvalidClient(desc string) *oauthError {
	return &oauthError{status: http.StatusUnauthorized, code: "invalid_client", description: desc}
}

func errServer(desc string) *oauthError {
	return &oauthError{status: http.StatusInternalServerError, code: "server_error", description: desc}
}

// writeOAuthError writes e as the JSON body of a token or revocation
// endpoint response.
func writeOAuthError(w http.ResponseWriter, e *oauthError) {
	noStore(w)
	if e.dpopNonce != "" {
		w.Header().Set("DPoP-Nonce", e.dpopNonce)
	}
	body := map[string]any{"error": e.code, "error_description": e.description}
	for k, v := range e.extra {
		body[k] = v
	}
	writeJSON(w, e.status, body)
}

// noStore marks a response as containing tokens or other secrets.
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}
