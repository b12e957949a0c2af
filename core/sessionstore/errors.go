package sessionstore

import "errors"

// ErrUnavailable matches every failure of a store (auth0kit.ErrSessionStore
// is the same value): adapters answer 503 and leave the session cookie as
// it was.
var ErrUnavailable = errors.New("auth0kit: session store failure")

// Unavailable wraps a store's own failure (a network error, a driver
// error) so that it matches [ErrUnavailable] and still unwraps to err.
// Store implementations return their failures through it.
func Unavailable(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	return &unavailableError{err: err}
}

type unavailableError struct{ err error }

func (e *unavailableError) Error() string   { return "session store failure: " + e.err.Error() }
func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }
