package conformance

import (
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// ClosingListener wraps ln so that closing it also closes every connection
// it accepted, as httptest.Server.Close does. Harnesses of servers that
// wait for idle connections on shutdown (fasthttp waits 5 s for each one
// on which no request arrived, such as one a net/http client parked in its
// pool) use it to stop at once.
func ClosingListener(ln net.Listener) net.Listener { return &closingListener{Listener: ln} }

type closingListener struct {
	net.Listener
	mu     sync.Mutex
	closed bool
	conns  []net.Conn
}

func (l *closingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	l.conns = append(l.conns, c)
	return c, nil
}

func (l *closingListener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
	return err
}

// WaitReady polls GET url until the server answers (any status), failing
// t after 5 s.
func WaitReady(t testing.TB, url string) {
	t.Helper()
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for deadline := time.Now().Add(5 * time.Second); ; {
		res, err := hc.Get(url)
		if err == nil {
			res.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the app does not answer: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
