package devop

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
)

// checkRegisteredURI validates a URI given in a Client registration.
func checkRegisteredURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URI %q: %w", raw, err)
	}
	if !u.IsAbs() || u.Host == "" || u.Fragment != "" || u.RawFragment != "" {
		return fmt.Errorf("URI %q must be absolute and have no fragment", raw)
	}
	return nil
}

// allowedURI reports whether candidate is acceptable given the registered
// URIs: exact string match, or, when nothing is registered, any http URL on
// a loopback host.
func allowedURI(registered []string, candidate string) bool {
	if candidate == "" {
		return false
	}
	if len(registered) > 0 {
		return slices.Contains(registered, candidate)
	}
	return isLoopbackHTTP(candidate)
}

func isLoopbackHTTP(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" || u.RawFragment != "" || u.Opaque != "" {
		return false
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return true
	}
	return false
}

// withParams returns base with params added to its query, keeping any
// query it already has (RFC 6749 §3.1.2).
func withParams(base string, params url.Values) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	if u.Fragment != "" {
		return "", errors.New("URI has a fragment")
	}
	if enc := params.Encode(); enc != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&" + enc
		} else {
			u.RawQuery = enc
		}
	}
	return u.String(), nil
}
