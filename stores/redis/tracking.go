package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// invalidateChannel is where Redis publishes tracking invalidations to a
// RESP2 connection that asked for them (CLIENT TRACKING … REDIRECT).
const invalidateChannel = "__redis__:invalidate"

// Health checking of the invalidation connection: it is pinged after
// trackingPing of silence and declared lost after trackingDead.
const (
	trackingPing = time.Second
	trackingDead = 3 * time.Second
)

// CacheConfig configures the in-process session cache of [WithCache].
type CacheConfig struct {
	// MaxEntries bounds the number of cached sessions; the least
	// recently read go first. 0 or less means [DefaultCacheMaxEntries].
	MaxEntries int
	// TTL bounds how long a session stays cached; a session is never
	// cached past its own expiry in Redis either. 0 or less means
	// [DefaultCacheTTL].
	TTL time.Duration
	// Logger receives the invalidation connection's state changes
	// (default: nowhere).
	Logger *slog.Logger
}

// WithCache keeps recently read sessions in process memory, so that a
// Get answers without a round trip to Redis, and keeps that cache
// coherent with Redis server-assisted client-side caching: a dedicated
// connection asks Redis to track every session key of the store (CLIENT
// TRACKING on REDIRECT BCAST PREFIX <prefix>s:) and evicts a session the
// moment Redis reports it changed, deleted or expired, whichever app
// instance changed it. A logout or back-channel logout on any instance
// thus ends the session on all of them within one invalidation message.
//
// The cache serves reads only while the invalidation connection is up:
// when it is lost (or fails its health check, a ping after 1 s of
// silence answered within 3 s) the whole cache is dropped and Gets read
// Redis until the connection is back. It needs a single-server client
// (*redis.Client, Redis 6 or later, the CLIENT command allowed); with a
// Cluster or Ring client the option does nothing and Gets read Redis.
// Call [Store.Close] to stop the connection.
func WithCache(cfg CacheConfig) Option {
	return func(s *Store) {
		if cfg.MaxEntries <= 0 {
			cfg.MaxEntries = DefaultCacheMaxEntries
		}
		if cfg.TTL <= 0 {
			cfg.TTL = DefaultCacheTTL
		}
		if cfg.Logger == nil {
			cfg.Logger = slog.New(slog.DiscardHandler)
		}
		s.cacheCfg = &cfg
	}
}

// tracker owns the cache and the invalidation connection that keeps it
// coherent.
type tracker struct {
	cache  *lru
	prefix string // the session keys' prefix: <store prefix>s:
	log    *slog.Logger
	client *redis.Client // dedicated to invalidations: one connection
	active atomic.Bool
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex // serializes enable/disable with their flush

	psMu sync.Mutex
	ps   *redis.PubSub // the current subscription, closed by close
}

// startTracker starts the invalidation listener of a store using c.
func startTracker(c *redis.Client, prefix string, cfg *CacheConfig) *tracker {
	t := &tracker{cache: newLRU(cfg.MaxEntries, cfg.TTL), prefix: prefix, log: cfg.Logger, done: make(chan struct{})}
	o := *c.Options()
	userOnConnect := o.OnConnect
	o.Protocol = 2 // invalidations arrive as pub/sub messages on the connection itself
	o.PoolSize, o.MinIdleConns, o.MaxIdleConns, o.MaxActiveConns = 1, 0, 1, 1
	o.ClientName = "auth0kit-invalidations"
	o.ClientSideCache, o.ClientSideCacheConfig = nil, nil
	o.PushNotificationProcessor = nil
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	o.OnConnect = func(ctx context.Context, cn *redis.Conn) error {
		if userOnConnect != nil {
			if err := userOnConnect(ctx, cn); err != nil {
				return err
			}
		}
		id, err := cn.ClientID(ctx).Result()
		if err != nil {
			return err
		}
		return cn.Do(ctx, "CLIENT", "TRACKING", "on", "REDIRECT", id, "BCAST", "PREFIX", prefix).Err()
	}
	t.client = redis.NewClient(&o)
	ctx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	go t.run(ctx)
	return t
}

// close stops the listener and closes its connection.
func (t *tracker) close() error {
	t.cancel()
	t.psMu.Lock()
	if t.ps != nil {
		_ = t.ps.Close() // ends a blocked receive
	}
	t.psMu.Unlock()
	<-t.done
	t.disable("closed")
	return t.client.Close()
}

// enable flushes the cache and lets it serve reads: the connection
// tracks the keys from now on.
func (t *tracker) enable() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cache.flush()
	if !t.active.Swap(true) {
		t.log.Info("redisstore: session cache active", "prefix", t.prefix)
	}
}

// disable stops the cache serving reads and flushes it: invalidations may
// have been missed.
func (t *tracker) disable(reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active.Swap(false) {
		t.log.Warn("redisstore: session cache off, reading Redis", "reason", reason)
	}
	t.cache.flush()
}

// run keeps the invalidation connection up and applies what it receives.
func (t *tracker) run(ctx context.Context) {
	defer close(t.done)
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		t.psMu.Lock()
		if ctx.Err() != nil {
			t.psMu.Unlock()
			return
		}
		ps := t.client.Subscribe(ctx, invalidateChannel)
		t.ps = ps
		t.psMu.Unlock()
		err := t.listen(ctx, ps)
		_ = ps.Close()
		if ctx.Err() != nil {
			return
		}
		t.disable(err.Error())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
		if err == errHealthy {
			backoff = 50 * time.Millisecond
		}
	}
}

// errHealthy ends a listen whose connection had worked (the next
// reconnection is tried at once).
var errHealthy = errors.New("invalidation connection lost")

// listen reads the subscription until it fails.
func (t *tracker) listen(ctx context.Context, ps *redis.PubSub) error {
	last := time.Now()
	subscribed := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, trackingPing)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && subscribed {
				if time.Since(last) > trackingDead {
					return errHealthy
				}
				if err := ps.Ping(ctx); err != nil {
					return errHealthy
				}
				continue
			}
			if subscribed {
				return errHealthy
			}
			return err
		}
		last = time.Now()
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == invalidateChannel {
				subscribed = true
				t.enable()
			}
		case *redis.Message:
			if m.Channel != invalidateChannel {
				continue
			}
			if m.PayloadSlice == nil && m.Payload == "" {
				t.cache.flush() // FLUSHDB / FLUSHALL
				continue
			}
			keys := m.PayloadSlice
			if keys == nil {
				keys = []string{m.Payload}
			}
			for _, k := range keys {
				t.cache.invalidations.Add(1)
				if id, ok := strings.CutPrefix(k, t.prefix); ok {
					t.cache.evict(id)
				}
			}
		}
	}
}
