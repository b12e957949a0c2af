// Package wire reads and writes the cookies of @auth0/nextjs-auth0 v4 byte
// compatibly: the encrypted session cookie (stateless payload or stateful
// id), the transaction cookie payloads, and the cookie chunking scheme.
//
// # Encryption
//
// Every value is a compact JWE with the protected header
// {"enc":"A256GCM","alg":"dir"}, an empty encrypted-key part, a 12-byte
// random IV and a 16-byte tag. The content-encryption key is
// HKDF-SHA256(AUTH0_SECRET, salt "", info "JWE CEK", 32 bytes), derived once
// per secret by [NewKeys]. The plaintext is a JSON object with a JWT "exp"
// claim, checked with a 15 second clock tolerance ([ClockTolerance]) exactly
// like jose's jwtDecrypt: a token is expired when exp <= now-15.
//
// # Sessions
//
// [Session] mirrors the SDK's SessionData. [EncodeSession] and
// [DecodeSession] are hand-written for that shape: they accept anything
// JSON.stringify or encoding/json can produce and keep unknown top-level keys
// and user claims verbatim (Session.Extra, User.Extra), so a cookie written
// by the SDK survives a decode/encode cycle as the same JSON value, apart
// from these normalisations of the typed objects:
//   - unknown members inside "tokenSet", "accessTokens" entries and
//     "internal" (for example internal.mcd, MCD resolver mode) are
//     validated and dropped;
//   - typed numbers are truncated to integers, and typed members that are
//     null become zero values;
//   - empty optional typed strings, a zero internal.sessionExpiresAt and an
//     empty "accessTokens" array are omitted, while the required members
//     (user.sub, tokenSet.expiresAt, internal.sid/createdAt, accessTokens
//     entries' accessToken/audience/expiresAt) are always written.
//
// # Memory ownership
//
// Strings in a decoded [Session] that contain no JSON escapes alias the
// buffer they were decoded from (via unsafe.String): OpenSession's decrypted
// plaintext, or DecodeSession's private copy of its input. Extra values
// alias it too, with their capacity clipped so that appending to one never
// writes into the buffer. That buffer is owned by the Session and never
// written again, so the aliasing is invisible to callers as long as they do
// not write into the bytes of a json.RawMessage taken from Extra.
//
// All functions are safe for concurrent use; a [Keys] is immutable.
package wire
