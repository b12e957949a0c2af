package storetest

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// FixtureSession reads the reference Auth0 session (the JSON file at path,
// shared/reference/fixtures/session.json in the auth0kit repository) into
// the session a login with it makes: the user's claims, the token set with
// its ID, access and refresh tokens, scope, audience and expiry, and the
// internal sid, created now. It skips tb when the file is not there.
func FixtureSession(tb testing.TB, path string) *auth0kit.Session {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Skip("fixture not available:", err)
	}
	var fx struct {
		User                                                     auth0kit.User
		SID, IDToken, AccessToken, RefreshToken, Scope, Audience string
		ExpiresAt                                                int64
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		tb.Fatal("fixture:", err)
	}
	return &auth0kit.Session{
		User: fx.User,
		TokenSet: auth0kit.TokenSet{
			AccessToken: fx.AccessToken, IDToken: fx.IDToken, RefreshToken: fx.RefreshToken,
			Scope: fx.Scope, Audience: fx.Audience, ExpiresAt: fx.ExpiresAt,
		},
		Internal: auth0kit.SessionInternal{SID: fx.SID, CreatedAt: time.Now().Unix()},
	}
}

// Benchmark measures store with sess: sub-benchmark "read" is Get of a
// stored session, "write" is Set (an overwrite with a one hour expiry).
// Besides ns/op and allocs/op, each reports the median and 99th
// percentile latency of one call, in microseconds ("p50-µs", "p99-µs").
func Benchmark(b *testing.B, store sessionstore.Store, sess *auth0kit.Session) {
	ctx := context.Background()
	id := newID()
	if err := store.Set(ctx, id, sess, time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = store.Delete(ctx, id) })
	b.Run("read", func(b *testing.B) {
		lat := make([]time.Duration, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			start := time.Now()
			got, err := store.Get(ctx, id)
			lat[i] = time.Since(start)
			if err != nil || got == nil {
				b.Fatalf("Get = %v, %v", got, err)
			}
		}
		b.StopTimer()
		reportLatency(b, lat)
	})
	b.Run("write", func(b *testing.B) {
		lat := make([]time.Duration, b.N)
		exp := time.Now().Add(time.Hour)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			start := time.Now()
			err := store.Set(ctx, id, sess, exp)
			lat[i] = time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		reportLatency(b, lat)
	})
}

// reportLatency reports the 50th and 99th percentiles of lat.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := int(float64(len(lat)-1) * p)
		return float64(lat[i]) / float64(time.Microsecond)
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
