package httpapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequireToken(t *testing.T) {
	t.Parallel()
	const token = "tok-3f9a1c0d5e7b"
	cases := []struct {
		name      string
		token     string // the server's
		auth      string // the request's Authorization header
		want      int
		challenge string
	}{
		{"right token", token, "Bearer " + token, http.StatusOK, ""},
		{"scheme is case-insensitive", token, "bearer " + token, http.StatusOK, ""},
		{"no header", token, "", http.StatusUnauthorized, `Bearer realm="blendpipe"`},
		{"wrong token", token, "Bearer nope", http.StatusUnauthorized, `Bearer realm="blendpipe", error="invalid_token"`},
		{"prefix of the token", token, "Bearer " + token[:5], http.StatusUnauthorized, `error="invalid_token"`},
		{"token plus more", token, "Bearer " + token + "x", http.StatusUnauthorized, `error="invalid_token"`},
		{"basic auth", token, "Basic " + token, http.StatusUnauthorized, `error="invalid_token"`},
		{"scheme only", token, "Bearer", http.StatusUnauthorized, `Bearer realm="blendpipe"`},
		{"empty server token lets nothing in", "", "Bearer ", http.StatusUnauthorized, `error="invalid_token"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logged bytes.Buffer
			h := RequireToken(c.token, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
			}), slog.New(slog.NewTextHandler(&logged, nil)))
			r := httptest.NewRequest("POST", "/blend", strings.NewReader("{}"))
			if c.auth != "" {
				r.Header.Set("Authorization", c.auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.want {
				t.Fatalf("HTTP %d, want %d", w.Code, c.want)
			}
			if got := w.Header().Get("WWW-Authenticate"); !strings.Contains(got, c.challenge) || (c.challenge == "") != (got == "") {
				t.Errorf("WWW-Authenticate = %q, want %q", got, c.challenge)
			}
			if c.want == http.StatusUnauthorized && !strings.Contains(w.Body.String(), `"kind": "unauthorized"`) {
				t.Errorf("body = %s", w.Body)
			}
			if strings.Contains(logged.String(), token) || (len(c.auth) > 7 && strings.Contains(logged.String(), c.auth[7:])) {
				t.Errorf("a token was logged: %s", logged.String())
			}
		})
	}
}
