package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
)

// RequireToken answers 401 to every request to h that lacks the header
// "Authorization: Bearer <token>". It guards the local pipeline's API; in
// production Cloud Run IAM checks the caller's ID token before a request
// reaches the service. The token is compared in constant time and never
// logged. With an empty token nothing gets through: no token means not
// wrapping h.
func RequireToken(token string, h http.Handler, log *slog.Logger) http.Handler {
	// Hashing both sides first makes the comparison's time independent of
	// the lengths too.
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if ok && token != "" && strings.EqualFold(scheme, "Bearer") {
			sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
			if subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
				h.ServeHTTP(w, r)
				return
			}
		}
		challenge := `Bearer realm="blendpipe"`
		if ok {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
		if log != nil {
			log.WarnContext(r.Context(), "request refused: no valid bearer token", "method", r.Method, "path", r.URL.Path,
				"remote", r.RemoteAddr, "authorization_given", r.Header.Get("Authorization") != "")
		}
		writeJSON(w, http.StatusUnauthorized, ErrorBody{Error: "missing or wrong bearer token (Authorization: Bearer <token>)",
			Kind: "unauthorized", Field: "Authorization"})
	})
}
