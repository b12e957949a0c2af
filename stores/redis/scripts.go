package redisstore

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// Every script touches the one key it declares, so it runs on any
// deployment, Cluster included.

// indexAddScript files a member in an index set: it prunes members whose
// score has passed, adds the member (raising, never lowering, its score)
// and makes the set expire with its last member.
//
//	KEYS[1] the set; ARGV[1] now (unix ms); ARGV[2] score (unix ms); ARGV[3] member
var indexAddScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[3])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], top[2])
return 1
`)

// compareDeleteScript deletes a key only if its value is unchanged: its
// SHA-1 is the one given. It returns 1 when it deleted the key.
//
//	KEYS[1] the key; ARGV[1] hex SHA-1 of the expected value
var compareDeleteScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and redis.sha1hex(v) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
`)

// revokeSIDScript marks a sid revoked for at least ttl milliseconds (an
// existing, longer-lived mark is kept).
//
//	KEYS[1] the mark; ARGV[1] ttl (ms)
var revokeSIDScript = redis.NewScript(`
local left = redis.call('PTTL', KEYS[1])
if left == -1 or left >= tonumber(ARGV[1]) then
	return 0
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1
`)

// revokeSubScript records that a sub's sessions created at or before
// ARGV[1] are revoked, for at least ttl milliseconds. The latest instant
// and the longest life win over an existing record.
//
//	KEYS[1] the record; ARGV[1] at (unix ms); ARGV[2] ttl (ms)
var revokeSubScript = redis.NewScript(`
local at, ttl = ARGV[1], ARGV[2]
local cur = redis.call('GET', KEYS[1])
if cur then
	if tonumber(cur) and tonumber(cur) > tonumber(at) then
		at = cur
	end
	local left = redis.call('PTTL', KEYS[1])
	if left == -1 then
		return 0
	end
	if left > tonumber(ttl) then
		ttl = tostring(left)
	end
end
redis.call('SET', KEYS[1], at, 'PX', ttl)
return 1
`)

// scriptCall is one single-key script invocation; cmd holds its result
// after runScripts.
type scriptCall struct {
	script *redis.Script
	key    string
	args   []any
	cmd    *redis.Cmd
}

// runScripts runs calls by EVALSHA, in one pipeline when there are
// several (each routed to its key's node on Cluster), and runs again by
// EVAL those the server did not know (NOSCRIPT: they did not run). It
// returns the first failure; redis.Nil replies are not failures.
func (s *Store) runScripts(ctx context.Context, calls []*scriptCall) error {
	switch len(calls) {
	case 0:
		return nil
	case 1:
		c := calls[0]
		c.cmd = c.script.Run(ctx, s.c, []string{c.key}, c.args...)
		return replyErr(c.cmd.Err())
	}
	pipe := s.c.Pipeline()
	for _, c := range calls {
		c.cmd = c.script.EvalSha(ctx, pipe, []string{c.key}, c.args...)
	}
	_, _ = pipe.Exec(ctx)
	var missing []*scriptCall
	for _, c := range calls {
		if redis.HasErrorPrefix(c.cmd.Err(), "NOSCRIPT") {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		pipe := s.c.Pipeline()
		for _, c := range missing {
			c.cmd = c.script.Eval(ctx, pipe, []string{c.key}, c.args...)
		}
		_, _ = pipe.Exec(ctx)
	}
	for _, c := range calls {
		if err := replyErr(c.cmd.Err()); err != nil {
			return err
		}
	}
	return nil
}

// replyErr is err, except that redis.Nil (a nil reply) is no error.
func replyErr(err error) error {
	if errors.Is(err, redis.Nil) {
		return nil
	}
	return err
}
