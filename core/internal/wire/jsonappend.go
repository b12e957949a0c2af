package wire

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. '"', '\\' and control characters
// are escaped (\b \f \n \r \t or \u00XX); '<', '>', '&' and all other
// characters are written as is. Invalid UTF-8 is replaced by \ufffd, as
// encoding/json does.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendKey appends a member separator (unless first), the quoted key and ':'.
func appendKey(dst []byte, first bool, key string) []byte {
	if !first {
		dst = append(dst, ',')
	}
	return append(appendString(dst, key), ':')
}

// appendStringMember appends "key":"v".
func appendStringMember(dst []byte, first bool, key, v string) []byte {
	return appendString(appendKey(dst, first, key), v)
}

// appendIntMember appends "key":v.
func appendIntMember(dst []byte, first bool, key string, v int64) []byte {
	return strconv.AppendInt(appendKey(dst, first, key), v, 10)
}

// appendRaw appends a raw JSON value verbatim; an empty one is written as
// null so that the output stays valid JSON.
func appendRaw(dst []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return append(dst, "null"...)
	}
	return append(dst, raw...)
}

// appendExtra appends the members of m in sorted key order, skipping the keys
// for which skip reports true. It returns the updated first flag.
func appendExtra(dst []byte, first bool, m map[string]json.RawMessage, skip func(string) bool) ([]byte, bool) {
	if len(m) == 0 {
		return dst, first
	}
	var arr [16]string
	keys := arr[:0]
	for k := range m {
		if !skip(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		dst = appendRaw(appendKey(dst, first, k), m[k])
		first = false
	}
	return dst, first
}
