package wire

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of skipped JSON values, like encoding/json.
const maxDepth = 10000

// plain marks ASCII bytes that can appear unescaped in a JSON string and
// need no escaping when encoding: 0x20..0x7f except '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanner is a strict, single-pass JSON reader over a buffer it may alias.
// Every method reports failure with false and never panics; positions only
// move forward, so no input can make it loop.
type scanner struct {
	data []byte
	pos  int
}

// ws skips insignificant whitespace.
func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// consume skips whitespace and consumes c if it is next.
func (s *scanner) consume(c byte) bool {
	if s.peek() == c {
		s.pos++
		return true
	}
	return false
}

// end reports whether only whitespace remains.
func (s *scanner) end() bool {
	s.ws()
	return s.pos == len(s.data)
}

// lit consumes the literal word (true, false, null).
func (s *scanner) lit(word string) bool {
	if len(s.data)-s.pos >= len(word) && string(s.data[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return true
	}
	return false
}

// null consumes a null literal if it is next.
func (s *scanner) null() bool {
	return s.peek() == 'n' && s.lit("null")
}

// str reads the string at the current position (after whitespace). A string
// without escapes or invalid UTF-8 aliases the buffer; otherwise it is
// unescaped into a new allocation, with encoding/json's treatment of
// invalid UTF-8 and lone surrogates (both become U+FFFD).
func (s *scanner) str() (string, bool) {
	if s.peek() != '"' {
		return "", false
	}
	d := s.data
	start := s.pos + 1
	i := start
	for {
		i = skipPlain(d, i)
		if i >= len(d) {
			return "", false
		}
		c := d[i]
		if c == '"' {
			s.pos = i + 1
			return bytesToString(d[start:i:i]), true
		}
		if c < utf8.RuneSelf {
			break // escape or control character
		}
		r, size := utf8.DecodeRune(d[i:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	return s.strSlow(start, i)
}

// strSlow unescapes a string whose first start..i bytes are plain.
func (s *scanner) strSlow(start, i int) (string, bool) {
	d := s.data
	out := make([]byte, i-start, i-start+64)
	copy(out, d[start:i])
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return bytesToString(out), true
		case c == '\\':
			if i+1 >= len(d) {
				return "", false
			}
			switch e := d[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hex4(d[i+2:])
				if r < 0 {
					return "", false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
						r2 = hex4(d[i+2:])
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						i += 6
						out = utf8.AppendRune(out, dec)
						continue
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
				continue
			default:
				return "", false
			}
			i += 2
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, d[i:i+size]...)
			}
			i += size
		}
	}
	return "", false
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// skipPlain returns the index of the first byte at or after i that is not
// plain (a quote, backslash, control character or non-ASCII byte), or
// len(d). It tests eight bytes at a time: in each term a byte's high bit is
// set when it is < 0x20, == '"', == '\\' or >= 0x80; borrows only
// propagate upwards from a byte that matched, so the lowest flagged byte is
// always a real match.
func skipPlain(d []byte, i int) int {
	for i+8 <= len(d) {
		w := binary.LittleEndian.Uint64(d[i:])
		m := ((w - 0x20*lsb) | ((w ^ '"'*lsb) - lsb) | ((w ^ '\\'*lsb) - lsb) | w) & msb
		if m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(d) && plain[d[i]] {
		i++
	}
	return i
}

// hex4 decodes four hex digits, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// skipStr validates and skips a string without decoding it.
func (s *scanner) skipStr() bool {
	d := s.data
	i := s.pos + 1
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return true
		case c == '\\':
			if i+1 >= len(d) {
				return false
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if hex4(d[i+2:]) < 0 {
					return false
				}
				i += 6
			default:
				return false
			}
		case c < 0x20:
			return false
		default:
			i++
		}
	}
	return false
}

// num validates and skips a JSON number, returning its span and whether it
// is a plain integer (no fraction or exponent).
func (s *scanner) num() (start, end int, isInt, ok bool) {
	d := s.data
	start = s.pos
	i := start
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	default:
		return 0, 0, false, false
	}
	isInt = true
	if i < len(d) && d[i] == '.' {
		isInt = false
		i++
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			return 0, 0, false, false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		isInt = false
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			return 0, 0, false, false
		}
	}
	s.pos = i
	return start, i, isInt, true
}

// intOrNull reads a number (truncated toward zero to an int64) or null.
// Numbers outside the int64 range are rejected.
func (s *scanner) intOrNull() (v int64, isNull, ok bool) {
	switch c := s.peek(); {
	case c == 'n':
		return 0, true, s.lit("null")
	case c != '-' && (c < '0' || c > '9'):
		return 0, false, false
	}
	start, end, isInt, ok := s.num()
	if !ok {
		return 0, false, false
	}
	txt := s.data[start:end]
	if isInt && len(txt) <= 18 {
		neg := txt[0] == '-'
		if neg {
			txt = txt[1:]
		}
		for _, c := range txt {
			v = v*10 + int64(c-'0')
		}
		if neg {
			v = -v
		}
		return v, false, true
	}
	if isInt {
		if v, err := strconv.ParseInt(bytesToString(txt), 10, 64); err == nil {
			return v, false, true
		}
	}
	f, err := strconv.ParseFloat(bytesToString(txt), 64)
	if err != nil || f != f || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return 0, false, false
	}
	return int64(f), false, true
}

// strOrNull reads a string or null (as "").
func (s *scanner) strOrNull() (string, bool) {
	if s.null() {
		return "", true
	}
	return s.str()
}

// skip validates and skips any JSON value.
func (s *scanner) skip(depth int) bool {
	switch c := s.peek(); c {
	case '{':
		if depth >= maxDepth {
			return false
		}
		s.pos++
		if s.consume('}') {
			return true
		}
		for {
			if s.peek() != '"' || !s.skipStr() || !s.consume(':') || !s.skip(depth+1) {
				return false
			}
			if s.consume(',') {
				continue
			}
			return s.consume('}')
		}
	case '[':
		if depth >= maxDepth {
			return false
		}
		s.pos++
		if s.consume(']') {
			return true
		}
		for {
			if !s.skip(depth + 1) {
				return false
			}
			if s.consume(',') {
				continue
			}
			return s.consume(']')
		}
	case '"':
		return s.skipStr()
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	default:
		if c == '-' || ('0' <= c && c <= '9') {
			_, _, _, ok := s.num()
			return ok
		}
		return false
	}
}

// raw validates and skips any value, returning its bytes with the capacity
// clipped so that appending to the result cannot write into the buffer.
func (s *scanner) raw(depth int) ([]byte, bool) {
	s.ws()
	start := s.pos
	if !s.skip(depth) {
		return nil, false
	}
	return s.data[start:s.pos:s.pos], true
}

// objectStart consumes '{' and reports whether the object is empty ("{}").
func (s *scanner) objectStart() (empty, ok bool) {
	if !s.consume('{') {
		return false, false
	}
	return s.consume('}'), true
}

// key reads a member name and the following ':'.
func (s *scanner) key() (string, bool) {
	k, ok := s.str()
	if !ok || !s.consume(':') {
		return "", false
	}
	return k, true
}

// next consumes the separator after a member or element: more is true after
// ',' and false after the closing byte close.
func (s *scanner) next(close byte) (more, ok bool) {
	switch s.peek() {
	case ',':
		s.pos++
		return true, true
	case close:
		s.pos++
		return false, true
	}
	return false, false
}
