package wire

// Error is the type of the sentinel errors returned by this package. Compare
// with errors.Is; any error of this package can be detected with errors.As
// into an Error.
type Error string

// Error implements the error interface.
func (e Error) Error() string { return string(e) }

const (
	// ErrMalformed reports a token or payload that is not a well-formed
	// compact JWE with the expected header, or whose plaintext is not the
	// expected JSON (including a missing "exp" where one is required).
	ErrMalformed Error = "wire: malformed token"

	// ErrDecrypt reports a well-formed token that none of the configured
	// secrets can authenticate (wrong secret or tampered token).
	ErrDecrypt Error = "wire: token decryption failed"

	// ErrExpired reports a token whose "exp" claim is at or before
	// now - ClockTolerance.
	ErrExpired Error = "wire: token expired"

	// ErrNoSecret is returned by NewKeys when no secret, or an empty one,
	// is given.
	ErrNoSecret Error = "wire: at least one non-empty secret is required"

	// ErrClaimNotFound is returned by User.Claim when the user has no such
	// claim.
	ErrClaimNotFound Error = "wire: claim not found"
)
