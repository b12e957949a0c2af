package sqlurl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	auth0kit "github.com/auth0kit/auth0kit/core"
	sqlstore "github.com/auth0kit/auth0kit/stores/sql"
)

func TestMySQLConfig(t *testing.T) {
	for _, c := range []struct {
		in                                string
		user, pass, addr, db, interpolate string
	}{
		{"mysql://root@127.0.0.1:3306/test", "root", "", "127.0.0.1:3306", "test", "true"},
		{"mysql://app:p%40ss%2Fw:rd@db.internal/sessions", "app", "p@ss/w:rd", "db.internal:3306", "sessions", "true"},
		{"mariadb://u:p@[::1]:3307/x?interpolateParams=false", "u", "p", "[::1]:3307", "x", "false"},
		{"mysql:///x", "", "", "127.0.0.1:3306", "x", "true"},
	} {
		u, err := url.Parse(c.in)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := mysqlConfig(u)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if cfg.User != c.user || cfg.Passwd != c.pass || cfg.Addr != c.addr || cfg.DBName != c.db || cfg.Net != "tcp" {
			t.Errorf("%s: got user %q pass %q addr %q db %q net %q", c.in, cfg.User, cfg.Passwd, cfg.Addr, cfg.DBName, cfg.Net)
		}
		if got := cfg.InterpolateParams; (got && c.interpolate != "true") || (!got && c.interpolate == "true") {
			t.Errorf("%s: interpolateParams = %v", c.in, got)
		}
	}
	u, _ := url.Parse("mysql://root@127.0.0.1/test?timeout=2s&charset=utf8mb4")
	cfg, err := mysqlConfig(u)
	if err != nil || cfg.Timeout != 2*time.Second {
		t.Fatalf("query parameters not passed on: %v %v", cfg, err)
	}
}

func TestSQLiteDSN(t *testing.T) {
	for _, c := range []struct{ in, path string }{
		{"sqlite:///var/lib/app/sessions.db", "/var/lib/app/sessions.db"},
		{"sqlite://data/sessions.db", "data/sessions.db"},
		{"sqlite:sessions.db", "sessions.db"},
		{"sqlite3:///tmp/x.db", "/tmp/x.db"},
	} {
		u, _ := url.Parse(c.in)
		dsn, err := sqliteDSN(u)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		path, query, _ := strings.Cut(dsn, "?")
		if path != c.path {
			t.Errorf("%s: path %q, want %q", c.in, path, c.path)
		}
		q, _ := url.ParseQuery(query)
		if strings.Join(q["_pragma"], ",") != "busy_timeout(5000),journal_mode(WAL),synchronous(NORMAL)" || q.Get("_txlock") != "immediate" {
			t.Errorf("%s: defaults %v", c.in, q)
		}
	}
	u, _ := url.Parse("sqlite:///x.db?_pragma=busy_timeout(100)&_journal_mode=DELETE&_txlock=deferred")
	dsn, _ := sqliteDSN(u)
	q, _ := url.ParseQuery(strings.SplitN(dsn, "?", 2)[1])
	if strings.Join(q["_pragma"], ",") != "busy_timeout(100),synchronous(NORMAL)" || q.Get("_txlock") != "deferred" {
		t.Errorf("explicit settings overridden: %v", q)
	}
	u, _ = url.Parse("sqlite://")
	if _, err := sqliteDSN(u); err == nil {
		t.Error("sqlite:// without a path accepted")
	}
}

func TestOpenDBErrors(t *testing.T) {
	for _, in := range []string{"", "127.0.0.1:5432", "redis://127.0.0.1/0", "postgres://u:secret@h:notaport/db",
		"mysql://u:secret@h/db?timeout=nonsense", "sqlite://", "://u:secret@x"} {
		db, _, err := OpenDB(in)
		if err == nil {
			db.Close()
			t.Errorf("OpenDB(%q) succeeded", in)
			continue
		}
		if errors.Is(err, auth0kit.ErrSessionStore) {
			t.Errorf("OpenDB(%q) = %v: a bad URL is not a store failure", in, err)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("OpenDB(%q) error reveals the password: %v", in, err)
		}
	}
}

// TestOpen opens each test database by URL (the servers must be up).
func TestOpen(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{
		"postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"mysql://root@127.0.0.1:3306/test",
		"sqlite://" + filepath.Join(t.TempDir(), "open.db"),
	} {
		t.Run(strings.SplitN(u, ":", 2)[0], func(t *testing.T) {
			var b [6]byte
			_, _ = rand.Read(b[:])
			s, err := Open(ctx, u, sqlstore.WithTable("auth0kit_test_"+hex.EncodeToString(b[:])))
			if err != nil {
				t.Fatalf("Open(%s): %v (the database must be up)", u, err)
			}
			defer s.DB().Close()
			a, r, l := s.Tables()
			defer func() {
				for _, name := range []string{a, r, l} {
					if _, err := s.DB().Exec("DROP TABLE IF EXISTS " + name); err != nil {
						t.Error(err)
					}
				}
			}()
			sess := &auth0kit.Session{User: auth0kit.User{Sub: "auth0|open"}, Internal: auth0kit.SessionInternal{SID: "s", CreatedAt: 1}}
			if err := s.Set(ctx, "id", sess, time.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Get(ctx, "id"); err != nil || got == nil || got.User.Sub != "auth0|open" {
				t.Fatalf("Get = %v, %v", got, err)
			}
		})
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	for _, u := range []string{
		"postgres://postgres:secret@" + closed + "/test?sslmode=disable",
		"mysql://root:secret@" + closed + "/test",
	} {
		_, err := Open(ctx, u)
		if !errors.Is(err, auth0kit.ErrSessionStore) {
			t.Errorf("Open(%s) = %v, want ErrSessionStore", u, err)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("Open error reveals the password: %v", err)
		}
	}
	if _, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "x.db"), sqlstore.WithTable("bad name")); err == nil {
		t.Error("Open with a bad table name succeeded")
	}
}
