// Command loadtest measures what a logged-in session costs the example
// apps under load: for each setup it builds and starts an example against
// the development provider, logs in over HTTP, then runs wrk on
// /auth/profile with the logged-in session cookie and with a junk cookie
// of the same size (so both requests carry the same bytes and only the
// SDK's own work differs), and prints a table: requests per second of
// each, their ratio, p99 latencies and the new server connections the
// session store opened during the logged-in load. Each setup is measured
// in -rounds pairs (default 3, alternating which side goes first), and
// the pair with the median ratio is reported. A pair is -d of logged-in
// and -d of anonymous load, cut into -slices wrk runs per side that
// alternate (default 5: ten 2 s runs, logged-in, anonymous, logged-in…),
// so that a slow phase of the machine falls on both sides instead of
// one: with whole 10 s runs per side, single pairs varied by ±0.1. A
// side's rate is the mean of its slices' rates, its p99 the highest of
// its slices' p99s. New connections are counted over the first pair,
// right after the warm-up.
//
// With -sessions N (default 1) it logs in N times and each wrk thread
// sends the N session cookies in turn (and the anonymous side N junk
// cookies of the same sizes), so that concurrent requests read different
// sessions, as they do with many users.
//
// It is a benchmark, not a test: `make loadtest` runs it (scripts/loadtest.sh
// installs wrk first when it is missing). Every process it starts
// listens on 127.0.0.1 and every request goes there.
//
// Usage (from the workspace root):
//
//	go run ./conformance/cmd/loadtest [-setups cookie/nethttp,redis,…] [-d 10s] [-slices 5] [-warmup 2s] [-t 2] [-c 50] [-rounds 3] [-sessions 1]
//
// Setups: cookie/<fw> for fw in nethttp, gin, echo, echov5, fiber, fiberv3;
// redis, redis-cache, postgres, mariadb, sqlite (all on net/http). The
// databases are those of the tests: Redis on 127.0.0.1:6379, PostgreSQL
// on 127.0.0.1:5432 (user postgres; a database auth0kit_loadtest is
// created with psql when missing), MariaDB on 127.0.0.1:3306 (db test). New connections during the logged-in run are counted on the
// server: PostgreSQL's pg_stat_database.sessions of auth0kit_loadtest
// (this run's alone); for Redis and MariaDB, the app's connections (Redis:
// named by client_name in REDIS_URL; MariaDB: of the user
// auth0kit_loadtest, created with mysql when missing) with an id above
// the highest before the run: opened during it and still open.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	pgAdminURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	pgDB       = "auth0kit_loadtest"
	redisURL   = "redis://127.0.0.1:6379/0"
	mariaUser  = "auth0kit_loadtest" // created with mysql when missing; counted in PROCESSLIST
	mariaURL   = "mysql://" + mariaUser + "@127.0.0.1:3306/test"
	loginEmail = "loadtest@example.com"
	// redisClientName names the app's Redis connections, to count them
	// apart from other clients of the server.
	redisClientName = "auth0kit-loadtest"
)

// setup is one row of the table.
type setup struct {
	name      string
	framework string
	env       func(tmp string) []string
	// count starts counting the new server connections, and returns
	// the count so far; nil for cookie sessions and SQLite.
	count func() (func() (string, error), error)
}

// counter makes a count from a server-wide counter read by read, which
// itself opens self connections per reading.
func counter(read func() (int64, error), self int64) func() (func() (string, error), error) {
	return func() (func() (string, error), error) {
		before, err := read()
		if err != nil {
			return nil, err
		}
		return func() (string, error) {
			after, err := read()
			return strconv.FormatInt(after-before-self, 10), err
		}, nil
	}
}

// newAmong counts the connections of the app (listed by ids) opened
// after the call: connection ids increase. It reports "new (open)".
func newAmong(ids func() ([]int64, error)) func() (func() (string, error), error) {
	return func() (func() (string, error), error) {
		list, err := ids()
		if err != nil {
			return nil, err
		}
		var before int64
		for _, id := range list {
			before = max(before, id)
		}
		return func() (string, error) {
			list, err := ids()
			var n int
			for _, id := range list {
				if id > before {
					n++
				}
			}
			return fmt.Sprintf("%d (%d open)", n, len(list)), err
		}, nil
	}
}

func setups() []setup {
	var out []setup
	for _, fw := range []string{"nethttp", "gin", "echo", "echov5", "fiber", "fiberv3"} {
		out = append(out, setup{name: "cookie/" + fw, framework: fw, env: func(string) []string { return nil }})
	}
	return append(out,
		setup{name: "redis", framework: "nethttp", count: newAmong(redisAppConns),
			env: func(string) []string { return []string{"REDIS_URL=" + redisURL + "?client_name=" + redisClientName} }},
		setup{name: "redis-cache", framework: "nethttp", count: newAmong(redisAppConns),
			env: func(string) []string {
				return []string{"REDIS_URL=" + redisURL + "?client_name=" + redisClientName + "&cache=1"}
			}},
		setup{name: "postgres", framework: "nethttp", count: counter(pgConns, 0),
			env: func(string) []string {
				return []string{"DATABASE_URL=postgres://postgres@127.0.0.1:5432/" + pgDB + "?sslmode=disable"}
			}},
		setup{name: "mariadb", framework: "nethttp", count: newAmong(mariaAppConns),
			env: func(string) []string { return []string{"DATABASE_URL=" + mariaURL} }},
		setup{name: "sqlite", framework: "nethttp",
			env: func(tmp string) []string {
				return []string{"DATABASE_URL=sqlite://" + filepath.Join(tmp, "sessions.db")}
			}},
	)
}

type options struct {
	duration, warmup time.Duration
	threads, conns   int
	rounds, slices   int
	sessions         int
	wrk              string
}

// side is what one side of a pair sends: one Cookie header, or several
// in turn through a wrk script.
type side struct {
	cookies []string
	script  string // the wrk script sending cookies in turn, when more than one
}

// result is what wrk reported for one run.
type result struct {
	rps        float64
	p99        time.Duration
	non2xx     int64
	sockErrors int64
	status     int // of a single request before the run
}

type row struct {
	name        string
	in, anon    result // the round whose ratio is the median
	ratios      []float64
	newConns    string
	err         error
	cookieBytes int
}

// keepMedian keeps the pair of results whose ratio is the median one.
func (r *row) keepMedian(ins, anons []result) {
	idx := make([]int, len(ins))
	r.ratios = make([]float64, len(ins))
	for i := range ins {
		idx[i] = i
		if anons[i].rps > 0 {
			r.ratios[i] = ins[i].rps / anons[i].rps
		}
	}
	sort.Slice(idx, func(a, b int) bool { return r.ratios[idx[a]] < r.ratios[idx[b]] })
	m := idx[len(idx)/2]
	st, stAnon := r.in.status, r.anon.status
	r.in, r.anon = ins[m], anons[m]
	r.in.status, r.anon.status = st, stAnon
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run() error {
	var o options
	only := flag.String("setups", "", "comma-separated setups to run (default: all)")
	flag.DurationVar(&o.duration, "d", 10*time.Second, "length of each measured wrk run")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "logged-in warm-up before the measured runs")
	flag.IntVar(&o.threads, "t", 2, "wrk threads")
	flag.IntVar(&o.conns, "c", 50, "wrk connections")
	flag.StringVar(&o.wrk, "wrk", "wrk", "the wrk binary")
	flag.IntVar(&o.rounds, "rounds", 3, "measured logged-in/anonymous pairs per setup; the median ratio is reported")
	flag.IntVar(&o.slices, "slices", 5, "wrk runs per side of a pair, alternating logged-in and anonymous (each -d/slices long)")
	flag.IntVar(&o.sessions, "sessions", 1, "logged-in sessions (logins) whose cookies wrk sends in turn")
	flag.Parse()
	if o.rounds < 1 || o.slices < 1 || o.sessions < 1 || o.duration/time.Duration(o.slices) < time.Second {
		return errors.New("-rounds, -slices and -sessions must be at least 1, and -d/-slices at least 1s")
	}
	if _, err := exec.LookPath(o.wrk); err != nil {
		return fmt.Errorf("wrk not found (apt-get install -y wrk, or run scripts/loadtest.sh): %w", err)
	}

	var chosen []setup
	for _, s := range setups() {
		if *only == "" || contains(strings.Split(*only, ","), s.name) {
			chosen = append(chosen, s)
		}
	}
	if len(chosen) == 0 {
		return fmt.Errorf("no setup matches %q", *only)
	}

	tmp, err := os.MkdirTemp("", "auth0kit-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// Build what the chosen setups need.
	built := map[string]bool{}
	if err := build(filepath.Join(tmp, "devop"), "./conformance/cmd/devop"); err != nil {
		return err
	}
	for _, s := range chosen {
		if !built[s.framework] {
			if err := build(filepath.Join(tmp, "app-"+s.framework), "./examples/"+s.framework); err != nil {
				return err
			}
			built[s.framework] = true
		}
		if s.name == "postgres" {
			if err := ensurePGDatabase(); err != nil {
				return err
			}
		}
		if s.name == "mariadb" {
			if _, err := query("mysql", "-h127.0.0.1", "-uroot", "-e", "CREATE USER IF NOT EXISTS '"+mariaUser+
				"'@'%'; GRANT ALL ON test.* TO '"+mariaUser+"'@'%'"); err != nil {
				return err
			}
		}
	}

	opAddr := freeAddr()
	devop, err := start(filepath.Join(tmp, "devop"), filepath.Join(tmp, "devop.log"), nil,
		"-addr", opAddr, "-auto-login", loginEmail)
	if err != nil {
		return err
	}
	defer stop(devop)
	if err := waitHTTP("http://"+opAddr+"/.well-known/openid-configuration", 10*time.Second); err != nil {
		return fmt.Errorf("devop: %w (log: %s)", err, tail(filepath.Join(tmp, "devop.log")))
	}

	fmt.Fprintf(os.Stderr, "wrk -t%d -c%d on /auth/profile, %d setups: %d pairs of %v per side in %d alternating runs\n",
		o.threads, o.conns, len(chosen), o.rounds, o.duration, o.slices)
	var rows []row
	for _, s := range chosen {
		fmt.Fprintf(os.Stderr, "== %s\n", s.name)
		r := measure(s, o, tmp, opAddr)
		if r.err != nil {
			fmt.Fprintf(os.Stderr, "   %s: %v\n", s.name, r.err)
		}
		rows = append(rows, r)
	}
	printTable(os.Stdout, rows, o)
	return nil
}

// measure runs one setup.
func measure(s setup, o options, tmp, opAddr string) row {
	r := row{name: s.name, newConns: "–"}
	addr := freeAddr()
	_, port, _ := net.SplitHostPort(addr)
	base := "http://" + addr
	env := append([]string{
		"AUTH0_DOMAIN=http://" + opAddr + "/",
		"AUTH0_CLIENT_ID=devop-client",
		"AUTH0_CLIENT_SECRET=devop-secret",
		"AUTH0_SECRET=loadtest-secret-loadtest-secret-0123456789abcdef",
		"APP_BASE_URL=" + base,
		"PORT=" + port,
		"REDIS_URL=", "DATABASE_URL=",
	}, s.env(tmp)...)
	logFile := filepath.Join(tmp, strings.ReplaceAll(s.name, "/", "-")+".log")
	app, err := start(filepath.Join(tmp, "app-"+s.framework), logFile, env)
	if err != nil {
		r.err = err
		return r
	}
	defer stop(app)
	if err := waitHTTP(base+"/", 20*time.Second); err != nil {
		r.err = fmt.Errorf("app did not start: %w (log: %s)", err, tail(logFile))
		return r
	}
	var in, anon side
	for range o.sessions {
		cookie, err := login(base)
		if err != nil {
			r.err = fmt.Errorf("login: %w (log: %s)", err, tail(logFile))
			return r
		}
		in.cookies = append(in.cookies, cookie)
		anon.cookies = append(anon.cookies, junkCookie(cookie))
	}
	if o.sessions > 1 {
		name := filepath.Join(tmp, strings.ReplaceAll(s.name, "/", "-"))
		if in.script, err = writeScript(name+"-in.lua", in.cookies); err == nil {
			anon.script, err = writeScript(name+"-anon.lua", anon.cookies)
		}
		if err != nil {
			r.err = err
			return r
		}
	}
	cookie, junk := in.cookies[0], anon.cookies[0]
	r.cookieBytes = len(cookie)
	target := base + "/auth/profile"
	if r.in.status, err = status(target, cookie); err != nil || r.in.status != http.StatusOK {
		r.err = fmt.Errorf("logged-in /auth/profile answered %d, %v", r.in.status, err)
		return r
	}
	r.anon.status, _ = status(target, junk)

	if _, err := wrk(o, target, in, max(o.warmup, time.Second)); err != nil {
		r.err = err
		return r
	}
	var newConns func() (string, error)
	if s.count != nil {
		if newConns, err = s.count(); err != nil {
			r.err = err
			return r
		}
	}
	// The first pair starts with the logged-in side, right after the
	// warm-up; later pairs alternate which side goes first.
	var ins, anons []result
	for i := range o.rounds {
		inRes, anonRes, err := pair(o, target, in, anon, i%2 == 0)
		if err != nil {
			r.err = err
			return r
		}
		ins, anons = append(ins, inRes), append(anons, anonRes)
		if i == 0 && newConns != nil {
			time.Sleep(1500 * time.Millisecond) // PostgreSQL publishes its counters within a second
			n, err := newConns()
			if err != nil {
				r.err = err
				return r
			}
			r.newConns = n
		}
	}
	r.keepMedian(ins, anons)
	return r
}

// pair measures o.duration of logged-in and of anonymous load, in
// o.slices wrk runs per side that alternate, the logged-in side first if
// inFirst. A side's rate is the mean of its runs' rates (they are equally
// long), its p99 the highest of theirs, its errors their sum.
func pair(o options, target string, in, anon side, inFirst bool) (inRes, anonRes result, err error) {
	slice := o.duration / time.Duration(o.slices)
	first, second := &in, &anon
	if !inFirst {
		first, second = second, first
	}
	var ins, anons []result
	for range o.slices {
		for _, sd := range []*side{first, second} {
			res, err := wrk(o, target, *sd, slice)
			if err != nil {
				return inRes, anonRes, err
			}
			if sd == &in {
				ins = append(ins, res)
			} else {
				anons = append(anons, res)
			}
		}
	}
	return combine(ins), combine(anons), nil
}

// writeScript writes a wrk script sending cookies in turn (per wrk
// thread) and returns its path.
func writeScript(path string, cookies []string) (string, error) {
	var b strings.Builder
	b.WriteString("local cookies = {\n")
	for _, c := range cookies {
		fmt.Fprintf(&b, "  %q,\n", c)
	}
	b.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i % #cookies + 1\n  return wrk.format(nil, nil, {[\"Cookie\"] = cookies[i]})\nend\n")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

// combine sums up equally long runs of one side.
func combine(runs []result) result {
	var c result
	for _, r := range runs {
		c.rps += r.rps / float64(len(runs))
		c.p99 = max(c.p99, r.p99)
		c.non2xx += r.non2xx
		c.sockErrors += r.sockErrors
	}
	return c
}

func build(out, pkg string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

// proc is a started process.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when it has exited
}

// start runs bin with the environment plus env, output to logFile.
func start(bin, logFile string, env []string, args ...string) (*proc, error) {
	f, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); _ = f.Close(); close(p.done) }()
	return p, nil
}

// stop ends p: SIGTERM, then SIGKILL after 3 s.
func stop(p *proc) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHTTP(u string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		resp, err := http.Get(u)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// login follows the login redirects by hand (cookie jars ignore ports,
// and the app and the provider share 127.0.0.1) and returns the app's
// session cookies as a Cookie header value.
func login(base string) (string, error) {
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	jars := map[string]map[string]string{} // host:port → name → value
	next, err := url.Parse(base + "/auth/login")
	if err != nil {
		return "", err
	}
	for range 10 {
		req, _ := http.NewRequest(http.MethodGet, next.String(), nil)
		for name, value := range jars[next.Host] {
			req.AddCookie(&http.Cookie{Name: name, Value: value})
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		jar := jars[next.Host]
		if jar == nil {
			jar = map[string]string{}
			jars[next.Host] = jar
		}
		for _, c := range resp.Cookies() {
			if c.MaxAge < 0 || c.Value == "" || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
				delete(jar, c.Name)
			} else {
				jar[c.Name] = c.Value
			}
		}
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			break
		}
		loc, err := next.Parse(resp.Header.Get("Location"))
		if err != nil {
			return "", err
		}
		if loc.Hostname() != "127.0.0.1" {
			return "", fmt.Errorf("redirect off loopback: %s", loc.Redacted())
		}
		next = loc
	}
	u, _ := url.Parse(base)
	var parts []string
	for name, value := range jars[u.Host] {
		if strings.HasPrefix(name, "__session") {
			parts = append(parts, name+"="+value)
		}
	}
	if len(parts) == 0 {
		return "", errors.New("no session cookie after the login")
	}
	return strings.Join(parts, "; "), nil
}

// junkCookie returns cookie with each value replaced by random
// base64url characters of the same length (dots kept where they were, so
// the value still looks like a JWE).
func junkCookie(cookie string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var b strings.Builder
	for i, part := range strings.Split(cookie, "; ") {
		name, value, _ := strings.Cut(part, "=")
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(name + "=")
		for _, c := range []byte(value) {
			if c == '.' {
				b.WriteByte('.')
			} else {
				b.WriteByte(alphabet[rand.IntN(len(alphabet))])
			}
		}
	}
	return b.String()
}

func status(u, cookie string) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Cookie", cookie)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

var (
	reRPS     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reP99     = regexp.MustCompile(`\n\s+99%\s+([0-9.]+)(us|ms|s)`)
	reNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSockErr = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// wrk runs wrk for d on target with the cookies of sd.
func wrk(o options, target string, sd side, d time.Duration) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	secs := max(1, int(d.Round(time.Second)/time.Second))
	args := []string{"-t" + strconv.Itoa(o.threads), "-c" + strconv.Itoa(o.conns),
		"-d" + strconv.Itoa(secs) + "s", "--latency", "--timeout", "2s"}
	if sd.script != "" {
		args = append(args, "-s", sd.script)
	} else {
		args = append(args, "-H", "Cookie: "+sd.cookies[0])
	}
	cmd := exec.CommandContext(ctx, o.wrk, append(args, target)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("wrk: %w: %s", err, out.String())
	}
	text := out.String()
	var r result
	m := reRPS.FindStringSubmatch(text)
	if m == nil {
		return r, fmt.Errorf("wrk output without Requests/sec: %s", text)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	if m := reP99.FindStringSubmatch(text); m != nil {
		v, _ := strconv.ParseFloat(m[1], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[2]]
		r.p99 = time.Duration(v * float64(unit))
	}
	if m := reNon2xx.FindStringSubmatch(text); m != nil {
		r.non2xx, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := reSockErr.FindStringSubmatch(text); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.ParseInt(s, 10, 64)
			r.sockErrors += n
		}
	}
	return r, nil
}

// Server connection counters.

func query(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func ensurePGDatabase() error {
	out, err := query("psql", pgAdminURL, "-Atc", "SELECT 1 FROM pg_database WHERE datname = '"+pgDB+"'")
	if err != nil || out == "1" {
		return err
	}
	_, err = query("psql", pgAdminURL, "-c", "CREATE DATABASE "+pgDB)
	return err
}

func pgConns() (int64, error) {
	out, err := query("psql", pgAdminURL, "-Atc", "SELECT sessions FROM pg_stat_database WHERE datname = '"+pgDB+"'")
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(out, 10, 64)
}

func mariaAppConns() ([]int64, error) {
	out, err := query("mysql", "-h127.0.0.1", "-uroot", "-N", "-B", "-e",
		"SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '"+mariaUser+"'")
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, f := range strings.Fields(out) {
		id, _ := strconv.ParseInt(f, 10, 64)
		ids = append(ids, id)
	}
	return ids, nil
}

func redisAppConns() ([]int64, error) {
	out, err := query("redis-cli", "-h", "127.0.0.1", "-p", "6379", "CLIENT", "LIST")
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, " name="+redisClientName+" ") && !strings.Contains(line, " name=auth0kit-invalidations ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id, _ := strconv.ParseInt(v, 10, 64)
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

func printTable(w io.Writer, rows []row, o options) {
	what := "logged-in cookie vs. junk cookie of the same size"
	if o.sessions > 1 {
		what = fmt.Sprintf("the cookies of %d logged-in sessions in turn vs. junk cookies of the same sizes", o.sessions)
	}
	fmt.Fprintf(w, "\nwrk -t%d -c%d --latency on GET /auth/profile (127.0.0.1), %s: %d pairs of %v per side, each side in %d alternating runs of %v\n\n",
		o.threads, o.conns, what, o.rounds, o.duration, o.slices, o.duration/time.Duration(o.slices))
	fmt.Fprintln(w, "| setup | cookie bytes | logged-in req/s | anonymous req/s | ratio (median) | all ratios | p99 logged-in | p99 anonymous | new server conns | errors |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|---:|---:|---:|---|")
	for _, r := range rows {
		if r.err != nil && r.in.rps == 0 {
			fmt.Fprintf(w, "| %s | – | – | – | – | – | – | – | – | %s |\n", r.name, oneLine(r.err.Error()))
			continue
		}
		ratio := 0.0
		if r.anon.rps > 0 {
			ratio = r.in.rps / r.anon.rps
		}
		var errs []string
		if r.in.non2xx > 0 {
			errs = append(errs, fmt.Sprintf("%d non-2xx logged in", r.in.non2xx))
		}
		if n := r.in.sockErrors + r.anon.sockErrors; n > 0 {
			errs = append(errs, fmt.Sprintf("%d socket errors", n))
		}
		if r.err != nil {
			errs = append(errs, oneLine(r.err.Error()))
		}
		all := make([]string, len(r.ratios))
		for i, x := range r.ratios {
			all[i] = fmt.Sprintf("%.2f", x)
		}
		fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %.2f | %s | %s | %s | %s | %s |\n", r.name, r.cookieBytes, r.in.rps, r.anon.rps, ratio,
			strings.Join(all, " "), fmtDur(r.in.p99), fmtDur(r.anon.p99), r.newConns, strings.Join(errs, "; "))
	}
	if len(rows) > 0 {
		fmt.Fprintf(w, "\nAnonymous requests (a junk cookie of the same size) answer %d. p99: the highest of the median pair's runs. New connections: PostgreSQL counts the sessions of this run's database, Redis and MariaDB the app's connections opened during the first pair and still open.\n",
			rows[0].anon.status)
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	default:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", "/")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.TrimSpace(v) == s {
			return true
		}
	}
	return false
}

// tail returns the last lines of a log file, for error messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " / ")
}
