package sessionstore

import "github.com/auth0kit/auth0kit/core/internal/wire"

// Marshal encodes a session as nextjs-auth0's SessionData JSON (the
// stateful store record format, shared with that SDK).
func Marshal(s *Session) []byte {
	return wire.EncodeSession(nil, s, 0)
}

// Unmarshal decodes what [Marshal] (or nextjs-auth0) wrote.
func Unmarshal(data []byte) (*Session, error) {
	s, _, err := wire.DecodeSession(data)
	return s, err
}
