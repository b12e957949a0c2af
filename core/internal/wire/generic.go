package wire

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// SealJSON encrypts the JSON encoding of v (which must marshal to a JSON
// object) with a top-level "exp" claim set to exp, like jose's
// EncryptJWT(v).setExpirationTime(exp): an "exp" member of v itself is
// replaced. It is meant for small payloads such as the transaction state
// or the stateful session id cookie ({"id": ...}).
func (k *Keys) SealJSON(v any, exp int64) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	bp := bufPool.Get().(*[]byte)
	buf := slices.Grow((*bp)[:0], ivSize+len(raw)+32)[:ivSize]
	buf, ok := appendWithExp(buf, raw, exp)
	if !ok {
		putBuf(bp, buf)
		return "", fmt.Errorf("wire: SealJSON: %T does not marshal to a JSON object", v)
	}
	tok := k.sealInPlace(buf)
	putBuf(bp, buf)
	return tok, nil
}

// appendWithExp appends the object obj with its top-level "exp" member (if
// any) removed and "exp":exp added last.
func appendWithExp(dst, obj []byte, exp int64) ([]byte, bool) {
	sc := scanner{data: obj}
	empty, ok := sc.objectStart()
	if !ok {
		return dst, false
	}
	dst = append(dst, '{')
	n := 0
	for more := !empty; more; {
		sc.ws()
		kstart := sc.pos
		k, ok := sc.key()
		if !ok {
			return dst, false
		}
		kend := sc.pos
		val, ok := sc.raw(1)
		if !ok {
			return dst, false
		}
		if k != "exp" {
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, obj[kstart:kend]...)
			dst = append(dst, val...)
			n++
		}
		if more, ok = sc.next('}'); !ok {
			return dst, false
		}
	}
	if !sc.end() {
		return dst, false
	}
	if n > 0 {
		dst = append(dst, ',')
	}
	dst = append(dst, `"exp":`...)
	dst = strconv.AppendInt(dst, exp, 10)
	return append(dst, '}'), true
}

// OpenJSON decrypts a token written by SealJSON or by nextjs-auth0's
// encrypt(), checks its "exp" claim against now (unix seconds, with
// ClockTolerance) and unmarshals the payload into v with encoding/json (v
// sees the "exp" member too). A missing or non-numeric "exp" is
// ErrMalformed, an expired one ErrExpired; an unmarshalling error is
// wrapped in ErrMalformed.
func (k *Keys) OpenJSON(token string, v any, now int64) error {
	pt, err := k.Open(token)
	if err != nil {
		return err
	}
	exp, ok := topLevelExp(pt)
	if !ok {
		return ErrMalformed
	}
	if expired(exp, now) {
		return ErrExpired
	}
	if err := json.Unmarshal(pt, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

// topLevelExp validates obj as a JSON object and returns its numeric "exp"
// member (the last one, if repeated). ok is false when obj is not an object
// or has no numeric exp.
func topLevelExp(obj []byte) (exp int64, ok bool) {
	sc := scanner{data: obj}
	empty, ok := sc.objectStart()
	if !ok {
		return 0, false
	}
	found := false
	for more := !empty; more; {
		k, ok := sc.key()
		if !ok {
			return 0, false
		}
		if k == "exp" {
			var null bool
			if exp, null, ok = sc.intOrNull(); !ok {
				return 0, false
			}
			found = !null
		} else if !sc.skip(1) {
			return 0, false
		}
		if more, ok = sc.next('}'); !ok {
			return 0, false
		}
	}
	return exp, found && sc.end()
}
