package wire

import "slices"

// ClockTolerance is the clock skew, in seconds, allowed when checking "exp",
// matching nextjs-auth0's jwtDecrypt(..., {clockTolerance: 15}).
const ClockTolerance = 15

// expired reports whether exp is past at time now, with jose's rule:
// expired when exp <= now - ClockTolerance.
func expired(exp, now int64) bool {
	return exp <= now-ClockTolerance
}

// OpenSession decrypts a stateless session cookie value (already joined from
// its chunks and percent-decoded) and decodes its payload. now is the
// current unix time in seconds. It returns the session and its "exp" claim,
// or ErrMalformed, ErrDecrypt, or ErrExpired (with the exp, and a nil
// session). A payload without a numeric "exp" is ErrMalformed. The
// session's strings alias the decrypted buffer, which it owns.
func (k *Keys) OpenSession(token string, now int64) (*Session, int64, error) {
	pt, err := k.Open(token)
	if err != nil {
		return nil, 0, err
	}
	s, exp, hasExp, err := decodeSession(pt)
	if err != nil {
		return nil, 0, err
	}
	if !hasExp {
		return nil, 0, ErrMalformed
	}
	if expired(exp, now) {
		return nil, exp, ErrExpired
	}
	return s, exp, nil
}

// SealSession encodes s with the "exp" claim exp (unix seconds) and
// encrypts it with the first secret, producing the value of a stateless
// __session cookie (before chunking). A nil s is ErrMalformed.
func (k *Keys) SealSession(s *Session, exp int64) (string, error) {
	if s == nil {
		return "", ErrMalformed
	}
	bp := bufPool.Get().(*[]byte)
	buf := slices.Grow((*bp)[:0], ivSize)[:ivSize]
	buf = EncodeSession(buf, s, exp)
	tok := k.sealInPlace(buf)
	putBuf(bp, buf)
	return tok, nil
}
