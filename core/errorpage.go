package auth0kit

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/auth0kit/auth0kit/core/adapter"
)

// errNoTransaction is the cause of an [ErrInvalidState] whose transaction
// cookie did not reach the callback at all (as opposed to one that was
// present but expired, tampered with or sealed with another secret).
var errNoTransaction = errors.New("auth0kit: no transaction cookie for this state reached the callback")

// answerFormat is what the client asked the error answer to be.
type answerFormat int

const (
	formatText answerFormat = iota
	formatHTML
	formatJSON
)

// negotiate reads the Accept header: JSON when application/json is
// preferred to text/html, HTML when text/html is acceptable (browsers),
// plain text otherwise (curl, fetch's */*).
func negotiate(accept string) answerFormat {
	if len(accept) > 1024 { // a cap on what a visitor makes us parse
		accept = accept[:1024]
	}
	var jsonQ, htmlQ float64
	for part := range strings.SplitSeq(accept, ",") {
		typ, params, _ := strings.Cut(part, ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(typ)) {
		case "application/json":
			jsonQ = max(jsonQ, q)
		case "text/html":
			htmlQ = max(htmlQ, q)
		}
	}
	switch {
	case jsonQ > 0 && jsonQ > htmlQ:
		return formatJSON
	case htmlQ > 0:
		return formatHTML
	}
	return formatText
}

// errorAnswer is the answer of an SDK route (or guard) that failed with
// err, in the format the client asked for: a readable HTML page for
// browsers, {"error","error_description","hints"} for JSON clients, plain
// text otherwise. The status is [HTTPStatus]'s. Every word is fixed text
// of the SDK: nothing of the request is echoed, and internal details stay
// in the logs.
func (c *Client) errorAnswer(ex adapter.Exchange, err error) *adapter.Response {
	res := errorResponse(err)
	if ex == nil {
		return res
	}
	format := negotiate(ex.Header("Accept"))
	if format == formatText {
		return res
	}
	code, title, hints := describeError(err)
	msg := strings.TrimSuffix(string(res.Body), "\n")
	ex.SetHeader("Cache-Control", "no-store")
	if format == formatJSON {
		res.ContentType = "application/json"
		res.Body = errorBodyJSON(code, msg, hints)
		return res
	}
	ex.SetHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	var b bytes.Buffer
	_ = errorPageHTML.Execute(&b, errorPageData{
		Status: res.Status, StatusText: http.StatusText(res.Status), Title: title, Message: sentence(msg), Hints: hints,
		Retry: c.s.basePath + c.s.routes.Login,
	})
	res.ContentType = "text/html; charset=utf-8"
	res.Body = b.Bytes()
	return res
}

// describeError returns the error code, a one-line title and the likely
// causes of err, all fixed text.
func describeError(err error) (code, title string, hints []string) {
	var e *Error
	var cfg *InvalidConfigurationError
	switch {
	case errors.Is(err, errNoTransaction):
		return CodeInvalidState, "This sign-in cannot be completed", []string{
			"The sign-in was started on another address of this site (for example localhost instead of 127.0.0.1, or http instead of https): open the application at its configured address (APP_BASE_URL) and sign in again.",
			"Your browser blocks cookies for this site, or a privacy extension removed them: allow cookies for this site.",
			"The sign-in was already completed in another tab or window, or this page was reloaded or opened from the history.",
			"The sign-in took too long and expired: start again.",
		}
	case errors.Is(err, ErrInvalidState):
		return CodeInvalidState, "This sign-in cannot be completed", []string{
			"The sign-in expired or was already used: start again.",
			"The application's secret (AUTH0_SECRET) changed since the sign-in started.",
		}
	case errors.Is(err, ErrMissingState):
		return CodeMissingState, "This sign-in cannot be completed", []string{
			"The callback page was opened directly: sign-ins start at the login route.",
		}
	case errors.As(err, &cfg):
		return "invalid_configuration", "The application is misconfigured", []string{
			"The server's log names the setting to fix.",
		}
	case errors.Is(err, ErrIDTokenInvalid):
		return CodeIDTokenInvalid, "The sign-in could not be verified", []string{
			"The server's clock may be off, or the provider's settings (issuer, client ID, signing algorithm) differ from the application's.",
		}
	case errors.Is(err, ErrDiscovery):
		return CodeDiscoveryError, "The identity provider cannot be reached", []string{
			"Try again in a moment; the server's log has the details.",
		}
	case errors.As(err, &e):
		switch e.Code {
		case CodeAuthorizationError:
			return e.Code, "The sign-in was not completed", []string{
				"The identity provider refused or cancelled the sign-in: start again.",
			}
		case CodeAuthorizationCodeGrantError, CodeAuthorizationCodeGrantRequestError:
			return e.Code, "The sign-in could not be completed", []string{
				"The sign-in code was refused or could not be redeemed: start again; if it persists, the server's log has the details.",
			}
		case CodeUntrustedOrigin:
			return e.Code, "This address is not one of the application's", []string{
				"Open the application at its configured address (APP_BASE_URL).",
			}
		}
		return e.Code, "The request could not be completed", nil
	}
	return "server_error", "The request could not be completed", nil
}

// errorBodyJSON is {"error":code,"error_description":msg,"hints":[…]}.
func errorBodyJSON(code, msg string, hints []string) []byte {
	res := jsonError(0, code, msg)
	if len(hints) == 0 {
		return res.Body
	}
	b, _ := json.Marshal(struct {
		Error       string   `json:"error"`
		Description string   `json:"error_description"`
		Hints       []string `json:"hints"`
	}{code, msg, hints})
	return b
}

type errorPageData struct {
	Status            int
	StatusText, Title string
	Message           string
	Hints             []string
	Retry             string
}

var errorPageHTML = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}code{background:#f3f3f3;padding:0 .2em}.s{color:#666}</style></head>
<body><h1>{{.Title}}</h1>
<p>{{.Message}} <span class="s">({{.Status}} {{.StatusText}})</span></p>
{{if .Hints}}<p>Likely causes:</p><ul>{{range .Hints}}<li>{{.}}</li>{{end}}</ul>{{end}}
<p><a href="{{.Retry}}">Sign in again</a></p>
</body></html>
`))

// sentence capitalises msg's first letter and ends it with a period.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	if b := msg[0]; b >= 'a' && b <= 'z' {
		msg = string(b-'a'+'A') + msg[1:]
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
