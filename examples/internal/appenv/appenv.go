// Package appenv is what the example apps share: their configuration comes
// only from the environment, like a real deployment's.
//
//   - AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET,
//     APP_BASE_URL: read by auth0kit.New itself;
//   - AUTH0_DOMAIN_MAP="host[:port]=domain,…" instead of AUTH0_DOMAIN and
//     APP_BASE_URL: resolver mode (Multiple Custom Domains), also read by
//     auth0kit.New; each host's base URL is the mapped host the request
//     came to, and a host not in the map is refused;
//   - client authentication and PAR, also read by auth0kit.New:
//     AUTH0_TOKEN_ENDPOINT_AUTH_METHOD, AUTH0_CLIENT_ASSERTION_SIGNING_KEY
//     (PEM text) and AUTH0_CLIENT_ASSERTION_SIGNING_ALG for private_key_jwt,
//     AUTH0_CLIENT_CERTIFICATE and AUTH0_CLIENT_CERTIFICATE_KEY (PEM texts)
//     for mutual TLS, AUTH0_PUSHED_AUTHORIZATION_REQUESTS=true; so the same
//     binary logs in with a secret, a private key, a client certificate or
//     through PAR;
//   - REDIS_URL (redis://host:port/db) or DATABASE_URL
//     (postgres://user@host:port/db?sslmode=disable, mysql://user:pass@host:port/db,
//     sqlite:///path/to/file.db): keep sessions in that store instead of
//     cookies, creating the schema on start; setting both is refused
//     ([ErrTwoStores]);
//   - DPoP, read by auth0kit.New: AUTH0_USE_DPOP=true with
//     AUTH0_DPOP_PUBLIC_KEY and AUTH0_DPOP_PRIVATE_KEY (PEM texts; make a
//     pair with `go run ./conformance/cmd/dpopkey` from the repository),
//     AUTH0_DPOP_CLOCK_SKEW, AUTH0_DPOP_CLOCK_TOLERANCE, AUTH0_RETRY_DELAY,
//     AUTH0_RETRY_JITTER;
//   - API_BASE_URL, API_AUDIENCE, API_PATH: the protected API that
//     GET /api/call calls as the user through auth0kit's fetcher (Bearer,
//     or DPoP with a DPoP-bound token) — see [CallAPI];
//   - PORT: the listening port (default 3000).
package appenv

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"os"

	auth0kit "github.com/auth0kit/auth0kit/core"
	"github.com/auth0kit/auth0kit/core/sessionstore"
	redisstore "github.com/auth0kit/auth0kit/stores/redis"
	"github.com/auth0kit/auth0kit/stores/sql/sqlurl"
)

// ErrTwoStores is returned by [Client] when both REDIS_URL and
// DATABASE_URL are set: the app would otherwise have to pick one silently.
var ErrTwoStores = errors.New("appenv: both REDIS_URL and DATABASE_URL are set; set only the one naming the session store to use")

// Client builds the auth0kit client from the environment, with an
// info-level logger and the session store REDIS_URL or DATABASE_URL names.
func Client(ctx context.Context) (*auth0kit.Client, *slog.Logger, error) {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts := []auth0kit.Option{auth0kit.WithLogger(logger)}
	switch redisURL, dbURL := os.Getenv("REDIS_URL"), os.Getenv("DATABASE_URL"); {
	case redisURL != "" && dbURL != "":
		return nil, nil, ErrTwoStores
	case redisURL != "":
		store, err := redisstore.OpenURL(ctx, redisURL)
		if err != nil {
			return nil, nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		opts = append(opts, auth0kit.WithSessionStore(store))
		logger.Info("sessions in Redis", "url", redact(redisURL))
	case dbURL != "":
		store, err := sqlurl.Open(ctx, dbURL)
		if err != nil {
			return nil, nil, fmt.Errorf("DATABASE_URL: %w", err)
		}
		opts = append(opts, auth0kit.WithSessionStore(store))
		logger.Info("sessions in SQL", "dialect", store.Dialect().String())
	default:
		// Stateless cookie sessions; an in-memory revocation list makes
		// back-channel logout work for this single instance.
		opts = append(opts, auth0kit.WithRevocationList(sessionstore.NewMemory()))
	}
	client, err := auth0kit.New(opts...)
	if err != nil {
		return nil, nil, err
	}
	return client, logger, nil
}

// Addr is ":$PORT", default ":3000".
func Addr() string {
	if p := os.Getenv("PORT"); p != "" {
		return ":" + p
	}
	return ":3000"
}

// ErrNoAPI is returned by [CallAPI] when API_BASE_URL is not set.
var ErrNoAPI = errors.New("appenv: set API_BASE_URL (and API_AUDIENCE) to call a protected API")

// CallAPI calls the protected API as the logged-in user of ctx (the
// request's context, bound by the adapter middleware): GET
// $API_BASE_URL$API_PATH (default path "/") with the user's access token for
// $API_AUDIENCE through client.Fetcher, which sends it as Bearer, or as
// DPoP with a proof when DPoP is on. It returns the API's status and at
// most 64 KiB of its body.
func CallAPI(ctx context.Context, client *auth0kit.Client) (int, []byte, error) {
	base := os.Getenv("API_BASE_URL")
	if base == "" {
		return 0, nil, ErrNoAPI
	}
	api, err := client.Fetcher(ctx, auth0kit.FetcherOptions{BaseURL: base, Audience: os.Getenv("API_AUDIENCE")})
	if err != nil {
		return 0, nil, err
	}
	path := os.Getenv("API_PATH")
	if path == "" {
		path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := api.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, body, err
}

// CallAPIResult is the JSON the examples' GET /api/call answers: the API's
// status and body, or the error (never a token).
func CallAPIResult(ctx context.Context, client *auth0kit.Client) (int, map[string]any) {
	status, body, err := CallAPI(ctx, client)
	if err != nil {
		return http.StatusBadGateway, map[string]any{"error": err.Error()}
	}
	return http.StatusOK, map[string]any{"status": status, "body": string(body)}
}

// redact drops a password from a URL for logging.
func redact(raw string) string {
	for i := len("redis://"); i < len(raw); i++ {
		if raw[i] == '@' {
			return "redis://…@" + raw[i+1:]
		}
	}
	return raw
}

// Page is the examples' one HTML page: the user's name and links to log in
// or out, the protected page and the protected API. Execute it with a
// [View]; its template name is "page".
var Page = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>auth0kit · {{.Framework}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5}</style></head>
<body>
<h1>{{.Title}}</h1>
{{if .User}}
  <p>Logged in as <strong>{{.User.Name}}</strong> ({{.User.Email}}).</p>
  <p><a href="/private">Protected page</a> · <a href="/api/me">Protected API</a> · <a href="/api/call">Call an API as me</a> · <a href="/auth/profile">/auth/profile</a> · <a href="/auth/logout">Log out</a></p>
{{else}}
  <p>You are not logged in.</p>
  <p><a href="/auth/login">Log in</a> · <a href="/private">Protected page</a> (redirects to login)</p>
{{end}}
</body></html>`))

// View is what [Page] shows.
type View struct {
	Framework string
	Title     string
	User      *auth0kit.User
}
