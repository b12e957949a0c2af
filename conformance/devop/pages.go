package devop

import (
	"html/template"
	"net/http"
)

var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} · devop</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#222}
input,button{font:inherit;padding:.5rem;width:100%;box-sizing:border-box;margin:.25rem 0}
button{background:#222;color:#fff;border:0;cursor:pointer}.err{color:#b00020}</style></head><body>{{end}}

{{define "login"}}{{template "head" "Log in"}}
<h1>Log in</h1>
<p>Development OpenID Provider. Any e-mail address works; there is no password.</p>
{{with .Error}}<p class="err" role="alert">{{.}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="req_id" value="{{.ReqID}}">
<label for="email">Email</label>
<input id="email" type="email" name="email" value="{{.Email}}" required autofocus autocomplete="email">
<button type="submit">Continue</button>
</form>
</body></html>{{end}}

{{define "error"}}{{template "head" "Error"}}
<h1>{{.Title}}</h1>
<p class="err" role="alert">{{.Message}}</p>
</body></html>{{end}}

{{define "loggedout"}}{{template "head" "Logged out"}}
<h1>You are logged out</h1>
<p>You have been logged out of the development OpenID Provider.</p>
</body></html>{{end}}
`))

type loginPageData struct {
	Action string
	ReqID  string
	Email  string
	Error  string
}

func renderPage(w http.ResponseWriter, status int, name string, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, data)
}

// errorPage renders an error as an HTML page; used whenever redirecting
// the error back to the client would be unsafe.
func errorPage(w http.ResponseWriter, status int, title, message string) {
	renderPage(w, status, "error", struct{ Title, Message string }{title, message})
}
