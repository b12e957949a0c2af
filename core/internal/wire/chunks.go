package wire

import (
	"strconv"
	"strings"
)

// MaxChunkSize is nextjs-auth0's MAX_CHUNK_SIZE: a cookie value longer than
// this many bytes is split into chunk cookies.
const MaxChunkSize = 3500

// MaxChunks bounds how many chunk cookies JoinChunks reads (100 chunks of
// 3500 bytes is far beyond any browser's cookie header limit).
const MaxChunks = 100

// ChunkName returns the name of chunk i of the cookie base: "__session__0".
func ChunkName(base string, i int) string {
	return base + "__" + strconv.Itoa(i)
}

// SplitChunks splits value into pieces of at most max bytes (MaxChunkSize
// when max <= 0). A value that fits, including "", is returned as a single
// element, to be written under the base name; otherwise element i is
// written as ChunkName(base, i). Values are cut at byte boundaries, which
// is safe for cookie values (ASCII).
func SplitChunks(value string, max int) []string {
	if max <= 0 {
		max = MaxChunkSize
	}
	if len(value) <= max {
		return []string{value}
	}
	out := make([]string, 0, (len(value)+max-1)/max)
	for len(value) > max {
		out = append(out, value[:max])
		value = value[max:]
	}
	return append(out, value)
}

// JoinChunks reassembles a cookie value the way nextjs-auth0 reads it. The
// base cookie wins if present and non-empty (count 0). Otherwise chunks
// base__0, base__1, ... are concatenated, stopping at the first missing
// index; count is the number of chunks joined. ok is false when neither the
// base cookie nor chunk 0 exists, when the joined value is empty, or when
// more than 100 chunks are present.
func JoinChunks(base string, lookup func(name string) (string, bool)) (value string, count int, ok bool) {
	if v, found := lookup(base); found && v != "" {
		return v, 0, true
	}
	var b strings.Builder
	for count = 0; ; count++ {
		v, found := lookup(ChunkName(base, count))
		if !found {
			break
		}
		if count == MaxChunks {
			return "", 0, false
		}
		b.WriteString(v)
	}
	if count == 0 || b.Len() == 0 {
		return "", 0, false
	}
	return b.String(), count, true
}

// ParseChunkIndex reports whether name is exactly base + "__" + one or more
// ASCII digits (the regular expression ^base__\d+$ nextjs-auth0 uses to find
// chunk cookies) and returns the index. Indexes that overflow an int are
// rejected.
func ParseChunkIndex(base, name string) (int, bool) {
	if len(name) <= len(base)+2 || name[:len(base)] != base || name[len(base):len(base)+2] != "__" {
		return 0, false
	}
	digits := name[len(base)+2:]
	n := 0
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (int(^uint(0)>>1)-9)/10 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
