package auth0kit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/auth0kit/auth0kit/core/adapter"
)

func TestNegotiate(t *testing.T) {
	cases := []struct {
		accept string
		want   answerFormat
	}{
		{"", formatText},
		{"*/*", formatText},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", formatHTML},
		{"application/json", formatJSON},
		{"application/json, text/plain, */*", formatJSON},
		{"text/html;q=0.5, application/json", formatJSON},
		{"application/json;q=0.4, text/html", formatHTML},
		{"application/json;q=0", formatText},
		{"TEXT/HTML", formatHTML},
		{strings.Repeat(" ", 1100) + "application/json", formatText},
	}
	for _, tc := range cases {
		if got := negotiate(tc.accept); got != tc.want {
			t.Errorf("negotiate(%.40q) = %d, want %d", tc.accept, got, tc.want)
		}
	}
}

// TestCallbackErrorAnswers: a callback whose transaction cookie is missing
// is answered 400 in the format asked for, with the likely causes, nosniff,
// and nothing of the request echoed.
func TestCallbackErrorAnswers(t *testing.T) {
	c := newTestClient(t)
	const probe = "PROBE<script>x</script>"
	state := strings.Repeat("a", 43)
	cases := []struct {
		name, accept, query, ctype, contains string
	}{
		{"missing transaction html", "text/html", "state=" + state + "&code=" + probe, "text/html; charset=utf-8", "cookies"},
		{"missing transaction json", "application/json", "state=" + state + "&code=" + probe, "application/json", `"hints"`},
		{"missing transaction text", "*/*", "state=" + state + "&code=" + probe, "text/plain; charset=utf-8", "state parameter is invalid"},
		{"bad state html", "text/html", "state=" + probe, "text/html; charset=utf-8", "expired or was already used"},
		{"missing state json", "application/json", "code=" + probe, "application/json", CodeMissingState},
		{"repeated state html", "text/html", "state=a&state=b", "text/html; charset=utf-8", "repeats the state parameter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "https://app.example.com/auth/callback?"+tc.query, nil)
			r.Header.Set("Accept", tc.accept)
			ex := adapter.NewHTTPExchange(w, r)
			res, ok := c.handle(context.Background(), ex)
			if !ok || res.Status != http.StatusBadRequest || res.ContentType != tc.ctype {
				t.Fatalf("answer %v %d %q", ok, res.Status, res.ContentType)
			}
			body := string(res.Body)
			if !strings.Contains(body, tc.contains) || strings.Contains(body, "PROBE") || strings.Contains(body, "<script") {
				t.Fatalf("body does not contain %q or echoes input:\n%s", tc.contains, body)
			}
			if w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Fatal("no nosniff")
			}
			if tc.ctype == "application/json" && !json.Valid(res.Body) {
				t.Fatalf("invalid JSON %s", body)
			}
		})
	}
}
