package auth0kit

import (
	"encoding/json"

	"github.com/auth0kit/auth0kit/core/internal/wire"
)

// Session is a logged-in user's session: the user's claims, the token set
// from the last login or refresh, per-audience access tokens and SDK-owned
// internal data. Its JSON form is nextjs-auth0 v4's SessionData, so cookies
// and store records are shared with that SDK. Custom top-level keys (from a
// BeforeSessionSaved hook or [Client.UpdateSession]) live in Extra.
type Session = wire.Session

// User holds the user's ID token claims kept in the session. The standard
// claims are fields; every other claim is in Extra, readable with
// [User.Claim].
type User = wire.User

// TokenSet is the session's main token set.
type TokenSet = wire.TokenSet

// AccessTokenSet is an access token for another audience or scope.
type AccessTokenSet = wire.AccessTokenSet

// SessionInternal is the SDK-owned part of a session (sid, createdAt,
// sessionExpiresAt). Hooks cannot change it.
type SessionInternal = wire.Internal

type jsonRaw = json.RawMessage
