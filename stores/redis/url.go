package redisstore

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// The Redis URL's query parameters read by [OpenURL] (and removed before
// the URL reaches redis.ParseURL).
const (
	// ParamCache turns the session cache of [WithCache] on ("1", "true",
	// "on") or off.
	ParamCache = "cache"
	// ParamCacheMaxEntries is [CacheConfig.MaxEntries] (an integer).
	ParamCacheMaxEntries = "cache_max_entries"
	// ParamCacheTTL is [CacheConfig.TTL] (a Go duration such as 30s).
	ParamCacheTTL = "cache_ttl"
)

// cacheFromURL returns the cache the URL's parameters ask for (nil:
// none) and the URL without them.
func cacheFromURL(raw string) (*CacheConfig, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, raw, nil // redis.ParseURL reports it
	}
	q := u.Query()
	if !q.Has(ParamCache) && !q.Has(ParamCacheMaxEntries) && !q.Has(ParamCacheTTL) {
		return nil, raw, nil
	}
	var cfg CacheConfig
	on := true
	if q.Has(ParamCache) {
		v := q.Get(ParamCache)
		switch v {
		case "on", "yes":
			on = true
		case "off", "no":
			on = false
		default:
			if on, err = strconv.ParseBool(v); err != nil {
				return nil, "", fmt.Errorf("%s=%q: want 1/true/on or 0/false/off", ParamCache, v)
			}
		}
	}
	if v := q.Get(ParamCacheMaxEntries); q.Has(ParamCacheMaxEntries) {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, "", fmt.Errorf("%s=%q: want a whole number > 0", ParamCacheMaxEntries, v)
		}
		cfg.MaxEntries = n
	}
	if v := q.Get(ParamCacheTTL); q.Has(ParamCacheTTL) {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, "", fmt.Errorf("%s=%q: want a duration > 0 such as 30s", ParamCacheTTL, v)
		}
		cfg.TTL = d
	}
	q.Del(ParamCache)
	q.Del(ParamCacheMaxEntries)
	q.Del(ParamCacheTTL)
	u.RawQuery = q.Encode()
	if !on {
		return nil, u.String(), nil
	}
	return &cfg, u.String(), nil
}
