// Command devop runs the development OpenID Provider of package
// github.com/auth0kit/auth0kit/conformance/devop.
//
// Usage:
//
//	go run ./cmd/devop [-addr 127.0.0.1:4000] [-client-id devop-client] [-client-secret devop-secret] [-auto-login email]
//
// Every flag can also be set through the environment: DEVOP_ADDR,
// DEVOP_CLIENT_ID, DEVOP_CLIENT_SECRET and DEVOP_AUTO_LOGIN_EMAIL; flags win
// over the environment. The issuer is http://<addr>/ and the client accepts
// any loopback redirect and post-logout redirect URI. On start, devop prints
// one line, "devop issuer: <issuer>", to standard output; logs go to
// standard error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/auth0kit/auth0kit/conformance/devop"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "devop:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(args []string) error {
	fs := flag.NewFlagSet("devop", flag.ContinueOnError)
	addr := fs.String("addr", envOr("DEVOP_ADDR", "127.0.0.1:4000"), "listen address (env DEVOP_ADDR)")
	clientID := fs.String("client-id", envOr("DEVOP_CLIENT_ID", devop.DefaultClientID), "client ID (env DEVOP_CLIENT_ID)")
	clientSecret := fs.String("client-secret", envOr("DEVOP_CLIENT_SECRET", devop.DefaultClientSecret), "client secret (env DEVOP_CLIENT_SECRET)")
	autoLogin := fs.String("auto-login", os.Getenv("DEVOP_AUTO_LOGIN_EMAIL"), "skip the login form and log in as this e-mail (env DEVOP_AUTO_LOGIN_EMAIL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	issuer := "http://" + issuerHost(*addr, ln.Addr()) + "/"
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	p, err := devop.New(devop.Options{
		Issuer:         issuer,
		Clients:        []devop.Client{{ID: *clientID, Secret: *clientSecret}},
		AutoLoginEmail: *autoLogin,
		Logger:         logger,
	})
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Println("devop issuer:", p.Issuer())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// issuerHost returns the host:port for the issuer: addr as given, except
// that an empty or unspecified host becomes 127.0.0.1 and port 0 becomes
// the port actually bound.
func issuerHost(addr string, bound net.Addr) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return bound.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	if port == "0" || port == "" {
		if tcp, ok := bound.(*net.TCPAddr); ok {
			port = fmt.Sprint(tcp.Port)
		}
	}
	return net.JoinHostPort(host, port)
}
