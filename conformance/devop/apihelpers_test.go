package devop_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// jsonReq sends a request with an optional JSON body and Bearer token to
// path below the issuer and decodes the JSON answer (nil when empty).
func (r *rp) jsonReq(method, path, bearer string, body any) (int, any) {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			r.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.p.Issuer()+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v any
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &v); err != nil {
			r.t.Fatalf("%s %s: non-JSON body %q", method, path, b)
		}
	}
	return resp.StatusCode, v
}

// claims decodes a JWT's claims without verifying it.
func claims(t testing.TB, token string) map[string]any {
	t.Helper()
	_, c, _ := decodeJWT(t, token)
	return c
}

// tokensWith runs a login with extra authorization parameters and a code
// exchange, and returns the token response.
func (r *rp) tokensWith(params url.Values) map[string]any {
	r.t.Helper()
	code, verifier := r.code(func(p url.Values) {
		for k, v := range params {
			p[k] = v
		}
	})
	status, body := r.exchange(code, verifier)
	if status != http.StatusOK {
		r.t.Fatalf("code exchange: %d %v", status, body)
	}
	return body
}

// wantOAuthError checks an error answer of the token endpoint or a
// similar JSON endpoint.
func wantOAuthError(t testing.TB, status int, body map[string]any, wantStatus int, wantErr string) {
	t.Helper()
	if status != wantStatus || body["error"] != wantErr {
		t.Fatalf("got %d %v, want %d %s", status, body, wantStatus, wantErr)
	}
	if d, _ := body["error_description"].(string); d == "" {
		t.Errorf("no error_description: %v", body)
	}
}
