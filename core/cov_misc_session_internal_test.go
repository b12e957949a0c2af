package auth0kit

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auth0kit/auth0kit/core/adapter"
	"github.com/auth0kit/auth0kit/core/internal/testclock"
	"github.com/auth0kit/auth0kit/core/sessionstore"
)

// miscJar applies the cookies an answer set to a browser's jar.
func miscJar(jar, set []*http.Cookie) []*http.Cookie {
	out := map[string]*http.Cookie{}
	var order []string
	for _, ck := range append(append([]*http.Cookie(nil), jar...), set...) {
		if _, ok := out[ck.Name]; !ok {
			order = append(order, ck.Name)
		}
		if ck.MaxAge < 0 || ck.Value == "" {
			out[ck.Name] = nil
			continue
		}
		out[ck.Name] = ck
	}
	var res []*http.Cookie
	for _, n := range order {
		if out[n] != nil {
			res = append(res, out[n])
		}
	}
	return res
}

func cookieNames(cks []*http.Cookie) string {
	var n []string
	for _, ck := range cks {
		n = append(n, ck.Name)
	}
	return strings.Join(n, ",")
}

// miscNow is a clock starting at the real time (the scripted provider
// signs ID tokens with the real time).

// TestCovMiscStatefulStoreFailures: a failing store is a 503 on every path
// that needs it, and the cookie is left alone.
func TestCovMiscStatefulStoreFailures(t *testing.T) {
	boom := errors.New("connection refused")
	op := newScriptOP(t)
	st := &miscFailStore{Store: sessionstore.NewMemory()}
	clk := testclock.New(time.Now())
	c := newScriptClient(t, op, WithSessionStore(st), WithTuning(Tuning{Clock: clk.Now}))
	f := op.login(c, "")
	if f.Session == nil {
		t.Fatalf("login: %d %s", f.Response.Status, f.Response.Body)
	}
	st.failGet = boom

	ctx, ex := boundRequest(c, "GET", "/page", f.Cookies)
	if s, err := c.GetSession(ctx); s != nil || !errors.Is(err, ErrSessionStore) || !errors.Is(err, boom) {
		t.Fatalf("GetSession = %v, %v", s, err)
	}
	if u, err := c.GetUser(ctx); u != nil || !errors.Is(err, ErrSessionStore) {
		t.Fatalf("GetUser = %v, %v", u, err)
	}
	if err := c.UpdateSession(ctx, &Session{}); !errors.Is(err, ErrSessionStore) {
		t.Fatalf("UpdateSession = %v", err)
	}
	if res := adapter.RequireAPI(ctx); res == nil || res.Status != 503 || !strings.Contains(string(res.Body), CodeSessionStoreError) {
		t.Fatalf("RequireAPI = %+v", res)
	}
	if res := adapter.RequirePage(ctx, "/page"); res == nil || res.Status != 503 {
		t.Fatalf("RequirePage = %+v", res)
	}
	if len(ex.set) != 0 {
		t.Fatalf("a store failure changed cookies: %v", ex.set)
	}
	res, _, _ := miscServe(c, "GET", "/auth/profile", "", f.Cookies, nil)
	if res.Status != 503 {
		t.Fatalf("profile with the store down = %d", res.Status)
	}

	// Rolling needs the record: Serve answers 503.
	clk.Advance(time.Hour)
	sx := &testExchange{method: "GET", path: "/page", host: "127.0.0.1:1", header: http.Header{}, cookies: liveCookies(f.Cookies)}
	if _, res := c.Adapter().Serve(context.Background(), sx); res == nil || res.Status != 503 || sx.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("Serve with a due roll and the store down = %+v", res)
	}
	st.failGet = nil

	// A new login over an existing session replaces its record; deleting
	// the old one fails → 503.
	st.failDelete = boom
	if f2 := miscRelogin(t, op, c, f.Cookies); f2.Response.Status != 503 {
		t.Fatalf("relogin with Delete failing = %d %s", f2.Response.Status, f2.Response.Body)
	}
	st.failDelete = nil
	st.failSet = boom
	if f2 := op.login(c, ""); f2.Response.Status != 503 {
		t.Fatalf("login with Set failing = %d", f2.Response.Status)
	}
}

// miscRelogin logs in again on a browser that already holds cookies.
func miscRelogin(t *testing.T, op *scriptOP, c *Client, jar []*http.Cookie) *loginFlow {
	t.Helper()
	start := &testExchange{method: "GET", path: "/auth/login", host: "127.0.0.1:1", header: http.Header{}, cookies: liveCookies(jar)}
	res, _ := c.handle(context.Background(), start)
	loc, err := url.Parse(res.Location)
	if err != nil {
		t.Fatal(err)
	}
	op.mu.Lock()
	op.nonce = loc.Query().Get("nonce")
	op.mu.Unlock()
	return op.callback(c, loc, miscJar(liveCookies(jar), start.set), "code=c2&state="+loc.Query().Get("state"))
}

// TestCovMiscStatefulSessions: a new login replaces the old record
// (fixation defence); a missing, expired or invalid record, a garbled
// cookie and a cookie without createdAt.
func TestCovMiscStatefulSessions(t *testing.T) {
	op := newScriptOP(t)
	clk := testclock.New(time.Now())
	mem := sessionstore.NewMemoryClock(clk.Now)
	c := newScriptClient(t, op, WithSessionStore(mem), WithTuning(Tuning{Clock: clk.Now}))
	f := op.login(c, "")
	cs := c.scanCookie(&testExchange{cookies: liveCookies(f.Cookies)})
	c.decodeCookie(cs)
	oldID := cs.id
	if oldID == "" || mem.Len() != 1 {
		t.Fatalf("stateful login: id %q, Len %d", oldID, mem.Len())
	}
	f2 := miscRelogin(t, op, c, f.Cookies)
	if f2.Session == nil {
		t.Fatalf("relogin: %d %s", f2.Response.Status, f2.Response.Body)
	}
	if got, _ := mem.Get(context.Background(), oldID); got != nil || mem.Len() != 1 {
		t.Fatalf("old record kept after a new login (Len %d)", mem.Len())
	}

	// Garbage in the cookie: no session.
	if s := miscGet(t, c, []*http.Cookie{{Name: "__session", Value: "garbage"}}); s != nil {
		t.Fatal("garbled stateful cookie read as a session")
	}
	// A stateless session cookie is not a stateful id.
	stateless, _ := GenerateSessionCookie(miscSession("u", "sid", time.Now().Unix()), strings.Repeat("k", 32))
	if s := miscGet(t, c, []*http.Cookie{{Name: "__session", Value: stateless}}); s != nil {
		t.Fatal("stateless cookie accepted by a stateful client")
	}

	// nextjs-auth0 writes {id} without createdAt: the record's is used.
	rec := miscSession("user-9", "sid-9", clk.Now().Unix()-60)
	exp := clk.Now().Add(time.Hour)
	_ = mem.Set(context.Background(), "nextjs-id", rec, exp)
	v, err := c.keys.session.SealJSON(statefulID{ID: "nextjs-id"}, exp.Unix())
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ := boundRequest(c, "GET", "/", []*http.Cookie{{Name: "__session", Value: v}})
	s, err := c.GetSession(ctx)
	if err != nil || s == nil || s.User.Sub != "user-9" {
		t.Fatalf("nextjs stateful cookie: %v, %v", s, err)
	}
	if rs, _ := boundState(ctx); rs.cookie.createdAt != rec.Internal.CreatedAt {
		t.Fatalf("createdAt = %d, want the record's %d", rs.cookie.createdAt, rec.Internal.CreatedAt)
	}
	// An invalid record (no sub) is no session.
	_ = mem.Set(context.Background(), "nextjs-id", miscSession("", "sid-9", 1), exp)
	if s := miscGet(t, c, []*http.Cookie{{Name: "__session", Value: v}}); s != nil {
		t.Fatal("record without sub read as a session")
	}
	// A deleted record is no session.
	_ = mem.Delete(context.Background(), "nextjs-id")
	if s := miscGet(t, c, []*http.Cookie{{Name: "__session", Value: v}}); s != nil {
		t.Fatal("deleted record read as a session")
	}
}

func miscGet(t *testing.T, c *Client, cookies []*http.Cookie) *Session {
	t.Helper()
	ctx, _ := boundRequest(c, "GET", "/", cookies)
	s, err := c.GetSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCovMiscAbsoluteExpiry: past the absolute cap a session (stateless or
// stateful) reads as none, and a write past its end deletes the cookie.
func TestCovMiscAbsoluteExpiry(t *testing.T) {
	for _, stateful := range []bool{false, true} {
		op := newScriptOP(t)
		clk := testclock.New(time.Now())
		opts := []Option{WithTuning(Tuning{Clock: clk.Now}), WithSession(SessionOptions{AbsoluteDuration: 2 * time.Hour})}
		if stateful {
			mem := sessionstore.NewMemoryClock(clk.Now)
			opts = append(opts, WithSessionStore(mem))
		}
		c := newScriptClient(t, op, opts...)
		f := op.login(c, "")
		clk.Advance(time.Hour)
		if s := miscGet(t, c, f.Cookies); s == nil {
			t.Fatalf("stateful=%v: session gone before its cap", stateful)
		}
		clk.Advance(61 * time.Minute)
		// A fresh client (no roll cache) decrypts the cookie and finds it past the cap.
		if s := miscGet(t, c, f.Cookies); s != nil {
			t.Fatalf("stateful=%v: session read past the absolute cap", stateful)
		}
	}

	// writeSession of a session past its provider expiry deletes it.
	op := newScriptOP(t)
	c := newScriptClient(t, op, WithSessionStore(sessionstore.NewMemory()))
	f := op.login(c, "")
	ctx, ex := boundRequest(c, "GET", "/", f.Cookies)
	ls, err := c.requireSession(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	next := *ls.s
	next.Internal.SessionExpiresAt = time.Now().Unix() - 1
	err = ls.c.writeSession(ctx, ex, ls.cs, &next, false)
	ls.unlock()
	if err != nil || !deleted(ex, "__session") {
		t.Fatalf("expired write: %v, cookies %v", err, ex.set)
	}
	if n := c.store.(*sessionstore.Memory).Len(); n != 0 {
		t.Fatalf("%d records left after an expired write", n)
	}
}

// TestCovMiscExpiry: the cookie expiry for each lifetime configuration.
func TestCovMiscExpiry(t *testing.T) {
	const now, created = int64(1_800_000_000), int64(1_800_000_000 - 3600)
	f := false
	tests := []struct {
		name    string
		sess    SessionOptions
		sessExp int64
		want    int64
	}{
		{"rolling: inactivity", SessionOptions{}, 0, now + 86400},
		{"rolling: capped by absolute", SessionOptions{AbsoluteDuration: 2 * time.Hour}, 0, created + 7200},
		{"rolling: no cap", SessionOptions{AbsoluteDuration: -1}, 0, now + 86400},
		{"not rolling: absolute", SessionOptions{Rolling: &f, AbsoluteDuration: 10 * time.Hour}, 0, created + 36000},
		{"not rolling, no cap: inactivity", SessionOptions{Rolling: &f, AbsoluteDuration: -1, InactivityDuration: time.Hour}, 0, now + 3600},
		{"provider expiry first", SessionOptions{}, now + 60, now + 60},
		{"provider expiry later", SessionOptions{}, now + 10*86400, now + 86400},
	}
	for _, tt := range tests {
		c := newTestClient(t, WithSession(tt.sess))
		if got := c.expiry(created, tt.sessExp, now); got != tt.want {
			t.Errorf("%s: expiry = %d, want %d", tt.name, got-now, tt.want-now)
		}
	}
	c := newTestClient(t, WithSession(SessionOptions{AbsoluteDuration: time.Hour}))
	if !c.expiredAt(created, 0, now) || c.expiredAt(created+1, 0, now) || !c.expiredAt(now, now+29, now) || c.expiredAt(now, now+31, now) {
		t.Error("expiredAt disagrees with the cap and the 30 s margin")
	}
}

// TestCovMiscChunkedSession: a large stateless session is written in
// chunks; the base cookie and chunks the new value does not use are
// deleted; shrinking back to one cookie deletes every chunk.
func TestCovMiscChunkedSession(t *testing.T) {
	op := newScriptOP(t)
	c := newScriptClient(t, op)
	f := op.login(c, "")
	jar := liveCookies(f.Cookies)
	update := func(extraBytes int) []*http.Cookie {
		t.Helper()
		ctx, ex := boundRequest(c, "GET", "/", jar)
		s, err := c.GetSession(ctx)
		if err != nil || s == nil {
			t.Fatalf("session: %v, %v (jar %s)", s, err, cookieNames(jar))
		}
		next := *s
		next.Extra = map[string]jsonRaw{}
		if extraBytes > 0 {
			next.Extra["blob"] = jsonRaw(`"` + strings.Repeat(randomToken(), extraBytes/40+1)[:extraBytes] + `"`)
		}
		if err := c.UpdateSession(ctx, &next); err != nil {
			t.Fatal(err)
		}
		jar = miscJar(jar, ex.set)
		return ex.set
	}
	set := update(6000)
	if !deleted(&testExchange{set: set}, "__session") || written(&testExchange{set: set}, "__session__2") == nil {
		t.Fatalf("big session: set %v", cookieNames(set))
	}
	if cookieNames(jar) != "__session__0,__session__1,__session__2" {
		t.Fatalf("jar after a big write = %s", cookieNames(jar))
	}
	if s := miscGet(t, c, jar); s == nil || len(s.Extra["blob"]) < 6000 {
		t.Fatal("chunked session does not read back")
	}
	set = update(3000)
	if !deleted(&testExchange{set: set}, "__session__2") || deleted(&testExchange{set: set}, "__session__1") {
		t.Fatalf("shrink to 2 chunks: set %v", set)
	}
	if cookieNames(jar) != "__session__0,__session__1" {
		t.Fatalf("jar after shrinking = %s", cookieNames(jar))
	}
	update(0)
	if cookieNames(jar) != "__session" {
		t.Fatalf("jar after shrinking to one cookie = %s", cookieNames(jar))
	}

	// Logout deletes the base cookie and every chunk of the request.
	res, _, ex := miscServe(c, "GET", "/auth/logout", "", append(jar, &http.Cookie{Name: "__session__4", Value: "x"}), nil)
	if res.Status != 307 || !deleted(ex, "__session") || !deleted(ex, "__session__4") {
		t.Fatalf("logout: %d, set %v", res.Status, ex.set)
	}
}

// transientExchange is an exchange whose cookie values are transient
// (auth0fasthttp's kind).
type transientExchange struct{ *testExchange }

func (transientExchange) TransientCookies() {}

// TestCovMiscRolling: Serve re-issues a rolling cookie once the threshold
// passed, not before; a client that never saw the cookie decrypts it once
// to decide; a transient exchange's cookie is re-read by the handler.
func TestCovMiscRolling(t *testing.T) {
	op := newScriptOP(t)
	clk := testclock.New(time.Now())
	c := newScriptClient(t, op, WithTuning(Tuning{Clock: clk.Now}))
	f := op.login(c, "")
	serve := func(c *Client, ex adapter.Exchange) (context.Context, *adapter.Response) {
		return c.Adapter().Serve(context.Background(), ex)
	}
	ex := &testExchange{method: "GET", path: "/page", host: "127.0.0.1:1", header: http.Header{}, cookies: liveCookies(f.Cookies)}
	if _, res := serve(c, ex); res != nil || len(ex.set) != 0 {
		t.Fatalf("fresh cookie rolled: %+v %v", res, ex.set)
	}
	// Another instance (same secret, empty roll cache) decrypts and leaves it.
	c2 := newScriptClient(t, op, WithTuning(Tuning{Clock: clk.Now}))
	ex = &testExchange{method: "GET", path: "/page", host: "127.0.0.1:1", header: http.Header{}, cookies: liveCookies(f.Cookies)}
	if _, res := serve(c2, ex); res != nil || len(ex.set) != 0 {
		t.Fatalf("other instance rolled a fresh cookie: %v", ex.set)
	}
	// A transient exchange: touch answers from the roll cache; the
	// handler's read scans the cookies again and finds the session.
	tx := transientExchange{&testExchange{method: "GET", path: "/page", host: "127.0.0.1:1", header: http.Header{}, cookies: liveCookies(f.Cookies)}}
	ctx, res := serve(c, tx)
	if res != nil {
		t.Fatalf("transient: %+v", res)
	}
	if s, err := SessionFromContext(ctx); err != nil || s == nil || s.User.Sub != "user-1" {
		t.Fatalf("SessionFromContext on a transient exchange = %v, %v", s, err)
	}
	// A garbled cookie is not rolled.
	ex = &testExchange{method: "GET", path: "/page", host: "127.0.0.1:1", header: http.Header{}, cookies: []*http.Cookie{{Name: "__session", Value: "junk"}}}
	if _, res := serve(c, ex); res != nil || len(ex.set) != 0 {
		t.Fatalf("junk cookie: %+v %v", res, ex.set)
	}
	// Past the threshold the cookie is re-issued with a later expiry.
	clk.Advance(20 * time.Minute)
	ex = &testExchange{method: "GET", path: "/page", host: "127.0.0.1:1", header: http.Header{}, cookies: liveCookies(f.Cookies)}
	if _, res := serve(c, ex); res != nil {
		t.Fatalf("roll: %+v", res)
	}
	ck := written(ex, "__session")
	old := written(&testExchange{set: f.Cookies}, "__session")
	if ck == nil || !ck.Expires.After(old.Expires) || !strings.Contains(ex.header.Get("Cache-Control"), "no-store") {
		t.Fatalf("rolled cookie %v (old %v)", ck, old)
	}
}

// TestCovMiscRevocationList: stateless sessions with a revocation list: a
// back-channel logout by sid ends the cookie's session; a local logout
// ends copies of the cookie; a failing list is a 503.
func TestCovMiscRevocationList(t *testing.T) {
	op := newScriptOP(t)
	rl := &miscRevocations{RevocationList: sessionstore.NewMemory()}
	c := newScriptClient(t, op, WithRevocationList(rl), WithSession(SessionOptions{AbsoluteDuration: -1}))
	f := op.login(c, "")
	if s := miscGet(t, c, f.Cookies); s == nil {
		t.Fatal("no session after login")
	}
	rl.failRevoked = errors.New("redis down")
	ctx, _ := boundRequest(c, "GET", "/", f.Cookies)
	if _, err := c.GetSession(ctx); !errors.Is(err, ErrSessionStore) {
		t.Fatalf("GetSession with the list down = %v", err)
	}
	rl.failRevoked = nil

	if err := c.HandleBackchannelLogout(context.Background(), op.logoutToken(map[string]any{"sub": nil})); err != nil {
		t.Fatal(err)
	}
	if s := miscGet(t, c, f.Cookies); s != nil {
		t.Fatal("session read after a back-channel logout of its sid")
	}

	// Local logout: the copy of the old cookie is refused afterwards.
	op.mu.Lock()
	op.claims["sid"] = "sid-2"
	op.mu.Unlock()
	f2 := op.login(c, "")
	if s := miscGet(t, c, f2.Cookies); s == nil {
		t.Fatal("no session after the second login")
	}
	res, _, _ := miscServe(c, "GET", "/auth/logout", "", f2.Cookies, nil)
	if res.Status != 307 {
		t.Fatalf("logout = %d", res.Status)
	}
	if s := miscGet(t, c, f2.Cookies); s != nil {
		t.Fatal("a copy of a logged-out cookie still reads as a session")
	}
}

// TestCovMiscCapAcrossInstances: an instance with a shorter absolute cap
// refuses a cookie another instance wrote, whose own expiry is later.
func TestCovMiscCapAcrossInstances(t *testing.T) {
	op := newScriptOP(t)
	clk := testclock.New(time.Now())
	long := newScriptClient(t, op, WithTuning(Tuning{Clock: clk.Now}))
	short := newScriptClient(t, op, WithTuning(Tuning{Clock: clk.Now}), WithSession(SessionOptions{AbsoluteDuration: time.Hour}))
	f := op.login(long, "")
	clk.Advance(2 * time.Hour)
	if s := miscGet(t, long, f.Cookies); s == nil {
		t.Fatal("the writing instance lost the session")
	}
	if s := miscGet(t, short, f.Cookies); s != nil {
		t.Fatal("a session past this instance's absolute cap was read")
	}
}

// TestCovMiscLogoutStoreDown: logout clears the cookies even when the
// store cannot delete the record.
func TestCovMiscLogoutStoreDown(t *testing.T) {
	op := newScriptOP(t)
	st := &miscFailStore{Store: sessionstore.NewMemory()}
	c := newScriptClient(t, op, WithSessionStore(st))
	f := op.login(c, "")
	st.failDelete = errors.New("down")
	res, _, ex := miscServe(c, "GET", "/auth/logout", "", f.Cookies, nil)
	if res.Status != 307 || !deleted(ex, "__session") {
		t.Fatalf("logout with the store down: %d, set %v", res.Status, ex.set)
	}
}
